import { packageTests } from '../../tooling/vitest-config';

export default packageTests({ testTimeout: 240_000, hookTimeout: 120_000 });

import { packageTests } from '../../tooling/vitest-config';

export default packageTests({ setupFiles: ['./src/test-setup.ts'] });

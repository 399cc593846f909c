import { packageTests } from '../../tooling/vitest-config';

// Packing and a plain-npm install (registry downloads) take minutes.
export default packageTests({ testTimeout: 300_000 });

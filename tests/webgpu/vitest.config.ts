import { packageTests } from '../../tooling/vitest-config';

// One file at a time: software WebGPU is CPU-bound, and each file runs both backends.
export default packageTests({ testTimeout: 300_000, fileParallelism: false });

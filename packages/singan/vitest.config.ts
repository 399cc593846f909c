import { packageTests } from '../../tooling/vitest-config';

// Trainers run for real (small images, few iterations), twice over in the resume tests.
export default packageTests({ testTimeout: 300_000, hookTimeout: 300_000 });

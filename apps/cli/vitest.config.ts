import { packageTests } from '../../tooling/vitest-config';

// Commands run end to end: training and sampling real (small) models.
export default packageTests({ testTimeout: 300_000 });

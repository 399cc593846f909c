import { packageTests } from '../../tooling/vitest-config';

// The suite spawns the CLI about 90 times (about 3 minutes on 2 free cores); it prints a line per trainer and
// fault as it goes. The limit leaves room for a loaded machine.
export default packageTests({ testTimeout: 1_800_000 });

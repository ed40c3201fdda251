// Runs the CLI straight from the TypeScript sources (`node --import tsx src/cli/run.ts serve …`), as tests
// and development do; worker processes re-run this same file.
import { runMain } from './main.js';

await runMain();

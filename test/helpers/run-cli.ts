// Runs the gomodproxy CLI from the TypeScript sources in a child process (bin/gomodproxy.js would prefer
// a compiled dist/ that may be older than the sources under test).
import { runMain } from '../../src/cli/main.js';

await runMain();

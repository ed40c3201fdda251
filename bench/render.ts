// `node --import tsx bench/render.ts bench/results/STAMP.json`: prints the markdown report of a saved run
// again (after a change to the report's tables, or to paste into docs/performance.md).
import { readFile } from 'node:fs/promises';
import { markdown } from './report.js';
import type { Results } from './report.js';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: render.ts RESULTS.json');
process.stdout.write(markdown(JSON.parse(await readFile(file, 'utf8')) as Results));

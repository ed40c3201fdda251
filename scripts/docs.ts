// `npm run docs`: rewrites the README's generated parts (the settings table) from the code.
import { readFile, writeFile } from 'node:fs/promises';
import { withOptionsTable } from '../src/config/options-table.js';

const file = new URL('../README.md', import.meta.url);
await writeFile(file, withOptionsTable(await readFile(file, 'utf8')));

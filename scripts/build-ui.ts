// `npm run build` (and so `npm ci`, through prepare): bundles the dashboard's browser code into dist/ui,
// where a server running from dist/ reads it. Prints the sizes, so a growing bundle is noticed.
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { bundleUi } from '../src/dashboard/ui-bundle.js';

const out = fileURLToPath(new URL('../dist/ui/', import.meta.url));
const { js, css } = await bundleUi();
await mkdir(out, { recursive: true });
await writeFile(`${out}app.js`, js);
await writeFile(`${out}app.css`, css);
const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const size = (b: Buffer) => `${kb(b.length)} (gzip ${kb(gzipSync(b, { level: 9 }).length)}, brotli ${kb(brotliCompressSync(b).length)})`;
process.stdout.write(`dashboard bundle: app.js ${size(js)}, app.css ${size(css)}\n`);

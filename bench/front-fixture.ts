// For the yardsticks' tests: nginx serving one go.mod file as the upstream, in a directory removed after the test.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNginx } from './nginx.js';
import type { Nginx } from './nginx.js';

export const KEY = 'example.com/m/@v/v1.0.0.mod';
export const BODY = 'module example.com/m\n';

export async function oneFileUpstream(t: { after(fn: () => Promise<unknown>): void }): Promise<{ dir: string; up: Nginx }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-front-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // nginx's workers drop root for nobody, who must reach the files (mkdtemp makes a 0700 directory).
  await chmod(dir, 0o755);
  const files = path.join(dir, 'files');
  await mkdir(path.dirname(path.join(files, KEY)), { recursive: true });
  await writeFile(path.join(files, KEY), BODY);
  const up = await startNginx(path.join(dir, 'up'), files, { accessLog: true });
  t.after(() => up.stop());
  return { dir, up };
}

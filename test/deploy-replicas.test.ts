// The replica deployment files as an operator installs them: the systemd template unit's command line with
// deploy/replicas.env.example is a valid configuration (checked by `config check`, which serve runs too),
// and deploy/nginx.conf passes `nginx -t` and keeps the passive health checks and retries the README promises.
// test/replicas-ha.test.ts runs both for real.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { main } from '../src/cli/main.js';
import { parseSettings } from './helpers/services.js';
import { captureIO } from './helpers/cli-io.js';
import { nginxConf, unitFlags } from './helpers/replica-cluster.js';

const run = promisify(execFile);

test('the unit command line with replicas.env.example is a valid configuration: one port and data directory per instance, the shared storage and coordinator', async () => {
  const env = parseSettings(await readFile('deploy/replicas.env.example', 'utf8'));
  const flags = await unitFlags(3002, '/var/lib/gomodproxy');
  const argv = ['config', 'check', ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v])];
  const c = captureIO({ env });
  assert.equal(await main(argv, c.io), 0, c.text.stderr);
  const shown = parse(c.text.stdout) as Record<string, unknown>;
  assert.equal(shown.listen, '127.0.0.1:3002');
  assert.equal(shown.data, '/var/lib/gomodproxy/3002');
  assert.equal(shown.storage, 's3://my-go-modules/cache');
  assert.equal(shown.coordinator, 'postgres://gomodproxy:***@db.internal:5432/gomodproxy', 'the password is never printed');
});

test('nginx.conf passes nginx -t and retries what a replica failed on another one, with passive health checks', {
  skip: !existsSync('/usr/sbin/nginx') && 'nginx is not installed',
}, async () => {
  const text = await readFile('deploy/nginx.conf', 'utf8');
  // Only a replica that did not answer counts against it; its 503 is asked once more elsewhere (@again).
  assert.match(text, /^\s*proxy_next_upstream error timeout;$/m);
  assert.match(text, /^\s*error_page 503 = @again;$/m);
  const servers = [...text.matchAll(/^\s*server 127\.0\.0\.1:\d+ (.*);$/gm)];
  assert.ok(servers.length >= 2);
  for (const s of servers) assert.match(s[1] as string, /max_fails=\d+ fail_timeout=\d+s/);
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-nginx-t-'));
  try {
    await mkdir(path.join(dir, 'logs'));
    await writeFile(path.join(dir, 'site.conf'), await nginxConf([3001, 3002], 18080));
    const main = `pid ${dir}/nginx.pid;\nerror_log ${dir}/logs/error.log;\nevents {}\nhttp {\n  access_log off;\n  include ${dir}/site.conf;\n}\n`;
    await writeFile(path.join(dir, 'nginx.conf'), main);
    const { stderr } = await run('/usr/sbin/nginx', ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf')]);
    assert.match(stderr, /syntax is ok/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// Settings whose mistakes show only when `serve` starts (a file that is not there, a key that does not parse):
// one line naming the setting and exit 1, as `config check` mistakes give, never a stack trace and never, with
// --workers N, a primary that starts failing workers again forever.
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliArgv } from './helpers/cli-entry.js';

const dir = await mkdtemp(path.join(tmpdir(), 'gmp-start-settings-'));
const missing = path.join(dir, 'none', 'file');
// A folder where a file is wanted, and a file that is not PEM.
const folder = path.join(dir, 'folder');
await mkdir(folder);
const junk = path.join(dir, 'junk.pem');
await writeFile(junk, 'not a certificate\n');
// A --pin-from list whose second line names no version.
const badPins = path.join(dir, 'bad-pins.txt');
await writeFile(badPins, 'example.com/a@v1.0.0\nexample.com/b\n');

interface Run {
  readonly code: number | null;
  readonly stderr: string;
  readonly restarted: boolean;
}

/** Runs serve; a primary that restarts a failed worker (the old behaviour, looping forever) is stopped and said so. */
function serve(args: readonly string[], workers: string, name: string): Promise<Run> {
  const data = path.join(dir, `${name}-${workers}`);
  const argv = [...cliArgv(), 'serve', '--listen', '127.0.0.1:0', '--data', data];
  const child = spawn(process.execPath, [...argv, '--upstream', 'off', '--workers', workers, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let restarted = false;
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  child.stdout.on('data', (c: Buffer) => {
    const text = c.toString();
    if (text.includes('starting a new one') || text.includes('gomodproxy listening')) {
      restarted ||= text.includes('starting a new one');
      child.kill('SIGKILL');
    }
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr, restarted })));
}

const CASES: Array<{ name: string; args: string[]; says: RegExp }> = [
  {
    name: 'a --tls-cert file that is not there',
    args: ['--tls-cert', missing, '--tls-key', missing],
    says: /^gomodproxy: cannot start: --tls-(cert|key) \(GOMODPROXY_TLS_(CERT|KEY), tls\.(cert|key)\): cannot read \S+: no such file or directory \(ENOENT\)$/,
  },
  {
    name: 'a --tls-cert and --tls-key that are not PEM',
    args: ['--tls-cert', junk, '--tls-key', junk],
    says: /^gomodproxy: cannot start: --tls-cert \(GOMODPROXY_TLS_CERT, tls\.cert\): \S+ and \S+ \(--tls-key\) are not a usable PEM certificate and its key: .+$/,
  },
  {
    name: 'an --own-sumdb-key-file that is a folder',
    args: ['--own-sumdb-key-file', folder],
    says: /^gomodproxy: cannot start: --own-sumdb-key-file \(GOMODPROXY_OWN_SUMDB_KEY_FILE, ownSumdb\.keyFile\): cannot read \S+: a directory, not a file \(EISDIR\)$/,
  },
  {
    name: 'a --direct-netrc that is a folder',
    args: ['--direct-netrc', folder],
    says: /^gomodproxy: cannot start: --direct-netrc \(GOMODPROXY_DIRECT_NETRC, direct\.netrc\): cannot read \S+: a directory, not a file \(EISDIR\)$/,
  },
  {
    name: 'a --direct-netrc that is not there',
    args: ['--direct-netrc', missing],
    says: /^gomodproxy: cannot start: --direct-netrc \(GOMODPROXY_DIRECT_NETRC, direct\.netrc\): cannot read \S+: no such file or directory \(ENOENT\)$/,
  },
  {
    name: 'a --pin-from file that is not there',
    args: ['--pin-from', missing],
    says: /^gomodproxy: cannot start: --pin-from \(GOMODPROXY_PIN_FROM, eviction\.pinFrom\): \S+: no such file$/,
  },
  {
    name: 'a --pin-from file that is not there, with eviction off (--cache-min-free 0)',
    args: ['--pin-from', missing, '--cache-min-free', '0'],
    says: /^gomodproxy: cannot start: --pin-from \(GOMODPROXY_PIN_FROM, eviction\.pinFrom\): \S+: no such file$/,
  },
  {
    name: 'a --pin-from file that does not parse, with eviction off (--cache-min-free 0)',
    args: ['--pin-from', badPins, '--cache-min-free', '0'],
    says: /^gomodproxy: cannot start: --pin-from \(GOMODPROXY_PIN_FROM, eviction\.pinFrom\): \S+bad-pins\.txt:2: want module@version, got "example\.com\/b"$/,
  },
  {
    name: 'a --pin-from file that does not parse, with eviction on',
    args: ['--pin-from', badPins, '--cache-max-size', '1GiB'],
    says: /^gomodproxy: cannot start: --pin-from \(GOMODPROXY_PIN_FROM, eviction\.pinFrom\): \S+bad-pins\.txt:2: want module@version, got "example\.com\/b"$/,
  },
  {
    name: 'an --own-sumdb-key that is not a key',
    args: ['--own-sumdb-key', 'not-a-key-hunter2'],
    says: /^gomodproxy: cannot start: --own-sumdb-key \(GOMODPROXY_OWN_SUMDB_KEY, ownSumdb\.key\): the key is not a signer key \(.+\)$/,
  },
  {
    name: 'a --storage fs: path that is a regular file',
    args: ['--storage', `fs:${junk}`],
    says: /^gomodproxy: cannot start: --storage \(GOMODPROXY_STORAGE, storage\): \S+junk\.pem is not a directory$/,
  },
  {
    name: 'a --storage fs: path under a regular file',
    args: ['--storage', `fs:${path.join(junk, 'cache')}`],
    says: /^gomodproxy: cannot start: --storage \(GOMODPROXY_STORAGE, storage\): \S+junk\.pem\/cache is not a directory: \S+junk\.pem on its path is a file \(ENOTDIR\)$/,
  },
  {
    name: 'an --audit-log in a folder that is not there',
    args: ['--audit-log', missing],
    says: /^gomodproxy: cannot start: --audit-log \(GOMODPROXY_AUDIT_LOG, audit\.log\): cannot open \S+: no such file or directory \(ENOENT\)$/,
  },
];

describe('serve with a setting it cannot use says which, in one line, and exits 1', { concurrency: 4 }, () => {
  for (const c of CASES) {
    test(`${c.name}: one line naming the setting, exit 1, with --workers 1 and 2`, async () => {
      for (const workers of ['1', '2']) {
        const r = await serve(c.args, workers, c.name.replaceAll(/\W+/g, '-'));
        const label = `--workers ${workers}: ${JSON.stringify(r.stderr)}`;
        assert.equal(r.restarted, false, `the primary started the failed worker again: ${label}`);
        assert.equal(r.code, 1, label);
        assert.doesNotMatch(r.stderr, /\n\s+at /, label);
        // Each worker that got that far tells the same line.
        const lines = r.stderr.trimEnd().split('\n');
        for (const line of lines) assert.match(line, c.says, label);
        assert.doesNotMatch(r.stderr, /hunter2/, 'the key itself is never printed');
      }
    });
  }
});

test.after(() => rm(dir, { recursive: true, force: true }));

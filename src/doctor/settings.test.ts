// Unit tests for reading Go settings without the go command: the go env file and the environment.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { envFilePath, loadSettings, parseEnvFile, settingsFromEnvironment } from './settings.js';

describe('doctor settings', () => {
  test('parses the go env file as cmd/go does, skipping comments and lines without =', () => {
    assert.deepEqual(parseEnvFile('GOPROXY=https://a.example|https://b.example,direct\n# GOSUMDB=off\nbogus\nlower=x\nGOPRIVATE=\n'), {
      GOPROXY: 'https://a.example|https://b.example,direct',
      GOPRIVATE: '',
    });
  });

  test('finds the go env file from GOENV, XDG_CONFIG_HOME, HOME or AppData', () => {
    assert.equal(envFilePath({ GOENV: '/x/env' }), '/x/env');
    assert.equal(envFilePath({ GOENV: 'off', HOME: '/h' }), undefined);
    assert.equal(envFilePath({ XDG_CONFIG_HOME: '/cfg', HOME: '/h' }, 'linux'), path.join('/cfg', 'go', 'env'));
    assert.equal(envFilePath({ XDG_CONFIG_HOME: 'relative', HOME: '/h' }, 'linux'), path.join('/h', '.config', 'go', 'env'));
    assert.equal(envFilePath({ HOME: '/Users/u' }, 'darwin'), path.join('/Users/u', 'Library', 'Application Support', 'go', 'env'));
    assert.equal(envFilePath({ AppData: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32'), path.join('C:\\Users\\u\\AppData\\Roaming', 'go', 'env'));
  });

  test('lets a non-empty environment variable win over the file, and applies go defaults', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gmp-doc-'));
    try {
      const file = path.join(dir, 'env');
      await writeFile(file, 'GOPROXY=https://file.example\nGOPRIVATE=corp.example.com\nGOSUMDB=off\n');
      const s = await settingsFromEnvironment({ GOENV: file, GOPROXY: 'https://env.example', GOSUMDB: '' });
      assert.equal(s.values.GOPROXY, 'https://env.example');
      assert.equal(s.origin.GOPROXY, 'environment');
      assert.equal(s.values.GOSUMDB, 'off', 'an empty environment value does not hide the file');
      assert.equal(s.origin.GOSUMDB, 'go env file');
      assert.equal(s.values.GONOSUMDB, 'corp.example.com', 'GONOSUMDB defaults to GOPRIVATE');
      assert.equal(s.origin.GONOSUMDB, 'default');
      assert.deepEqual(s.envValues, { GOPROXY: 'https://env.example' });
      assert.equal(s.source, 'environment');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('falls back to the environment when the go command does not exist', async () => {
    const s = await loadSettings({ GOENV: 'off', GOPROXY: 'off' }, '/nonexistent/go');
    assert.equal(s.source, 'environment');
    assert.equal(s.goError, undefined);
    assert.equal(s.values.GOPROXY, 'off');
    assert.equal(s.values.GOSUMDB, 'sum.golang.org');
  });
});

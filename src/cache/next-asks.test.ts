// What read-ahead guesses the go command asks next: go.mod files only below an unpruned go.mod (modload's
// readModGraph), the newest version of each module once a client turns to downloads, each guess once, within
// the window, and nothing from a go.mod that does not parse.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DOWNLOAD_WINDOW_MS, NextAsks } from './next-asks.js';

const gomod = (path: string, go: string | undefined, requires: string[]) =>
  Buffer.from(
    `module ${path}\n\n${go === undefined ? '' : `go ${go}\n`}\nrequire (\n${requires.map((r) => `\t${r.replace('@', ' ')} // indirect\n`).join('')})\n`,
  );
const names = (mvs: ReadonlyArray<{ path: string; version: string }>) => mvs.map((m) => `${m.path}@${m.version}`).sort();

test('a pruned go.mod (go 1.17 or later) predicts no go.mod files; an unpruned one predicts its requirements', () => {
  const next = new NextAsks();
  assert.deepEqual(next.modRead('x.test/a', 'v1.0.0', gomod('x.test/a', '1.17', ['x.test/b@v1.0.0'])), []);
  assert.deepEqual(next.modRead('x.test/a', 'v1.1.0', gomod('x.test/a', '1.21.0', ['x.test/b@v1.0.0'])), []);
  assert.deepEqual(names(next.modRead('x.test/c', 'v1.0.0', gomod('x.test/c', '1.16', ['x.test/d@v1.2.0', 'x.test/e@v0.1.0']))), [
    'x.test/d@v1.2.0',
    'x.test/e@v0.1.0',
  ]);
  // No go directive: Go treats the module as unpruned.
  assert.deepEqual(names(next.modRead('x.test/f', 'v1.0.0', gomod('x.test/f', undefined, ['x.test/g@v1.0.0']))), ['x.test/g@v1.0.0']);
});

test('below an unpruned go.mod every go.mod is read in full, pruned or not, and expected once', () => {
  const next = new NextAsks();
  next.modRead('x.test/old', 'v1.0.0', gomod('x.test/old', '1.14', ['x.test/new@v1.0.0']));
  assert.equal(next.expected('x.test/new', 'v1.0.0'), true);
  assert.equal(next.expected('x.test/new', 'v1.1.0'), false);
  // x.test/new is at go 1.21, but the go command reached it below an unpruned go.mod: it reads its requirements.
  assert.deepEqual(names(next.modRead('x.test/new', 'v1.0.0', gomod('x.test/new', '1.21', ['x.test/leaf@v1.3.0']))), ['x.test/leaf@v1.3.0']);
  assert.equal(next.expected('x.test/new', 'v1.0.0'), false, 'expected once');
  assert.equal(next.expected('x.test/leaf', 'v1.3.0'), true);
});

test('a go.mod that does not parse predicts no go.mod files and throws nothing', () => {
  const next = new NextAsks();
  assert.deepEqual(next.modRead('x.test/bad', 'v1.0.0', Buffer.from('module x.test/bad\ngo 1.16\nrequire ../escape v1.0.0\n')), []);
  assert.deepEqual(next.modRead('x.test/bad', 'v1.0.1', Buffer.from([0xff, 0xfe, 0x00, 0x0a])), []);
});

test('a short version in a require is predicted as the go command asks for it, canonical', () => {
  // go 1.19 and 1.23 read `require x.test/y v1.2` in a dependency's go.mod as v1.2.0 (modfile.ParseLax).
  const next = new NextAsks();
  assert.deepEqual(names(next.modRead('x.test/short', 'v1.0.2', Buffer.from('module x.test/short\ngo 1.16\nrequire x.test/y v1.2\n'))), ['x.test/y@v1.2.0']);
});

test('a turn to downloads predicts the newest version of each module read, once per kind, and nothing older', () => {
  const next = new NextAsks();
  assert.equal(next.pending('info'), false);
  assert.deepEqual(next.downloadAsked('info'), []);
  next.modRead('x.test/a', 'v1.1.0', gomod('x.test/a', '1.19', []));
  next.modRead('x.test/a', 'v1.0.0', gomod('x.test/a', '1.19', []));
  next.modRead('x.test/b', 'v0.9.0', gomod('x.test/b', '1.19', []));
  next.modRead('x.test/b', 'v1.0.0-rc.1', gomod('x.test/b', '1.19', []));
  next.modRead('x.test/c', 'v2.0.0+incompatible', gomod('x.test/c', undefined, []));
  assert.equal(next.pending('info'), true);
  const picked = ['x.test/a@v1.1.0', 'x.test/b@v1.0.0-rc.1', 'x.test/c@v2.0.0+incompatible'];
  assert.deepEqual(names(next.downloadAsked('info')), picked);
  assert.equal(next.pending('info'), false);
  assert.deepEqual(next.downloadAsked('info'), [], 'each version is predicted once');
  // The .info files predicted say nothing of the zips: `go list -m all` asks for .info files and never a zip.
  assert.equal(next.pending('zip'), true);
  assert.deepEqual(names(next.downloadAsked('zip')), picked);
  assert.equal(next.pending('zip'), false);
  assert.deepEqual(next.downloadAsked('zip'), []);
});

test('go.mod files read longer ago than the window predict no downloads', () => {
  let now = 1_000_000;
  const next = new NextAsks(() => now);
  next.modRead('x.test/old', 'v1.0.0', gomod('x.test/old', '1.19', []));
  now += DOWNLOAD_WINDOW_MS / 2;
  next.modRead('x.test/recent', 'v1.0.0', gomod('x.test/recent', '1.19', []));
  now += DOWNLOAD_WINDOW_MS / 2 + 1;
  assert.deepEqual(names(next.downloadAsked('zip')), ['x.test/recent@v1.0.0']);
});

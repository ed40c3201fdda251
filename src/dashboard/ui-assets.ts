// The dashboard's files as the server sends them: the prebuilt bundle from dist/ui (or, running from the
// TypeScript sources, bundled in memory), named by content hash so browsers may keep them for good, each
// compressed once at start (brotli and gzip), and the one HTML page every view URL answers with.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { UiBundle } from './ui-bundle.js';

export interface Asset {
  readonly type: string;
  readonly etag: string;
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly br: Buffer;
}

export interface UiAssets {
  readonly index: Asset;
  /** By file name under /ui/assets/. */
  readonly files: ReadonlyMap<string, Asset>;
}

function asset(type: string, body: Buffer): Asset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
  const br = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
  return { type, etag, body, gzip: gzipSync(body, { level: 9 }), br };
}

const hashOf = (a: Asset) => a.etag.slice(1, 11);

export function indexPage(js: string, css: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>gomodproxy</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/assets/${css}">
</head>
<body>
<div id="app"><noscript>The gomodproxy dashboard needs JavaScript; the JSON API is at /api/v1/.</noscript></div>
<script type="module" src="/ui/assets/${js}"></script>
</body>
</html>
`;
}

export function makeAssets(bundle: UiBundle): UiAssets {
  const js = asset('text/javascript; charset=utf-8', bundle.js);
  const css = asset('text/css; charset=utf-8', bundle.css);
  const jsName = `app.${hashOf(js)}.js`;
  const cssName = `app.${hashOf(css)}.css`;
  return {
    index: asset('text/html; charset=utf-8', Buffer.from(indexPage(jsName, cssName))),
    files: new Map([
      [jsName, js],
      [cssName, css],
    ]),
  };
}

const BUILT = new URL('../ui/', import.meta.url);

async function readBuilt(): Promise<UiBundle | undefined> {
  try {
    const [js, css] = await Promise.all([readFile(new URL('app.js', BUILT)), readFile(new URL('app.css', BUILT))]);
    return { js, css };
  } catch {
    return undefined;
  }
}

let loading: Promise<UiAssets> | undefined;

/** Once per process. From dist/ the bundle `npm ci` built; from src/ (tsx) a fresh one. */
export function loadUiAssets(): Promise<UiAssets> {
  loading ??= (async () => {
    const fromSources = import.meta.url.endsWith('.ts');
    const bundle = fromSources ? undefined : await readBuilt();
    if (bundle !== undefined) return makeAssets(bundle);
    const { bundleUi } = await import('./ui-bundle.js');
    return makeAssets(await bundleUi());
  })().catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}

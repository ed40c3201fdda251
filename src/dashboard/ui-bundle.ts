// Bundles the browser code under web/ (Preact views, uPlot charts, CSS) into one script and one stylesheet
// with esbuild: at build time for dist/ui (scripts/build-ui.ts, run by `npm ci`), and in memory when the
// server runs from its TypeScript sources (tests, development), so what is served is always current.
import { fileURLToPath } from 'node:url';

export interface UiBundle {
  readonly js: Buffer;
  readonly css: Buffer;
}

export const WEB_ENTRY = fileURLToPath(new URL('../../web/main.tsx', import.meta.url));

export async function bundleUi(): Promise<UiBundle> {
  // A development dependency: only loaded where the bundle is built, never by a server running from dist/.
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    entryPoints: [WEB_ENTRY],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: 'ui',
    entryNames: 'app',
    write: false,
    logLevel: 'silent',
    legalComments: 'eof',
  });
  const js = out.outputFiles.find((f) => f.path.endsWith('.js'));
  const css = out.outputFiles.find((f) => f.path.endsWith('.css'));
  if (js === undefined || css === undefined) throw new Error('the web bundle lacks its script or stylesheet');
  return { js: Buffer.from(js.contents), css: Buffer.from(css.contents) };
}

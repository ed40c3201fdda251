// The Setup view's data: the `go env -w` lines and shell/CI snippets (the `env` command's own renderers)
// for the URL the browser reached this instance at, and what the instance is configured with.
import { ENV_FORMATS, FORMAT_TITLES, renderBlock } from '../shellenv/quote.js';
import { buildEnvVars, explain } from '../shellenv/settings.js';
import type { Setup, SetupConfig } from './api-types.js';

/** The configuration facts shown, prepared by the composition root (credentials already removed). */
export type SetupFacts = SetupConfig;

export type SetupAnswer = Setup;

/**
 * With the own checksum database, one GOSUMDB covers public and private modules alike, so no GONOSUMDB is
 * needed; without it, private and --nosumdb modules are listed in GONOSUMDB (the go command would
 * otherwise ask the public database about them). Private modules go through the proxy either way.
 */
export function setupAnswer(facts: SetupFacts, url: string, mayReadPattern: (pattern: string) => boolean): SetupAnswer {
  const priv = facts.private.filter(mayReadPattern);
  const noSumdb = facts.noSumdb.filter(mayReadPattern);
  const own = facts.ownSumdb;
  const vars = buildEnvVars({
    url,
    direct: true,
    private: [],
    noproxy: [],
    nosumdb: own === undefined ? [...priv, ...noSumdb] : [],
    sumdb: own === undefined ? undefined : `${own.verifierKey} ${url}/sumdb/${own.name}`,
  });
  return {
    url,
    goEnv: vars.map((v) => renderBlock('go', [v])),
    notes: explain(vars),
    snippets: ENV_FORMATS.map((f) => ({ format: f, title: FORMAT_TITLES[f], text: renderBlock(f, vars) })),
    config: { ...facts, private: priv, noSumdb, hiddenPatterns: facts.private.length - priv.length + facts.noSumdb.length - noSumdb.length },
  };
}

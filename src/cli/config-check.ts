// `gomodproxy config check`: validates the settings exactly as `serve` would and prints the result.
import { stringify } from 'yaml';
import { redactCoordinator } from '../config/backends.js';
import type { Config } from '../config/schema.js';
import { redactProxyList, redactURL } from '../protocol/proxy-list.js';
import { configFlagsHelp, withConfig } from './flags.js';
import type { Command } from './io.js';

export const CONFIG_CHECK_HELP = `Usage: gomodproxy config check [flags]

Validates the configuration (file, GOMODPROXY_* environment, flags) as \`serve\` would, lists every
problem with its source and exits 1, or prints the effective settings and exits 0.

Flags:
${configFlagsHelp()}
`;

export const configCheck: Command = withConfig('config check', CONFIG_CHECK_HELP, async (config, io) => {
  io.stdout.write(`configuration is valid; effective settings (durations in ms, sizes in bytes):\n${stringify(redacted(config))}`);
  return 0;
});

/**
 * The settings without secrets, so the output can be pasted into an issue: the own checksum database's signer
 * key, the webhook secret, direct mode's credentials, and user:password in every URL a setting holds.
 */
function redacted(config: Readonly<Config>): Config {
  const hidden = (v: string) => (v === '' ? '' : '<redacted>');
  return {
    ...config,
    upstream: redactProxyList(config.upstream),
    privateUpstream: redactProxyList(config.privateUpstream),
    // NAME+KEY [URL]: the key is public, a URL may carry credentials.
    sumdb: config.sumdb.map((s) => s.split(/(\s+)/).map(redactURL).join('')),
    ownSumdb: { ...config.ownSumdb, key: hidden(config.ownSumdb.key) },
    direct: {
      ...config.direct,
      rewrite: config.direct.rewrite.map((r) => r.split('=').map(redactURL).join('=')),
      // HOST=bearer:TOKEN, HOST=basic:USER:PASSWORD, HOST=header:NAME:VALUE: the host and the kind are shown.
      auth: config.direct.auth.map((a) => a.replace(/^([^=]*=[a-z]+:).*$/s, '$1<redacted>')),
    },
    coordinator: redactCoordinator(config.coordinator),
    hooks: { ...config.hooks, secret: hidden(config.hooks.secret) },
    follow: { ...config.follow, urls: config.follow.urls.map(redactURL) },
    policy: { ...config.policy, hook: redactURL(config.policy.hook) },
  };
}

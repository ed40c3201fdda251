// `gomodproxy env --auth`: how the go command sends a gomodproxy token — a .netrc line (every Go version:
// HTTP Basic, any login, the token as the password) or, from Go 1.24, a GOAUTH command that sends it as a
// Bearer header read from GOMODPROXY_TOKEN. Both only over https: the go command never sends them over http.
import { shQuote } from './quote.js';

/**
 * The GOAUTH value: Go runs the command (split like a shell, quotes without escapes) with the URL appended
 * and reads "URL line, blank line, header lines, blank line". The printf format avoids quotes (\040 is a
 * space), so the value survives every shell's quoting.
 */
export function goauthValue(origin: string): string {
  return `command sh -c 'printf %s\\\\n\\\\nAuthorization:\\\\040Bearer\\\\040%s\\\\n\\\\n ${origin} $GOMODPROXY_TOKEN'`;
}

export function netrcLine(host: string, token = '<token>'): string {
  return `machine ${host} login gomodproxy password ${token}`;
}

/**
 * The .netrc machine names for a proxy URL: Go 1.19 matches the host name alone, later releases (1.23
 * checked) the request's Host, which keeps a non-default port: a proxy on a port needs both lines.
 */
export function netrcHosts(u: URL): string[] {
  return u.port === '' ? [u.hostname] : [u.hostname, u.host];
}

/** The credentials block, as comments (`#`, or `REM` for cmd.exe) plus the two settings. */
export function authLines(proxyUrl: string, comment = '#'): string {
  const u = new URL(proxyUrl);
  const c = (s: string) => (s === '' ? comment : `${comment} ${s}`);
  const hosts = netrcHosts(u);
  const lines = [
    c('Credentials for --auth private|all and publishing: the go command sends them only over https.'),
    c('Any Go version: a line in ~/.netrc ($NETRC; %USERPROFILE%\\_netrc on Windows), the token as the password:'),
    ...hosts.map((h) => c(`  ${netrcLine(h)}`)),
    ...(hosts.length > 1 ? [c('(two lines: Go 1.19 looks up the host name, newer releases the host with its port)')] : []),
    c(
      `  printf '${hosts.map((h) => `${netrcLine(h, '%s')}\\n`).join('')}' ${hosts.map(() => '"$GOMODPROXY_TOKEN"').join(' ')} >> ~/.netrc && chmod 600 ~/.netrc`,
    ),
    c('Go 1.24+ (POSIX shells): or send it as a Bearer header from $GOMODPROXY_TOKEN (GOAUTH replaces the netrc default):'),
    c(`  export GOAUTH=${shQuote(goauthValue(u.origin))}`),
    c(`  go env -w ${shQuote(`GOAUTH=${goauthValue(u.origin)}`)}`),
  ];
  if (u.protocol === 'http:') lines.push(c(`WARNING: ${u.origin} is plain http: the go command will not send credentials there; serve https (--tls-cert).`));
  return `${lines.join('\n')}\n`;
}

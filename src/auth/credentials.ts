// The token in a request's Authorization header, as the go command sends it: HTTP Basic from .netrc (any
// login, the token as the password) or, with GOAUTH (Go 1.24+), `Bearer <token>`.

/** The presented token, '' when the header is malformed, undefined when there is none. */
export function presentedToken(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const sp = header.indexOf(' ');
  if (sp < 0) return '';
  const scheme = header.slice(0, sp).toLowerCase();
  const value = header.slice(sp + 1).trim();
  if (scheme === 'bearer') return value;
  if (scheme !== 'basic') return '';
  let decoded: string;
  try {
    decoded = Buffer.from(value, 'base64').toString('utf8');
  } catch {
    return '';
  }
  const colon = decoded.indexOf(':');
  return colon < 0 ? '' : decoded.slice(colon + 1);
}

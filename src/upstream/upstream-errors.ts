// Turns an upstream's non-200 answer into our error registry: 404/410 stay not-found (so chains and
// clients fall through), another gomodproxy's policy refusal stays a 403 (GMP_ERR_UPSTREAM_DENIED), everything
// else is a 502 that names the upstream and its status.
import { GmpError } from '../errors.js';

export class UpstreamStatusError extends GmpError {
  constructor(
    code: 'GMP_ERR_NOT_FOUND' | 'GMP_ERR_GONE' | 'GMP_ERR_UPSTREAM_STATUS' | 'GMP_ERR_UPSTREAM_DENIED',
    message: string,
    readonly upstreamStatus: number,
    /** The error code another gomodproxy names its answer with (its X-Gomodproxy-Error header), if any. */
    readonly upstreamCode?: string,
  ) {
    super(code, message);
  }

  /** The upstream's policy refuses this module version (a deny rule, its validation hook): asking again changes nothing. */
  get policyDenied(): boolean {
    return this.upstreamStatus === 403 && isPolicyCode(this.upstreamCode);
  }

  get serverError(): boolean {
    return this.upstreamStatus >= 500;
  }
}

/** Another gomodproxy's policy refusal: its own rule, or one it passes on from its upstream in turn. */
const isPolicyCode = (code: string | undefined): boolean => code === 'GMP_ERR_POLICY_DENIED' || code === 'GMP_ERR_UPSTREAM_DENIED';

/**
 * contentType: the upstream's Content-Type; code: the error code it names (another gomodproxy does). Its body is passed on only as the go command itself would read
 * it (cmd/go/internal/web): plain text in UTF-8 or ASCII; an HTML error page says nothing to a go user.
 */
export function errorFromStatus(
  upstream: string,
  status: number,
  bodyText: string,
  contentType?: string,
  role = 'upstream',
  code?: string,
): UpstreamStatusError {
  const detail = isPlainText(contentType) ? printableSummary(bodyText) : '';
  if (status === 404 || status === 410) {
    return new UpstreamStatusError(status === 404 ? 'GMP_ERR_NOT_FOUND' : 'GMP_ERR_GONE', detail || 'not found', status);
  }
  const suffix = detail ? `: ${detail}` : '';
  // Passed on as the 403 the go command would have got from that proxy, its message naming the rule: a 502 would
  // read as a failure worth retrying, which it is not.
  if (status === 403 && isPolicyCode(code))
    return new UpstreamStatusError('GMP_ERR_UPSTREAM_DENIED', `${role} ${upstream} refuses it by its policy${suffix}`, status, code);
  return new UpstreamStatusError('GMP_ERR_UPSTREAM_STATUS', `${role} ${upstream} answered ${status}${suffix}`, status, code);
}

/** The start of an error body, as the go command would show it: printable text, a few lines, bounded. */
export function printableSummary(text: string): string {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || lines.length >= 8) break;
    lines.push(line);
  }
  const out = lines.join('\n').slice(0, 640);
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b-\u001f\u007f]/.test(out) ? '' : out;
}

/** text/plain with no charset, or utf-8 or us-ascii (what the go command shows of an error answer). */
export function isPlainText(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [type, ...params] = contentType.split(';').map((p) => p.trim().toLowerCase());
  if (type !== 'text/plain') return false;
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"(.*)"$/, '$1');
  return charset === undefined || charset === '' || charset === 'utf-8' || charset === 'us-ascii';
}

// The audit log: one JSON line per security-relevant event (tokens created and revoked, publishes,
// denied requests, failed authentications) with the time, the token's name — never the token — and the
// client address, appended to a file or written to stdout. Off when no destination is configured.
import { appendFileSync, createWriteStream, openSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

export type AuditEventName = 'token.created' | 'token.revoked' | 'publish' | 'denied' | 'auth.failed';

export interface AuditEvent {
  readonly event: AuditEventName;
  /** The token's name (and id), never its secret. */
  readonly token?: string;
  readonly tokenId?: string;
  readonly client?: string;
  readonly method?: string;
  readonly module?: string;
  readonly version?: string;
  readonly status?: number;
  readonly reason?: string;
  readonly [more: string]: unknown;
}

export interface AuditLog {
  readonly enabled: boolean;
  record(e: AuditEvent): void;
  close(): Promise<void>;
}

export const NO_AUDIT: AuditLog = { enabled: false, record: () => undefined, close: async () => undefined };

export function auditLine(e: AuditEvent, now = new Date()): string {
  return `${JSON.stringify({ time: now.toISOString(), ...e })}\n`;
}

/**
 * For the server: destination '' (off), '-' (stdout) or a file appended to (created when missing). The file is
 * opened here, so a path that cannot be written throws now (the server does not start) instead of taking the
 * process down at its first event; a write that fails later goes to onError.
 */
export function openAuditLog(destination: string, stdout: Writable = process.stdout, onError: (err: Error) => void = () => undefined): AuditLog {
  if (destination === '') return NO_AUDIT;
  let out: Writable;
  let file: WriteStream | undefined;
  if (destination === '-') out = stdout;
  else {
    // O_APPEND: lines from several worker processes (and the CLI) interleave whole, never mixed.
    file = createWriteStream(destination, { fd: openSync(destination, 'a', 0o600) });
    file.on('error', onError);
    out = file;
  }
  return {
    enabled: true,
    record: (e) => {
      out.write(auditLine(e));
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (file === undefined) return resolve();
        file.end(() => resolve());
      }),
  };
}

/** For one-shot commands (`token create`): written synchronously, so the line is there when the command exits. */
export function appendAudit(destination: string, e: AuditEvent, stdout: Writable): void {
  if (destination === '') return;
  if (destination === '-') stdout.write(auditLine(e));
  else appendFileSync(destination, auditLine(e), { mode: 0o600 });
}

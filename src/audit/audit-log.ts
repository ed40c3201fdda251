// The audit log: one JSON line per security-relevant event (tokens created and revoked, publishes,
// denied requests, failed authentications) with the time, the token's name — never the token — and the
// client address, appended to a file or written to stdout. Off when no destination is configured.
import { appendFileSync, openSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { AuditFile } from './audit-file.js';
import type { AuditTrouble } from './audit-file.js';

export type AuditEventName = 'token.created' | 'token.revoked' | 'publish' | 'denied' | 'auth.failed';
export type { AuditTrouble } from './audit-file.js';

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
 * process down at its first event; a write that fails later drops that event and tells `trouble`, and the next
 * event is tried again (audit-file.ts).
 */
export function openAuditLog(destination: string, stdout: Writable = process.stdout, trouble: AuditTrouble = QUIET): AuditLog {
  if (destination === '') return NO_AUDIT;
  if (destination === '-') return { enabled: true, record: (e) => void stdout.write(auditLine(e)), close: async () => undefined };
  // O_APPEND: lines from several worker processes (and the CLI) interleave whole, never mixed.
  const file = new AuditFile(openSync(destination, 'a', 0o600), trouble);
  return { enabled: true, record: (e) => file.append(auditLine(e)), close: () => file.close() };
}

const QUIET: AuditTrouble = { failing: () => undefined, dropped: () => undefined, writesAgain: () => undefined };

/** For one-shot commands (`token create`): written synchronously, so the line is there when the command exits. */
export function appendAudit(destination: string, e: AuditEvent, stdout: Writable): void {
  if (destination === '') return;
  if (destination === '-') stdout.write(auditLine(e));
  else appendFileSync(destination, auditLine(e), { mode: 0o600 });
}

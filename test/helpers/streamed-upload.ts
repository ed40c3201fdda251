// A client that streams a large request body with backpressure (never more than the socket takes) and goes on
// after the answer, as a client that does not read answers early would: it records how much it had written when
// the answer arrived, and whether the server hung up before it had written everything. For routes that must refuse
// an upload at once and stop reading it, not read it to the end first.
import assert from 'node:assert/strict';
import { connect } from 'node:net';

export interface StreamedUpload {
  /** The answer's status, or undefined when none came. */
  readonly status?: number;
  /** The whole answer as received (head and body). */
  readonly answer: string;
  /** Body bytes written (taken by the socket) when the first byte of the answer arrived. */
  readonly sentBeforeAnswer?: number;
  /** Whether the whole body was written: the server read (nearly) all of it rather than hang up. */
  readonly wholeBodySent: boolean;
}

/**
 * Sends `head` (a request head without its final CRLF) and then `total` body bytes in 64 KiB chunks, each once
 * the socket drained the one before, until all are written or the server ends the connection.
 */
export function streamUpload(port: number, head: string, total: number): Promise<StreamedUpload> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const received: Buffer[] = [];
    let sent = 0;
    let sentBeforeAnswer: number | undefined;
    let wholeBodySent = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      const answer = Buffer.concat(received).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      resolve({ ...(m === null ? {} : { status: Number(m[1]) }), answer, ...(sentBeforeAnswer === undefined ? {} : { sentBeforeAnswer }), wholeBodySent });
    };
    const pump = () => {
      while (!done && sent < total) {
        const n = Math.min(chunk.length, total - sent);
        const flushed = socket.write(n === chunk.length ? chunk : chunk.subarray(0, n));
        sent += n;
        if (!flushed) return void socket.once('drain', pump);
      }
      // Everything is with the kernel: the server has taken all but what its buffers hold. The answer may follow.
      wholeBodySent = true;
      socket.end();
    };
    socket.on('connect', () => {
      socket.write(`${head}\r\n`);
      pump();
    });
    socket.on('data', (c: Buffer) => {
      sentBeforeAnswer ??= sent;
      received.push(c);
    });
    // The server's FIN (or a reset) while the body is still being written is it hanging up: what was received stands.
    socket.on('end', finish);
    socket.on('error', () => undefined);
    socket.on('close', finish);
  });
}

/**
 * The upload was refused before its body's end, as it should be: the status and message, `Connection: close`, an
 * answer that came before the last byte was sent, and the rest of the body never read.
 */
export function assertRefusedEarly(r: StreamedUpload, length: number, status: number, says: RegExp): void {
  assert.equal(r.status, status, r.answer.slice(0, 600));
  assert.match(r.answer.split('\r\n\r\n')[1] ?? '', says);
  assert.match(r.answer, /\r\nconnection: close\r\n/i);
  assert.ok(r.sentBeforeAnswer !== undefined && r.sentBeforeAnswer < length, `answered after ${r.sentBeforeAnswer} of ${length} bytes`);
  assert.equal(r.wholeBodySent, false, 'the server read the rest of the body');
}

// Test helper: two ends of an in-process channel for the coordinator over IPC (coord/ipc.ts).
import { EventEmitter } from 'node:events';
import type { Channel } from './ipc.js';

/** Two ends of a channel that copy every message through JSON, like Node's default IPC serialisation. */
export function channelPair(): [Channel, Channel] {
  const a = new EventEmitter();
  const b = new EventEmitter();
  const end = (self: EventEmitter, peer: EventEmitter): Channel => ({
    send: (m, cb) => setImmediate(() => (peer.emit('message', JSON.parse(JSON.stringify(m))), cb?.(null))),
    on: (e, l) => self.on(e, l),
    off: (e, l) => self.off(e, l),
  });
  return [end(a, b), end(b, a)];
}

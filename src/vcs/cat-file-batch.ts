// One long-lived `git cat-file --batch` per mirror: object reads (`<hash>:<path>`, `<prefix>^{commit}`) as
// request/response lines over stdin/stdout instead of a git process per read; a timeout or error restarts it.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { GitError, GitStoppedError, gitEnv } from './git-run.js';

/** An object as cat-file --batch reports it; undefined data when the name resolves to nothing. */
export interface BatchObject {
  readonly oid: string;
  readonly type: string;
  readonly data: Buffer;
}

interface Pending {
  readonly resolve: (o: BatchObject | undefined) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
  /** The cut of the fill that reads (GitRunOptions.cut): once it aborts, the read is given up (its answer, if any, dropped). */
  readonly cut?: AbortSignal;
}

/** One cat-file process and the reads it still owes, answered in the order they were written. */
class Session {
  readonly queue: Pending[] = [];
  private buf: Buffer = Buffer.alloc(0);
  private err = '';
  private done = false;

  constructor(
    readonly child: ChildProcessWithoutNullStreams,
    private readonly onDead: (s: Session) => void,
  ) {
    child.stdout.on('data', (b: Buffer) => {
      this.buf = this.buf.length === 0 ? b : Buffer.concat([this.buf, b]);
      this.drain();
    });
    child.stderr.on('data', (b: Buffer) => {
      if (this.err.length < 8192) this.err += b.toString('utf8');
    });
    child.stdin.on('error', () => {});
    child.on('error', (e) => this.fail(new GitError(`cannot run git: ${e.message}`, null, '')));
    child.on('close', (code) => this.fail(new GitError(`git cat-file exited (${code}): ${this.err.trim().slice(-300)}`, code, this.err)));
  }

  /** Answers complete responses in order: "<oid> <type> <size>\n<data>\n" or "<name> missing|ambiguous\n". */
  private drain(): void {
    for (;;) {
      const head = this.queue[0];
      const nl = this.buf.indexOf(10);
      if (head === undefined || nl < 0) return;
      const line = this.buf.subarray(0, nl).toString('utf8');
      const parts = line.split(' ');
      const size = Number(parts[2]);
      let obj: BatchObject | undefined;
      let used = nl + 1;
      if (parts.length === 3 && /^[0-9a-f]{40,64}$/.test(parts[0] as string) && Number.isSafeInteger(size)) {
        if (this.buf.length < nl + 1 + size + 1) return;
        obj = { oid: parts[0] as string, type: parts[1] as string, data: Buffer.from(this.buf.subarray(nl + 1, nl + 1 + size)) };
        used = nl + 1 + size + 1;
      } else if (!/ (missing|ambiguous)$/.test(line)) {
        this.fail(new GitError(`git cat-file: unexpected output ${JSON.stringify(line.slice(0, 100))}`, null, ''));
        return;
      }
      this.buf = this.buf.subarray(used);
      this.queue.shift();
      clearTimeout(head.timer);
      head.resolve(obj);
    }
  }

  /**
   * A read whose fill was cut: rejected now. Once every read still owed was given up, the process is killed (it
   * may be stuck in a lazy fetch for one of them); a read of another fill keeps it running until it is answered.
   */
  giveUp(p: Pending): void {
    clearTimeout(p.timer);
    p.reject(new GitStoppedError('git cat-file: stopped, the fill was cut'));
    if (this.queue.every((q) => q.cut?.aborted === true)) this.fail(new GitStoppedError('git cat-file: stopped, every fill reading was cut'));
  }

  /** Rejects every read still owed and kills the process (and the lazy fetches it started). */
  fail(e: Error): void {
    if (!this.done) {
      this.done = true;
      this.onDead(this);
      const running = this.child.exitCode === null && this.child.signalCode === null;
      try {
        if (running && this.child.pid !== undefined) process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        if (running) this.child.kill('SIGKILL');
      }
    }
    for (const p of this.queue.splice(0)) {
      clearTimeout(p.timer);
      p.reject(e);
    }
  }
}

export class CatFileBatch {
  private session: Session | undefined;

  constructor(
    private readonly dir: string,
    private readonly timeoutMs: number,
    private readonly config: ReadonlyArray<readonly [string, string]> = [],
  ) {}

  /**
   * The object a name resolves to, or undefined when git answers "missing" (or "ambiguous"). `cut`: the cut of the
   * fill that reads; once it aborts the read is given up.
   */
  read(name: string, cut?: AbortSignal): Promise<BatchObject | undefined> {
    if (/[\n\r\0]/.test(name)) return Promise.reject(new Error('object name with a line break'));
    if (cut?.aborted === true) return Promise.reject(new GitStoppedError('git cat-file: not started, the fill was cut'));
    const s = this.start();
    return new Promise<BatchObject | undefined>((resolve, reject) => {
      const timer = setTimeout(() => s.fail(new GitError(`git cat-file: timed out after ${this.timeoutMs} ms`, null, '', true)), this.timeoutMs);
      // The cut is shared by every fill running: its listener goes as soon as the read is answered.
      const onCut = () => s.giveUp(pending);
      const settled = () => cut?.removeEventListener('abort', onCut);
      const pending: Pending = {
        resolve: (o) => {
          settled();
          resolve(o);
        },
        reject: (e) => {
          settled();
          reject(e);
        },
        timer,
        cut,
      };
      s.queue.push(pending);
      s.child.stdin.write(`${name}\n`);
      cut?.addEventListener('abort', onCut, { once: true });
    });
  }

  /**
   * Lets the current process answer what it owes and exit; later reads start a new one (after a refresh,
   * so they see the new packs; or at shutdown).
   */
  retire(): void {
    void this.retireAndWait(0);
  }

  /**
   * Retires the process and resolves when it has exited; one still running after `graceMs` is killed (with the
   * lazy fetches it started). At shutdown: nothing of the mirror's may still write once it is closed.
   */
  retireAndWait(graceMs: number): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s === undefined) return Promise.resolve();
    s.child.stdin.end();
    if (graceMs <= 0) return Promise.resolve();
    const { child } = s;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => s.fail(new GitStoppedError('git cat-file: stopped, the repository is closing')), graceMs);
      child.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private start(): Session {
    if (this.session !== undefined) return this.session;
    const child = spawn('git', ['-C', this.dir, 'cat-file', '--batch'], { env: gitEnv(this.config), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    // An idle reader must not keep the process alive; pending reads hold their own timers.
    child.unref();
    for (const st of [child.stdin, child.stdout, child.stderr]) (st as unknown as { unref?: () => void }).unref?.();
    const s = new Session(child, (dead) => {
      if (this.session === dead) this.session = undefined;
    });
    this.session = s;
    return s;
  }
}

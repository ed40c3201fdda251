// One open descriptor of a local file, shared by readers until it is retired: a validated scratch file
// keeps serving the responses that started before (or while) it was committed and moved into storage;
// an open descriptor stays readable after the file is renamed or unlinked.
import { close, open } from 'node:fs';
import type { SharedFd } from './fd-cache.js';

export class PinnedFile {
  private refs = 0;
  private retired = false;

  private constructor(private readonly fd: number) {}

  static open(file: string): Promise<PinnedFile> {
    return new Promise((resolve, reject) => open(file, 'r', (err, fd) => (err === null ? resolve(new PinnedFile(fd)) : reject(err))));
  }

  /** A reference to the descriptor for positional reads (release it when done); undefined once retired. */
  acquire(): SharedFd | undefined {
    if (this.retired) return undefined;
    this.refs++;
    let released = false;
    return {
      fd: this.fd,
      release: () => {
        if (released) return;
        released = true;
        this.refs--;
        this.closeIfDone();
      },
    };
  }

  /** No new readers: the descriptor closes once the last one releases it. */
  retire(): void {
    this.retired = true;
    this.closeIfDone();
  }

  private closeIfDone(): void {
    if (this.retired && this.refs === 0) {
      this.refs = -1;
      close(this.fd, () => undefined);
    }
  }
}

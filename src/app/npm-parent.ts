// Started through npm (`npm start`, `npx gomodproxy serve`), the proxy runs under `sh -c`, which npm stops on
// SIGTERM but which does not pass the signal on: the proxy would go on running, orphaned, holding the port
// (and a container whose first process is npm would end with it killed, not drained). So when npm started
// this process and its parent goes away, it shuts down as on SIGTERM. Run any other way (a service manager,
// `nohup`, a shell that exits), a changed parent means nothing and is not watched.

/** How often the parent is looked at: a process id read, nothing more. */
const EVERY_MS = 500;

/**
 * Calls `onGone` once if this process was started by npm and its parent process has gone (it was handed to
 * init or a subreaper). Returns a function that stops watching.
 */
export function watchNpmParent(onGone: () => void, env: NodeJS.ProcessEnv = process.env): () => void {
  if (env.npm_command === undefined && env.npm_lifecycle_event === undefined) return () => undefined;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

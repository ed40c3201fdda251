// The RSS sampler's thread (proc.ts, sampleTreeRss): sums the tree's RSS every `everyMs` until told to
// stop, then answers with the highest sum and how many samples it took. The tree is re-read every second
// (workers may restart).
import { parentPort, workerData } from 'node:worker_threads';
import { processTreeSync, rssOf } from './proc-tree.js';

const { pid, everyMs } = workerData as { pid: number; everyMs: number };
let pids = processTreeSync(pid);
let refreshed = Date.now();
let max = 0;
let samples = 0;
const sample = (): void => {
  if (Date.now() - refreshed > 1000) {
    pids = processTreeSync(pid);
    refreshed = Date.now();
  }
  max = Math.max(max, rssOf(pids));
  samples++;
};
sample();
parentPort?.postMessage('ready');
const timer = setInterval(sample, everyMs);
parentPort?.once('message', () => {
  clearInterval(timer);
  sample();
  parentPort?.postMessage({ max, samples });
});

/**
 * The runtime process ends with its parent, even while busy. Node's
 * 'disconnect' event needs the main thread's event loop, which onnxruntime
 * holds while it creates a session (a synchronous native call) and our own
 * JavaScript holds while it builds a large model's export (VGG-16's 138 M
 * initial weights): a killed CLI left its runtime process running for that
 * long. A worker thread has its own event loop and keeps running meanwhile:
 * it polls the parent's pid, and once this process has been re-parented or
 * the parent is gone (killed, by SIGKILL too), it removes this process's
 * scratch folder (scratch.ts) and kills this process.
 */
import { Worker } from 'node:worker_threads';
import { SCRATCH_ENV } from './scratch';

// Re-parenting shows on Linux and macOS; on Windows the parent's pid stays, so it is also probed.
const WATCH = `
const { workerData } = require('node:worker_threads');
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
};
setInterval(() => {
  if (process.ppid === workerData.ppid && alive(workerData.ppid)) return;
  // The parent that would remove the scratch folder is gone: this process removes it first.
  if (workerData.scratch) require('node:fs').rmSync(workerData.scratch, { recursive: true, force: true });
  process.kill(process.pid, 'SIGKILL');
}, workerData.intervalMs);
`;

/** Starts the watch; it does not keep the process alive by itself. */
export function endWithParent(intervalMs = 100): void {
  // Only a folder the parent made for this process is removed, never the system's temporary folder.
  const worker = new Worker(WATCH, { eval: true, workerData: { ppid: process.ppid, intervalMs, scratch: process.env[SCRATCH_ENV] } });
  worker.unref();
  // A worker that cannot start leaves the 'disconnect' handler as the only watch.
  worker.on('error', () => undefined);
}

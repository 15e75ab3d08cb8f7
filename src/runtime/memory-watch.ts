/**
 * The parent's watch on a runtime process's resident memory. A run
 * allocates what the model asks for, and native allocations are not bound
 * by the JavaScript heap limit; RLIMIT_AS cannot bound them either
 * (WebAssembly and onnxruntime reserve large virtual ranges they never
 * touch). So the parent polls the child's VmRSS and stops it past a limit,
 * before the system's out-of-memory killer picks a process, possibly the
 * editor. Linux only (/proc); elsewhere there is no watch.
 */
import { residentBytesOf } from './process-memory';

/** Polls `pid`'s resident memory; calls `onExceeded` once when it passes `limitBytes`. Returns the stop function. */
export function watchResidentMemory(pid: number, limitBytes: number, onExceeded: (residentBytes: number) => void, intervalMs = 100): () => void {
  if (residentBytesOf(process.pid) === undefined) return () => undefined;
  const timer = setInterval(() => {
    const rss = residentBytesOf(pid);
    if (rss !== undefined && rss > limitBytes) {
      clearInterval(timer);
      onExceeded(rss);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Processes the harness starts: the resident memory of a process tree (the
 * CLI and the runtime child it forks), and killing a whole process group.
 */
import { readFileSync } from 'node:fs';

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function rssOf(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident bytes of a process and all its descendants (Linux /proc; 0 elsewhere). */
export function treeRss(pid: number): number {
  let total = 0;
  const todo = [pid];
  for (let n = 0; todo.length > 0 && n < 256; n++) {
    const p = todo.pop()!;
    total += rssOf(p);
    todo.push(...childrenOf(p));
  }
  return total;
}

/** Kills the process group a detached child leads (the child and what it forked). */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/**
 * Watches a process tree until `stop()`: calls `onLimit` once when its
 * resident memory passes `capBytes` or it outlives `timeoutMs`.
 */
export function watch(pid: number, capBytes: number, timeoutMs: number, onLimit: (why: 'memory' | 'time') => void): { stop: () => void; peak: () => number } {
  let peak = 0;
  let fired = false;
  const fire = (why: 'memory' | 'time') => {
    if (fired) return;
    fired = true;
    onLimit(why);
  };
  const poll = setInterval(() => {
    const rss = treeRss(pid);
    peak = Math.max(peak, rss);
    if (rss > capBytes) fire('memory');
  }, 150);
  const timer = setTimeout(() => fire('time'), timeoutMs);
  return {
    stop: () => {
      clearInterval(poll);
      clearTimeout(timer);
    },
    peak: () => peak,
  };
}

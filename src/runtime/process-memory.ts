/**
 * Resident memory of this (runtime) process. On Linux the peak (VmHWM) can
 * be reset by writing 5 to /proc/self/clear_refs, so the peak of inference
 * alone is read after loading; elsewhere the process's lifetime maximum
 * (`maxRSS`, loading included) is what there is.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { freemem } from 'node:os';
import { cgroupHeadroom, parseMemAvailable, parseVmRss } from '../core/timing/run-guard';

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** The headroom of this process's memory cgroup (v2, else v1), when it has a limit. */
function cgroupAvailable(): number | undefined {
  const cgroups = readText('/proc/self/cgroup') ?? '';
  const v2 = /^0::(\/.*)$/m.exec(cgroups)?.[1];
  for (const dir of [...(v2 && v2 !== '/' ? [`/sys/fs/cgroup${v2}`] : []), '/sys/fs/cgroup']) {
    const max = readText(`${dir}/memory.max`);
    const current = readText(`${dir}/memory.current`);
    if (max !== undefined && current !== undefined) return cgroupHeadroom(max, current);
  }
  const v1 = /^\d+:memory:(\/.*)$/m.exec(cgroups)?.[1];
  for (const dir of [...(v1 && v1 !== '/' ? [`/sys/fs/cgroup/memory${v1}`] : []), '/sys/fs/cgroup/memory']) {
    const limit = readText(`${dir}/memory.limit_in_bytes`);
    const usage = readText(`${dir}/memory.usage_in_bytes`);
    if (limit !== undefined && usage !== undefined) return cgroupHeadroom(limit, usage);
  }
  return undefined;
}

/**
 * Memory a new allocation can get without swapping or an out-of-memory
 * kill: Linux's MemAvailable (free memory plus reclaimable caches; os.freemem
 * elsewhere), bounded by the container's memory limit when there is one.
 */
export function availableMemoryBytes(): number {
  const machine = parseMemAvailable(readText('/proc/meminfo') ?? '') ?? freemem();
  const cgroup = cgroupAvailable();
  return cgroup !== undefined ? Math.min(machine, cgroup) : machine;
}

/** Resident memory of process `pid` (VmRSS), bytes; undefined where /proc cannot tell (not Linux, or the process is gone). */
export function residentBytesOf(pid: number): number | undefined {
  return parseVmRss(readText(`/proc/${pid}/status`) ?? '');
}

export function rssBytes(): number {
  return process.memoryUsage.rss();
}

function vmHwmBytes(): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export class PeakRss {
  private resettable = false;

  /** Starts a measurement window: from now on, the peak is of what follows. */
  reset(): void {
    try {
      writeFileSync('/proc/self/clear_refs', '5');
      this.resettable = vmHwmBytes() !== undefined;
    } catch {
      this.resettable = false;
    }
  }

  read(): { bytes: number; method: string } {
    const hwm = this.resettable ? vmHwmBytes() : undefined;
    if (hwm !== undefined) return { bytes: Math.max(hwm, rssBytes()), method: 'peak RSS (VmHWM) of the inference runs' };
    // resourceUsage().maxRSS is in kilobytes.
    return { bytes: Math.max(process.resourceUsage().maxRSS * 1024, rssBytes()), method: 'peak RSS of the process lifetime (loading included)' };
  }
}

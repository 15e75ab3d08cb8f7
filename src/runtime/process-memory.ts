/**
 * Resident memory of this (runtime) process. On Linux the peak (VmHWM) can
 * be reset by writing 5 to /proc/self/clear_refs, so the peak of inference
 * alone is read after loading; elsewhere the process's lifetime maximum
 * (`maxRSS`, loading included) is what there is.
 */
import { readFileSync, writeFileSync } from 'node:fs';

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

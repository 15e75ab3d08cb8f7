/**
 * Where the runtime process writes files (onnxruntime's optimized model and
 * profile): a folder its parent made and removes when the process ends,
 * however it ends (client.ts). Run without a parent that made one (a script),
 * the system's temporary folder.
 */
import { rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';

export const SCRATCH_ENV = 'CONVLENS_RUNTIME_SCRATCH';

export function scratchRoot(): string {
  return process.env[SCRATCH_ENV] || tmpdir();
}

/** Bytes free to this user on the disk that holds `dir`, or undefined where the system does not say. */
export function freeDiskBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** Removes the folder the parent made for this process (when it made one), for a process whose parent is gone. */
export function removeOwnScratch(): void {
  const dir = process.env[SCRATCH_ENV];
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Disk left free after onnxruntime's optimized copy of the model is written. */
const DISK_MARGIN_BYTES = 256 * 2 ** 20;

/** Whether a copy of `weightBytes` of weights fits in `freeBytes` with a margin; unknown either way: it is tried. */
export function copyFits(weightBytes: number | null, freeBytes: number | undefined): boolean {
  return weightBytes === null || freeBytes === undefined || freeBytes > weightBytes * 1.1 + DISK_MARGIN_BYTES;
}

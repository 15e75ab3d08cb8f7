/**
 * What hardware ran: the CPU from the OS, NVIDIA GPUs from `nvidia-smi`
 * where it exists (it ships with the driver). Every probe has a short
 * timeout and never throws: no GPU is a normal answer.
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import type { DeviceInfo } from '../core/timing/runtime-report';
import { parseGpuFree } from '../core/timing/run-guard';

export function cpuDevice(): DeviceInfo {
  const list = cpus();
  return { kind: 'cpu', name: (list[0]?.model ?? 'unknown CPU').trim().replace(/\s+/g, ' '), cores: list.length, memoryBytes: totalmem() };
}

function nvidiaSmi(args: string[]): string | undefined {
  try {
    return execFileSync('nvidia-smi', args, { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/** NVIDIA GPUs: name and memory; [] without a driver. */
export function nvidiaGpus(): DeviceInfo[] {
  const out = nvidiaSmi(['--query-gpu=name,memory.total', '--format=csv,noheader,nounits']);
  if (!out) return [];
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, mib] = line.split(',').map((s) => s.trim());
      return { kind: 'gpu' as const, name, memoryBytes: Number(mib) * 2 ** 20 };
    });
}

/** GPU memory held by process `pid`, bytes (nvidia-smi's per-process accounting), if any. */
export function gpuMemoryOf(pid: number): number | undefined {
  const out = nvidiaSmi(['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits']);
  if (!out) return undefined;
  let total = 0;
  let found = false;
  for (const line of out.trim().split('\n')) {
    const [p, mib] = line.split(',').map((s) => s.trim());
    if (Number(p) === pid) {
      total += Number(mib) * 2 ** 20;
      found = true;
    }
  }
  return found ? total : undefined;
}

/**
 * Free memory of the GPU onnxruntime runs on (device 0: the first of
 * CUDA_VISIBLE_DEVICES when it lists indices), bytes; undefined when
 * nvidia-smi cannot tell.
 */
export function gpuFreeBytes(): number | undefined {
  const visible = process.env.CUDA_VISIBLE_DEVICES?.split(',')[0]?.trim();
  const index = visible && /^\d+$/.test(visible) ? Number(visible) : 0;
  const out = nvidiaSmi(['--query-gpu=index,memory.free', '--format=csv,noheader,nounits']);
  return out ? parseGpuFree(out, index) : undefined;
}

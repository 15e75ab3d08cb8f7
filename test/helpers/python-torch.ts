import { spawnSync } from 'node:child_process';

const found = new Map<string, string | null>();

/**
 * A Python interpreter that can import `modules` (default torch), or null (the caller prints
 * why its tests do not run): $CONVLENS_PYTHON, python3 on PATH, then Debian's /usr/bin/python3.
 */
export function pythonWith(modules = 'torch'): string | null {
  if (found.has(modules)) return found.get(modules)!;
  const py = [process.env.CONVLENS_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean).find((p) => spawnSync(p!, ['-c', `import ${modules}`], { encoding: 'utf8' }).status === 0) ?? null;
  found.set(modules, py);
  return py;
}

export const PYTHON_TORCH_HINT = 'PyTorch is not available (Debian: apt-get install python3-torch; or set CONVLENS_PYTHON)';

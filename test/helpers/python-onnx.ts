import { spawnSync } from 'node:child_process';

let cached: string | null | undefined;

/** A Python interpreter that can `import onnx`, or null (with the reason printed by the caller). */
export function pythonWithOnnx(): string | null {
  if (cached !== undefined) return cached;
  for (const py of [process.env.CONVLENS_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean) as string[]) {
    const r = spawnSync(py, ['-c', 'import onnx'], { encoding: 'utf8' });
    if (r.status === 0) return (cached = py);
  }
  return (cached = null);
}

export const PYTHON_ONNX_HINT = 'Python with the onnx package is not available (Debian: apt-get install python3-onnx; or set CONVLENS_PYTHON)';

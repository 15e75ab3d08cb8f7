/**
 * onnxruntime's profiler output (session option `enableProfiling`): a Chrome
 * trace-event JSON array. Each inference is a `Session` event `model_run`;
 * each kernel a `Node` event `<node name>_kernel_time` with `args.op_name`,
 * `args.provider` and the output shapes. Times are microseconds. Parsed
 * defensively: a file that is not such a trace gives a clear error.
 */

export interface TraceKernel {
  /** The node's name in onnxruntime's optimized graph. */
  node: string;
  op: string;
  provider: string;
  tsUs: number;
  durUs: number;
}

export interface TraceRun {
  tsUs: number;
  durUs: number;
  kernels: TraceKernel[];
}

export class TraceError extends Error {}

const KERNEL_SUFFIX = '_kernel_time';

interface RawEvent {
  cat?: unknown;
  name?: unknown;
  ts?: unknown;
  dur?: unknown;
  args?: { op_name?: unknown; provider?: unknown };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);

/** The trace's inferences in time order, each with the kernels that ran inside it. */
export function parseOrtTrace(text: string, file = 'onnxruntime profile'): TraceRun[] {
  let events: unknown;
  try {
    events = JSON.parse(text);
  } catch (e) {
    throw new TraceError(`${file}: not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(events)) throw new TraceError(`${file}: expected an array of trace events`);
  const runs: TraceRun[] = [];
  const kernels: TraceKernel[] = [];
  for (const raw of events as RawEvent[]) {
    if (!raw || typeof raw !== 'object') continue;
    const ts = num(raw.ts);
    const dur = num(raw.dur);
    if (ts === undefined || dur === undefined || typeof raw.name !== 'string') continue;
    if (raw.cat === 'Session' && raw.name === 'model_run') runs.push({ tsUs: ts, durUs: dur, kernels: [] });
    else if (raw.cat === 'Node' && raw.name.endsWith(KERNEL_SUFFIX)) {
      kernels.push({
        node: raw.name.slice(0, -KERNEL_SUFFIX.length),
        op: typeof raw.args?.op_name === 'string' ? raw.args.op_name : '',
        provider: typeof raw.args?.provider === 'string' ? raw.args.provider : '',
        tsUs: ts,
        durUs: dur,
      });
    }
  }
  runs.sort((a, b) => a.tsUs - b.tsUs);
  kernels.sort((a, b) => a.tsUs - b.tsUs);
  // Each kernel belongs to the run whose interval contains its start.
  let r = 0;
  for (const k of kernels) {
    while (r < runs.length && k.tsUs > runs[r].tsUs + runs[r].durUs) r++;
    if (r < runs.length && k.tsUs >= runs[r].tsUs) runs[r].kernels.push(k);
  }
  return runs;
}

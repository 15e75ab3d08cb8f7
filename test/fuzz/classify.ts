/**
 * A case's verdict from what the CLI did. Issue #11's contract: exit 0 with
 * sound output, or exit 2 with exactly one stderr line and no internals;
 * anything else is a crash (other exit codes, signals, several lines,
 * internals), a hang (the time limit or the memory cap), or bad output
 * (exit 0 or 2, but it lied, escaped or wrote what it must not).
 */
import type { OutputKind } from './case';
import { checkCsv, checkHtml, checkJson, checkMarkdown, checkTable, controlIn, internalsIn } from './output-checks';

export type Verdict = 'ok' | 'clean' | 'crash' | 'hang' | 'bad';

export interface RunOutcome {
  /** Exit code, null when killed by a signal. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Killed for passing the memory cap. */
  overMemory: boolean;
  /** In-process runs only: the case changed a built-in prototype (seen by no fresh process, so never re-checked). */
  polluted?: string;
}

/** What the harness saw on disk around the run. */
export interface SideEffects {
  /** secret.bin (outside the model's folder) was read: its access time moved. */
  secretRead: boolean;
  /** The secret's marker appears in stdout, stderr or a written file. */
  secretLeaked: boolean;
  /** `export X -o X`: the input's bytes or mtime changed. */
  inputChanged: boolean;
  /** The export target after the run: absent, a complete ONNX model, or something else. */
  exportTarget?: 'absent' | 'onnx' | 'partial';
}

export interface Classified {
  verdict: Verdict;
  /** Why, for every verdict but ok and clean: the failure class before normalisation. */
  reason?: string;
}

const firstLine = (s: string): string => s.split('\n').find((l) => l.trim() !== '') ?? '';

export function outputProblems(kind: OutputKind, stdout: string): string[] {
  switch (kind) {
    case 'json':
    case 'run':
      return stdout.trimStart().startsWith('{') ? checkJson(stdout) : kind === 'run' ? checkTable(stdout) : ['--json printed no JSON'];
    case 'csv':
      return checkCsv(stdout);
    case 'markdown':
      return checkMarkdown(stdout);
    case 'table':
      return checkTable(stdout);
    case 'html':
      return checkHtml(stdout);
    case 'export': {
      const p: string[] = [];
      const ctl = controlIn(stdout);
      if (ctl) p.push(`${ctl} in export's message`);
      const bad = internalsIn(stdout);
      if (bad) p.push(`export's message shows ${bad}`);
      return p;
    }
  }
}

/** The run's verdict; `kind` says how to read stdout on exit 0. */
export function classify(r: RunOutcome, kind: OutputKind, side: SideEffects): Classified {
  if (r.overMemory) return { verdict: 'hang', reason: 'memory cap: resident memory above the limit' };
  if (r.timedOut) return { verdict: 'hang', reason: 'time limit: still running' };
  if (r.polluted) return { verdict: 'bad', reason: r.polluted };
  if (r.signal) return { verdict: 'crash', reason: `killed by ${r.signal}: ${firstLine(r.stderr)}` };
  if (r.code !== 0 && r.code !== 2) return { verdict: 'crash', reason: `exit code ${r.code}: ${firstLine(r.stderr)}` };

  const lines = r.stderr.replace(/\n$/, '').split('\n').filter((l, i, all) => l !== '' || all.length > 1);
  const internals = internalsIn(r.stderr);
  if (r.code === 2) {
    if (lines.length !== 1) return { verdict: 'crash', reason: `exit 2 with ${lines.length} stderr lines: ${firstLine(r.stderr)}` };
    if (internals) return { verdict: 'crash', reason: `${internals}: ${lines[0]}` };
  } else if (internals) {
    return { verdict: 'crash', reason: `exit 0 but stderr shows ${internals}: ${firstLine(r.stderr)}` };
  }
  const ctl = controlIn(r.stderr);
  if (ctl) return { verdict: 'bad', reason: `${ctl} in stderr (terminal escape)` };
  if (side.secretLeaked) return { verdict: 'bad', reason: 'escape: the marker of a file outside the model folder is in the output' };
  if (side.secretRead) return { verdict: 'bad', reason: 'escape: read a file outside the model folder' };
  if (side.inputChanged) return { verdict: 'bad', reason: 'export overwrote its input' };

  if (r.code === 2) {
    if (!/^convlens: /.test(lines[0])) return { verdict: 'bad', reason: `error line does not start with 'convlens: ': ${lines[0]}` };
    if (r.stdout !== '') return { verdict: 'bad', reason: 'exit 2 after printing output' };
    if (side.exportTarget === 'partial') return { verdict: 'bad', reason: 'failed export left a half-written file' };
    if (side.exportTarget === 'onnx') return { verdict: 'bad', reason: 'failed export left an output file' };
    return { verdict: 'clean' };
  }
  if (side.exportTarget && side.exportTarget !== 'onnx') return { verdict: 'bad', reason: `export said it wrote the file but it is ${side.exportTarget === 'absent' ? 'missing' : 'not a complete ONNX model'}` };
  const problems = outputProblems(kind, r.stdout);
  if (problems.length > 0) return { verdict: 'bad', reason: problems[0] };
  return { verdict: 'ok' };
}

/**
 * The failure class of a reason: numbers, quoted names, paths and long runs
 * replaced by placeholders, so that one bug found through many files is one
 * class.
 */
export function normaliseReason(reason: string): string {
  return reason
    .replace(/\/[^\s:'"`]*\/[^\s:'"`,)]*/g, '<path>')
    .replace(/'[^']*'|"[^"]*"|`[^`]*`|‘[^’]*’/g, '\'…\'')
    .replace(/[\w.-]+\.(onnx|ya?ml|keras|h5|json|bin)\b/g, '<file>')
    .replace(/\d[\d,._]*(e[+-]?\d+)?/gi, 'N')
    .replace(/(N[×x ])+N/g, 'N×N')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 160);
}

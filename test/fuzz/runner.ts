/**
 * Runs a laid-out case through the CLI: in a fresh `node dist/cli.js`
 * process (exactly what a user runs; used for every re-check), or in one of
 * a few long-lived workers that call `main()` in-process (fast; a worker is
 * killed and replaced after a time-out or a crash).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FuzzCase } from './case';
import type { RunOutcome } from './classify';
import { killGroup, watch } from './processes';
import type { WorkerDone, WorkerJob } from './worker';

export interface Limits {
  timeoutS: number;
  memoryCapBytes: number;
}

export const CLI = resolve(__dirname, '../../dist/cli.js');

/** Output beyond this is not read back (a runaway report); the case is judged on its start. */
const MAX_READ_BYTES = 512 * 2 ** 20;

function readCapped(path: string): string {
  try {
    if (statSync(path).size > MAX_READ_BYTES) return readFileSync(path).subarray(0, MAX_READ_BYTES).toString('utf8');
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** A shell word: bare when safe, else single-quoted, or $'…' with escapes when it holds control characters (printed reproducers stay inert). */
const quote = (s: string): string => {
  if (/^[\w./=,:@%+-]+$/.test(s)) return s;
  // \p{Cc}: the C0 controls, DEL and the C1 controls (U+0000–U+001F, U+007F–U+009F).
  if (!/\p{Cc}/u.test(s)) return `'${s.replace(/'/g, `'\\''`)}'`;
  return `$'${s.replace(/[\\']/g, (c) => `\\${c}`).replace(/\p{Cc}/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`;
};

/** The exact shell command that reproduces a case from its folder. */
export function reproducer(c: FuzzCase, dir: string): string {
  const node = `node ${quote(CLI)} ${c.args.map((a) => quote(a.replace('$CASE', dir))).join(' ')}`;
  const body = c.fileSizeLimitBlocks ? `(ulimit -f ${c.fileSizeLimitBlocks} && ${node})` : node;
  return `cd ${quote(dir)} && ${body}`;
}

const streams = (dir: string) => ({ stdoutFile: join(dir, '.stdout'), stderrFile: join(dir, '.stderr') });

function outcome(dir: string, code: number | null, signal: string | null, limit?: 'memory' | 'time'): RunOutcome {
  const { stdoutFile, stderrFile } = streams(dir);
  return { code, signal, stdout: readCapped(stdoutFile), stderr: readCapped(stderrFile), timedOut: limit === 'time', overMemory: limit === 'memory' };
}

/** One case in a fresh CLI process, in its own process group (the runtime child dies with it). */
export function runFresh(c: FuzzCase, dir: string, limits: Limits): Promise<RunOutcome> {
  const { stdoutFile, stderrFile } = streams(dir);
  const out = openSync(stdoutFile, 'w');
  const err = openSync(stderrFile, 'w');
  const args = c.args.map((a) => a.replace('$CASE', dir));
  const child = c.fileSizeLimitBlocks
    ? spawn('sh', ['-c', `ulimit -f ${c.fileSizeLimitBlocks} && exec "$0" "$@"`, process.execPath, CLI, ...args], { cwd: dir, detached: true, stdio: ['ignore', out, err] })
    : spawn(process.execPath, [CLI, ...args], { cwd: dir, detached: true, stdio: ['ignore', out, err] });
  closeSync(out);
  closeSync(err);
  return new Promise((done) => {
    let limit: 'memory' | 'time' | undefined;
    const w = watch(child.pid!, limits.memoryCapBytes, (c.timeoutS ?? limits.timeoutS) * 1000, (why) => {
      limit = why;
      killGroup(child.pid);
    });
    child.on('exit', (code, signal) => {
      w.stop();
      // The runtime child may outlive a crashed CLI: the group goes with it.
      killGroup(child.pid);
      done(outcome(dir, limit ? null : code, limit ? null : signal, limit));
    });
  });
}

/** A worker is replaced after this many cases, so what one case leaves in its heap does not weigh on later ones. */
const CASES_PER_WORKER = 200;

interface Slot {
  proc: ChildProcess;
  cases: number;
  ready: Promise<boolean>;
  /** Where the worker's own stderr (V8 fatal errors, native aborts) goes for the case at hand. */
  stderrFile?: string;
}

const WORKER = join(__dirname, 'worker.ts');

/** A few workers that run `main()` in-process; at most one case each at a time. */
export class WorkerPool {
  private readonly idle: Slot[] = [];
  private readonly waiting: ((s: Slot) => void)[] = [];
  private live = 0;
  private nextId = 0;

  constructor(private readonly size: number, private readonly limits: Limits) {}

  private spawnSlot(): Slot {
    const proc = fork(WORKER, [], { execArgv: ['--import', 'tsx'], detached: true, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const slot: Slot = { proc, cases: 0, ready: new Promise((ok) => {
      proc.once('message', () => ok(true));
      proc.once('exit', () => ok(false));
    }) };
    proc.stderr!.on('data', (d: Buffer) => slot.stderrFile && appendFileSync(slot.stderrFile, d));
    return slot;
  }

  private async acquire(): Promise<Slot> {
    const s = this.idle.pop();
    if (s) return s;
    if (this.live < this.size) {
      this.live++;
      return this.spawnSlot();
    }
    return new Promise((ok) => this.waiting.push(ok));
  }

  private release(slot: Slot | undefined): void {
    if (!slot) this.live--;
    const next = this.waiting.shift();
    if (next) {
      if (slot) next(slot);
      else {
        this.live++;
        next(this.spawnSlot());
      }
    } else if (slot) this.idle.push(slot);
  }

  async run(c: FuzzCase, dir: string): Promise<RunOutcome> {
    const slot = await this.acquire();
    if (!(await slot.ready)) {
      this.release(undefined);
      throw new Error('a fuzz worker failed to start (is dist/cli.js built? run node scripts/build.mjs)');
    }
    const { stdoutFile, stderrFile } = streams(dir);
    const job: WorkerJob = { id: this.nextId++, args: c.args.map((a) => a.replace('$CASE', dir)), cwd: dir, stdoutFile, stderrFile };
    slot.stderrFile = stderrFile;
    slot.cases++;
    return new Promise((done) => {
      let limit: 'memory' | 'time' | undefined;
      const finish = (r: RunOutcome, keep: boolean) => {
        w.stop();
        slot.proc.removeListener('message', onMessage);
        slot.proc.removeListener('exit', onExit);
        slot.stderrFile = undefined;
        if (!keep) killGroup(slot.proc.pid);
        this.release(keep ? slot : undefined);
        done(r);
      };
      const onMessage = (m: WorkerDone) => {
        if (m.id !== job.id) return;
        if (m.polluted) finish({ ...outcome(dir, m.code, null), polluted: m.polluted }, false);
        else finish(outcome(dir, m.code, null), (m.code === 0 || m.code === 2) && slot.cases < CASES_PER_WORKER);
      };
      const onExit = (code: number | null, signal: string | null) => finish(outcome(dir, limit ? null : code, limit ? null : signal, limit), false);
      const w = watch(slot.proc.pid!, this.limits.memoryCapBytes, (c.timeoutS ?? this.limits.timeoutS) * 1000, (why) => {
        limit = why;
        killGroup(slot.proc.pid);
      });
      slot.proc.on('message', onMessage);
      slot.proc.on('exit', onExit);
      slot.proc.send(job);
    });
  }

  close(): void {
    for (const s of this.idle) killGroup(s.proc.pid);
    this.idle.length = 0;
  }
}

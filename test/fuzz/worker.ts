/**
 * A long-lived process that runs the built CLI's `main()` in-process, one
 * case at a time, so cases do not each pay Node's start-up. The parent kills
 * and replaces it on a time-out; any failure it reports is checked again in
 * a fresh `node dist/cli.js` before it counts.
 *
 * Messages: parent → { id, args, cwd, stdoutFile, stderrFile };
 * worker → { id, code, polluted?, uncaught? } once the case is done.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface WorkerJob {
  id: number;
  args: string[];
  cwd: string;
  stdoutFile: string;
  stderrFile: string;
}

export interface WorkerDone {
  id: number;
  code: number;
  /** Built-in prototypes gained or lost properties during the case. */
  polluted?: string;
}

type Main = (argv: string[], out: (s: string) => void, err: (s: string) => void) => Promise<number>;

const cliPath = resolve(__dirname, '../../dist/cli.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { main } = require(cliPath) as { main: Main };

const PROTOTYPES: [string, object][] = [['Object', Object.prototype], ['Array', Array.prototype], ['Function', Function.prototype], ['String', String.prototype]];
const snapshot = () => PROTOTYPES.map(([n, p]) => `${n}:${Reflect.ownKeys(p).map(String).sort().join(',')}`).join('|');
const clean = snapshot();

let current: WorkerJob | undefined;

// Anything written straight to the process streams (a library's console.warn) is the case's output too.
const write = (file: () => string | undefined) =>
  ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const f = file();
    if (f) appendFileSync(f, chunk);
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stdout.write;
process.stdout.write = write(() => current?.stdoutFile);
process.stderr.write = write(() => current?.stderrFile);

/** What the real CLI does with an exception nobody caught: Node prints it with its stack and exits 1. */
function fatal(err: unknown): void {
  if (current) {
    appendFileSync(current.stderrFile, `${err instanceof Error ? err.stack : String(err)}\n`);
    process.send!({ id: current.id, code: 1 } satisfies WorkerDone);
  }
  process.exit(1);
}
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

process.on('message', (job: WorkerJob) => {
  current = job;
  writeFileSync(job.stdoutFile, '');
  writeFileSync(job.stderrFile, '');
  process.chdir(job.cwd);
  process.exitCode = undefined;
  void main(job.args, (s) => appendFileSync(job.stdoutFile, s), (s) => appendFileSync(job.stderrFile, s)).then(
    (code) => {
      const after = snapshot();
      const done: WorkerDone = { id: job.id, code };
      if (after !== clean) done.polluted = 'a built-in prototype changed during the case (prototype pollution)';
      current = undefined;
      process.send!(done);
      // A polluted process cannot run further cases faithfully.
      if (done.polluted) process.exit(0);
    },
    fatal,
  );
});
process.send!({ ready: true });

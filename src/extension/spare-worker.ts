/**
 * One worker thread started ahead of need: a model opened while a spare is
 * ready skips the thread's start-up (loading an 800 KB bundle, ~70 ms)
 * and starts reading the file at once. Taking the spare starts the next one
 * a little later, when the open that took it is no longer competing for the
 * CPU. An idle spare does not keep the process alive. No `vscode` import.
 */
import { existsSync } from 'node:fs';
import { WorkerThread, type WorkerApi } from './worker-thread';

/** After a take, the next spare starts this much later (the open under way has the CPU first). */
const NEXT_SPARE_AFTER_MS = 1500;

export class SpareWorker<A extends WorkerApi<A>> {
  private spare: WorkerThread<A> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(
    readonly script: string,
    private readonly name: string,
    private readonly delayMs = NEXT_SPARE_AFTER_MS,
  ) {}

  /**
   * The spare, now the caller's (`onStop` hears when it stops by itself), or
   * undefined when none is running yet; either way the next spare is on its way.
   */
  take(onStop: (why: string) => void): WorkerThread<A> | undefined {
    const taken = this.spare;
    this.spare = undefined;
    this.prepare();
    if (!taken || taken.stopped) return undefined;
    taken.setOnStop(onStop);
    return taken;
  }

  /** A spare is running, ready to be taken. */
  get idle(): boolean {
    return this.spare !== undefined && !this.spare.stopped;
  }

  /** Starts a spare after the delay, unless one is running or on its way. */
  prepare(delayMs = this.delayMs): void {
    if (this.disposed || this.timer || this.idle) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.disposed || !existsSync(this.script)) return;
      try {
        const w: WorkerThread<A> = new WorkerThread<A>(this.script, {
          name: this.name,
          // A spare that dies unused is dropped; the next take starts a fresh one.
          onStop: () => {
            if (this.spare === w) this.spare = undefined;
          },
        });
        this.spare = w;
      } catch {
        // No thread can start: the user of take() starts its own (or works in-process).
      }
    }, delayMs);
    this.timer.unref?.();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.spare?.terminate('the extension was deactivated');
    this.spare = undefined;
  }
}

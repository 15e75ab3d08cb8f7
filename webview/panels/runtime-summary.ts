/**
 * The measured-run strip under the summary header: a button that runs
 * "Profile Model…" on this model (or cancels the run in progress), the
 * run's progress, and, after a run, its figures: latency p50/p90/min,
 * throughput, what ran where, the measured memory beside the static
 * estimate, and any fallback notice. `runtimeLines` is pure (tested in Node).
 */
import type { RuntimeView, SweepReport } from '../../src/protocol';
import { renderSweep } from './sweep-chart';
import { humanBytes } from '../../src/core/report/format';
import { addExact } from '../../src/shared/exact';
import { button, setDisabled, trustNote } from '../ui/toolkit';
import { visibleText } from '../../src/core/report/safe-text';

const ms = (v: number) => (v >= 100 ? `${v.toFixed(0)} ms` : v >= 1 ? `${v.toFixed(2)} ms` : `${(v * 1000).toFixed(0)} µs`);

/** The figures of a run as labelled lines (label, value, note). */
export function runtimeLines(v: RuntimeView): [string, string, string?][] {
  const s = v.summary;
  const m = s.memory;
  const lines: [string, string, string?][] = [
    ['Latency p50', ms(s.latencyMs.p50), `p90 ${ms(s.latencyMs.p90)} · min ${ms(s.latencyMs.min)} · ${s.runs} runs after ${s.warmup} warm-up`],
    ['Throughput', `${s.throughput.toFixed(s.throughput >= 100 ? 0 : 1)} /s`, `batch ${s.batch}`],
    ['Ran on', s.providers.join(', ') || '?', `${s.engine} · ${s.device}`],
    ['Measured memory', humanBytes(m.peakRssBytes), `peak resident; ${humanBytes(m.measuredInferenceBytes)} for the session and runs${m.gpuBytes !== undefined ? `; GPU ${humanBytes(m.gpuBytes)}` : ''}`],
    ['Static estimate', humanBytes(addExact(m.staticPeakActivationBytes, m.paramBytes)), `${humanBytes(m.staticPeakActivationBytes)} activations + ${humanBytes(m.paramBytes)} weights`],
  ];
  return lines;
}

export interface RuntimeStripHost {
  run(): void;
  sweep(): void;
  cancel(): void;
  manageTrust(): void;
}

export class RuntimeStrip {
  private readonly root = document.createElement('section');
  private readonly runButton: HTMLElement;
  private readonly status = document.createElement('span');
  private readonly figures = document.createElement('dl');
  private readonly notes = document.createElement('div');
  private readonly sweepHost = document.createElement('div');
  private readonly sweepButton: HTMLElement;
  private running = false;
  private readonly trust: HTMLElement;

  constructor(parent: HTMLElement, private readonly host: RuntimeStripHost) {
    this.root.className = 'runtime-strip';
    this.root.setAttribute('aria-label', 'Measured run');
    this.runButton = button('Profile (run)', () => (this.running ? this.host.cancel() : this.host.run()), {
      appearance: 'secondary',
      id: 'run-profile',
      title: 'Run the model on onnxruntime and measure its latency and memory per layer (ConvLens: Profile Model…)',
    });
    this.sweepButton = button('Batch sweep', () => !this.running && this.host.sweep(), {
      appearance: 'secondary',
      id: 'run-sweep',
      title: 'Profile at batch 1, 2, 4, … (ConvLens: Batch-Size Sweep…): latency, throughput and memory per batch, and where memory runs out',
    });
    this.sweepHost.className = 'runtime-sweep';
    this.status.className = 'runtime-status';
    this.status.setAttribute('role', 'status');
    this.figures.className = 'runtime-figures';
    this.notes.className = 'runtime-notes';
    const bar = document.createElement('div');
    bar.className = 'runtime-bar';
    this.trust = trustNote(() => this.host.manageTrust(), 'Running the model');
    bar.append(this.runButton, this.sweepButton, this.trust, this.status);
    this.root.append(bar, this.figures, this.sweepHost, this.notes);
    parent.append(this.root);
  }

  /** Untrusted (Restricted Mode): the run buttons are disabled and say why, with the way to trust. */
  setTrusted(trusted: boolean): void {
    this.trust.hidden = trusted;
    setDisabled(this.runButton, !trusted);
    setDisabled(this.sweepButton, !trusted || this.running);
  }

  setRunning(running: boolean, message?: string): void {
    this.running = running;
    this.runButton.textContent = running ? 'Cancel run' : 'Profile (run)';
    this.status.textContent = running ? `Running… ${message ?? ''}`.trim() : '';
    this.sweepButton.toggleAttribute('disabled', running);
  }

  showSweep(sweep: SweepReport | null): void {
    renderSweep(this.sweepHost, sweep);
  }

  show(view: RuntimeView | null): void {
    if (!view) {
      this.figures.replaceChildren();
      this.notes.replaceChildren();
      this.root.classList.remove('has-run');
      return;
    }
    this.root.classList.add('has-run');
    const items = runtimeLines(view).map(([k, v, note]) => {
      const item = document.createElement('div');
      item.className = 'summary-total';
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      // Device, engine and layer names come from outside: shown, never obeyed (safe-text.ts).
      dd.textContent = visibleText(v);
      item.append(dt, dd);
      if (note) {
        const n = document.createElement('dd');
        n.className = 'summary-note';
        n.textContent = visibleText(note);
        n.title = visibleText(note);
        item.append(n);
      }
      return item;
    });
    this.figures.replaceChildren(...items);
    const notes: HTMLElement[] = [];
    for (const n of view.summary.notices) {
      const p = document.createElement('p');
      p.className = 'runtime-notice';
      p.textContent = visibleText(n);
      notes.push(p);
    }
    // Why measured and static memory differ: one click away, not in the way of the graph.
    const why = document.createElement('details');
    why.className = 'runtime-explanation';
    const summary = document.createElement('summary');
    summary.textContent = 'Measured vs. static memory';
    const text = document.createElement('p');
    text.textContent = visibleText(view.summary.memory.explanation);
    why.append(summary, text);
    notes.push(why);
    this.notes.replaceChildren(...notes);
  }
}

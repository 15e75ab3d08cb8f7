/**
 * The feature-map panel: pick an image (a bundled sample or a file), see and
 * change the preprocessing, capture every layer's output once, then browse
 * the selected layer's channels as a grid of small maps (grey or viridis),
 * sorted by index or activation strength; click a channel to enlarge it and
 * a unit of it to see its receptive field on the input image. Previews come
 * reduced from the runtime process (src/core/image/feature-maps.ts); the
 * arithmetic and drawing are in ./feature-map-images.ts.
 */
import type { FeatureMapPreview, FeatureMapSettings, FeatureMapsSummary, ImageChoice, PreprocessSpec, ProfileReport } from '../../src/protocol';
import { PRESETS, type PresetName } from '../../src/core/image/preprocess';
import { bytes, channelOrder, drawGray, parseNumbers, receptiveBox, type Box, type ChannelSort } from './feature-map-images';
import { button, dropdown, setDisabled, setOptions, textField, trustNote } from '../ui/toolkit';
import { el } from '../ui/dom';

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2));

export interface FeatureMapsHost {
  capture(settings: FeatureMapSettings): void;
  cancel(): void;
  pickImage(): void;
  requestMap(layer: string): Promise<FeatureMapPreview>;
  manageTrust(): void;
}

type PresetChoice = PresetName | 'custom';

/** The preprocessing fields are read when Capture is pressed; a change needs nothing before. */
const READ_AT_CAPTURE = (): void => undefined;

/** Tiles drawn before "Show all". */
const FIRST_TILES = 128;

export class FeatureMapsPanel {
  private readonly root = el('section', undefined, 'fm');
  private readonly imageSelect: HTMLElement & { value: string };
  private readonly resize: HTMLElement & { value: string };
  private readonly order: HTMLElement & { value: string };
  private readonly preset: HTMLElement & { value: string };
  private readonly layout: HTMLElement & { value: string };
  private readonly scale: HTMLElement & { value: string };
  private readonly mean: HTMLElement & { value: string };
  private readonly std: HTMLElement & { value: string };
  private readonly captureButton: HTMLElement;
  private readonly status = el('p', undefined, 'fm-status');
  private readonly inputCanvas = el('canvas', undefined, 'fm-input-canvas');
  private readonly inputInfo = el('p', undefined, 'fm-input-info');
  private readonly topList = el('ol', undefined, 'fm-top');
  private readonly layerTitle = el('h3', undefined, 'fm-layer-title');
  private readonly grid = el('div', undefined, 'fm-grid');
  private readonly zoom = el('div', undefined, 'fm-zoom');
  private readonly sortSelect: HTMLElement & { value: string };
  private readonly colourSelect: HTMLElement & { value: string };
  private settings: FeatureMapSettings | undefined;
  private samples: { file: string; label: string }[] = [];
  private summary: FeatureMapsSummary | null = null;
  private report: ProfileReport | null = null;
  private layer: number | null = null;
  private map: FeatureMapPreview | null = null;
  private selectedChannel: number | null = null;
  private box: Box | null = null;
  private running = false;
  private generation = 0;
  private showAll = false;
  private readonly trust: HTMLElement;

  constructor(parent: HTMLElement, private readonly host: FeatureMapsHost) {
    this.imageSelect = dropdown([{ value: 'scene.png', label: 'Scene (synthetic)' }], 'scene.png', (v) => this.onImage(v), { title: 'Image', id: 'fm-image' });
    const chooser = button('Image…', () => this.host.pickImage(), { appearance: 'secondary', title: 'Choose a PNG or JPEG image', id: 'fm-pick' });
    this.resize = dropdown([{ value: 'crop', label: 'Resize: shorter side, centre crop' }, { value: 'stretch', label: 'Resize: stretch' }], 'crop', READ_AT_CAPTURE, { title: 'How the image is fitted to the input size', id: 'fm-resize' });
    this.order = dropdown([{ value: 'RGB', label: 'RGB' }, { value: 'BGR', label: 'BGR' }], 'RGB', READ_AT_CAPTURE, { title: 'Channel order', id: 'fm-order' });
    const presets = (Object.keys(PRESETS) as PresetName[]).map((k) => ({ value: k, label: `Normalize: ${PRESETS[k].label}` }));
    this.preset = dropdown<PresetChoice>([...presets, { value: 'custom', label: 'Normalize: custom' }], 'imagenet', (v) => this.onPreset(v), { title: 'Normalization preset', id: 'fm-preset' });
    this.layout = dropdown([{ value: 'auto', label: 'Layout: from the model' }, { value: 'NCHW', label: 'Layout: NCHW' }, { value: 'NHWC', label: 'Layout: NHWC' }], 'auto', READ_AT_CAPTURE, { title: 'Tensor layout', id: 'fm-layout' });
    this.scale = textField({ label: 'Scale', size: 8, id: 'fm-scale', title: 'Pixel (0–255) × scale, then (− mean) / std', onChange: () => this.custom() });
    this.mean = textField({ label: 'Mean', size: 16, id: 'fm-mean', title: 'Per channel, comma-separated', onChange: () => this.custom() });
    this.std = textField({ label: 'Std', size: 16, id: 'fm-std', title: 'Per channel, comma-separated', onChange: () => this.custom() });
    this.captureButton = button('Capture feature maps', () => (this.running ? this.host.cancel() : this.doCapture()), { appearance: 'primary', id: 'fm-capture', title: 'Run the model once on the image and keep every layer\u2019s output' });
    this.sortSelect = dropdown<ChannelSort>([{ value: 'index', label: 'Order: channel' }, { value: 'max', label: 'Order: max activation' }, { value: 'meanAbs', label: 'Order: mean |activation|' }], 'index', () => this.renderGrid(), { title: 'Channel order', id: 'fm-sort' });
    this.colourSelect = dropdown([{ value: 'gray', label: 'Grey' }, { value: 'viridis', label: 'Viridis' }], 'gray', () => this.renderMap(), { title: 'Colour map', id: 'fm-colour' });

    const controls = el('div', undefined, 'fm-controls');
    this.trust = trustNote(() => this.host.manageTrust(), 'Capturing feature maps runs the model and');
    controls.append(this.imageSelect, chooser, this.resize, this.order, this.preset, this.layout, this.scale, this.mean, this.std, this.captureButton, this.trust);
    const inputBox = el('div', undefined, 'fm-input');
    inputBox.append(this.inputCanvas, this.inputInfo, this.topList);
    this.inputCanvas.width = this.inputCanvas.height = 1;
    const layerBox = el('div', undefined, 'fm-layer');
    const layerBar = el('div', undefined, 'fm-layer-bar');
    layerBar.append(this.layerTitle, this.sortSelect, this.colourSelect);
    layerBox.append(layerBar, this.zoom, this.grid);
    const body = el('div', undefined, 'fm-body');
    body.append(inputBox, layerBox);
    this.status.setAttribute('role', 'status');
    this.root.append(controls, this.status, body);
    parent.append(this.root);
    this.grid.addEventListener('click', (ev) => {
      const tile = (ev.target as Element).closest<HTMLElement>('.fm-tile');
      if (tile?.dataset.channel) this.selectChannel(Number(tile.dataset.channel));
    });
    this.renderLayer();
  }

  /** Untrusted (Restricted Mode): capturing is disabled and says why, with the way to trust. */
  setTrusted(trusted: boolean): void {
    this.trust.hidden = trusted;
    setDisabled(this.captureButton, !trusted);
  }

  setup(samples: { file: string; label: string }[], settings: FeatureMapSettings, imageLabel: string): void {
    this.samples = samples;
    this.settings = settings;
    const options = [...samples.map((s) => ({ value: s.file, label: s.label }))];
    if (settings.image.kind === 'file') options.push({ value: 'file', label: imageLabel });
    setOptions(this.imageSelect, options);
    const value = settings.image.kind === 'file' ? 'file' : settings.image.file;
    // The toolkit reads the options after they are slotted.
    requestAnimationFrame(() => (this.imageSelect.value = value));
    this.fill(settings.preprocess);
  }

  private fill(p: PreprocessSpec): void {
    this.resize.value = p.resize;
    this.order.value = p.channelOrder;
    this.layout.value = p.layout ?? 'auto';
    this.scale.value = String(+p.scale.toPrecision(6));
    this.mean.value = p.mean.join(', ');
    this.std.value = p.std.join(', ');
    const preset = (Object.keys(PRESETS) as PresetName[]).find((k) => PRESETS[k].scale === p.scale && PRESETS[k].mean.join() === p.mean.join() && PRESETS[k].std.join() === p.std.join());
    this.preset.value = preset ?? 'custom';
  }

  private onImage(v: string): void {
    if (!this.settings) return;
    if (v !== 'file') this.settings = { ...this.settings, image: { kind: 'sample', file: v } };
  }

  private onPreset(v: PresetChoice): void {
    if (v === 'custom') return;
    const p = PRESETS[v];
    this.scale.value = String(+p.scale.toPrecision(6));
    this.mean.value = p.mean.join(', ');
    this.std.value = p.std.join(', ');
  }

  private custom(): void {
    this.preset.value = 'custom';
  }

  /** The preprocessing as the fields say, or an error message. */
  readSettings(): FeatureMapSettings | string {
    if (!this.settings) return 'not ready';
    const preset = this.preset.value as PresetChoice;
    const scale = preset !== 'custom' ? PRESETS[preset].scale : Number(this.scale.value);
    const mean = preset !== 'custom' ? PRESETS[preset].mean : parseNumbers(this.mean.value);
    const std = preset !== 'custom' ? PRESETS[preset].std : parseNumbers(this.std.value);
    if (!(scale > 0)) return 'Scale must be a positive number';
    if (!mean) return 'Mean: numbers separated by commas';
    if (!std || std.some((s) => s === 0)) return 'Std: non-zero numbers separated by commas';
    const layout = this.layout.value === 'NCHW' || this.layout.value === 'NHWC' ? this.layout.value : undefined;
    const image: ImageChoice = this.imageSelect.value === 'file' || !this.samples.some((s) => s.file === this.imageSelect.value) ? this.settings.image : { kind: 'sample', file: this.imageSelect.value };
    return {
      image,
      preprocess: { resize: this.resize.value === 'stretch' ? 'stretch' : 'crop', channelOrder: this.order.value === 'BGR' ? 'BGR' : 'RGB', scale, mean, std, ...(layout ? { layout } : {}) },
    };
  }

  private doCapture(): void {
    const s = this.readSettings();
    if (typeof s === 'string') {
      this.status.textContent = s;
      this.status.classList.add('fm-error');
      return;
    }
    this.settings = s;
    this.host.capture(s);
  }

  setStatus(running: boolean, message?: string, error?: string): void {
    this.running = running;
    this.captureButton.textContent = running ? 'Cancel' : 'Capture feature maps';
    this.status.classList.toggle('fm-error', !!error);
    this.status.textContent = error ?? (running ? `Capturing… ${message ?? ''}` : this.summary ? this.summaryLine(this.summary) : 'Choose an image and capture: the model runs once and every layer\u2019s output is kept.');
  }

  private summaryLine(s: FeatureMapsSummary): string {
    return `${s.image}: ${s.layers.length} layers captured in ${(s.totalMs / 1000).toFixed(1)} s (inference ${s.runMs} ms, ${s.providers.join(', ')})${s.notices.length ? ` · ${s.notices[0]}` : ''}`;
  }

  setModel(report: ProfileReport): void {
    this.report = report;
  }

  captured(summary: FeatureMapsSummary | null): void {
    this.summary = summary;
    this.map = null;
    this.box = null;
    this.selectedChannel = null;
    this.renderInput();
    this.setStatus(false);
    void this.loadLayer();
  }

  /** The layer selected in the graph or table. */
  setLayer(layer: number | null): void {
    if (layer === this.layer) return;
    this.layer = layer;
    this.selectedChannel = null;
    this.box = null;
    this.showAll = false;
    void this.loadLayer();
  }

  private async loadLayer(): Promise<void> {
    const gen = ++this.generation;
    this.map = null;
    const name = this.layer !== null ? this.report?.layers[this.layer]?.name : undefined;
    if (this.summary && name && this.summary.layers.includes(name)) {
      try {
        const map = await this.host.requestMap(name);
        if (gen !== this.generation) return;
        this.map = map;
      } catch {
        // Shown as "no maps" below.
      }
    }
    if (gen === this.generation) {
      this.renderLayer();
      this.renderInput();
    }
  }

  private renderInput(): void {
    const s = this.summary;
    if (!s) {
      this.inputInfo.textContent = '';
      this.topList.replaceChildren();
      this.inputCanvas.hidden = true;
      return;
    }
    this.inputCanvas.hidden = false;
    const { width, height } = s.shown;
    const rgb = bytes(s.shown.rgb);
    this.inputCanvas.width = width;
    this.inputCanvas.height = height;
    const ctx = this.inputCanvas.getContext('2d');
    if (ctx) {
      const img = ctx.createImageData(width, height);
      for (let i = 0; i < width * height; i++) {
        img.data[i * 4] = rgb[i * 3];
        img.data[i * 4 + 1] = rgb[i * 3 + 1];
        img.data[i * 4 + 2] = rgb[i * 3 + 2];
        img.data[i * 4 + 3] = 255;
      }
      ctx.putImageData(img, 0, 0);
      if (this.box) {
        ctx.strokeStyle = '#ff2d55';
        ctx.lineWidth = Math.max(1, width / 112);
        const b = this.box;
        ctx.strokeRect(b.x0 + 0.5, b.y0 + 0.5, Math.max(1, b.x1 - b.x0 - 1), Math.max(1, b.y1 - b.y0 - 1));
      }
    }
    const p = s.preprocess;
    this.inputInfo.textContent = `${s.image} → ${s.input.name} ${s.input.dims.join('×')} (${s.input.layout}), ${p.resize === 'crop' ? 'centre crop' : 'stretched'}, ${p.channelOrder}${this.box ? ` · receptive field x ${Math.round(this.box.x0)}–${Math.round(this.box.x1)}, y ${Math.round(this.box.y0)}–${Math.round(this.box.y1)}` : ''}`;
    this.topList.replaceChildren(
      ...(s.top?.classes ?? []).map((c) => {
        const li = el('li', `${c.label} — ${(c.probability * 100).toFixed(1)}%`, undefined);
        li.title = `class ${c.index}; labels from ${s.top!.labels}`;
        return li;
      }),
    );
  }

  private renderLayer(): void {
    const name = this.layer !== null ? this.report?.layers[this.layer]?.name : undefined;
    if (!this.summary) {
      this.layerTitle.textContent = 'No capture yet';
      this.grid.replaceChildren();
      this.zoom.replaceChildren();
      return;
    }
    if (!name) {
      this.layerTitle.textContent = 'Select a layer in the graph or the table to see its channels';
      this.grid.replaceChildren();
      this.zoom.replaceChildren();
      return;
    }
    if (!this.map) {
      this.layerTitle.textContent = `${name}: no feature maps (not a floating-point activation)`;
      this.grid.replaceChildren();
      this.zoom.replaceChildren();
      return;
    }
    const m = this.map;
    this.layerTitle.textContent = `${name} · ${m.shape.join('×')} · ${m.channels} channel${m.channels === 1 ? '' : 's'}${m.shown < m.channels ? ` (first ${m.shown} shown)` : ''}${m.pool > 1 ? ` · previews ${m.pool}×${m.pool}-averaged` : ''}`;
    this.renderMap();
  }

  private renderMap(): void {
    this.renderGrid();
    this.renderZoom();
  }

  private renderGrid(): void {
    const m = this.map;
    if (!m) return;
    const px = bytes(m.pixels);
    const colour = this.colourSelect.value === 'viridis';
    const order = channelOrder(m, (this.sortSelect.value as ChannelSort) || 'index');
    const shown = this.showAll ? order : order.slice(0, FIRST_TILES);
    const tiles = shown.map((c) => {
      const tile = el('button', undefined, 'fm-tile');
      tile.type = 'button';
      tile.dataset.channel = String(c);
      const st = m.stats[c];
      tile.title = `channel ${c}: min ${fmt(st.min)}, max ${fmt(st.max)}, mean ${fmt(st.mean)}, mean |x| ${fmt(st.meanAbs)}`;
      const canvas = el('canvas', undefined, 'fm-tile-canvas');
      drawGray(canvas, px, c * m.height * m.width, m.width, m.height, colour);
      tile.append(canvas, el('span', `#${c} ${fmt(st.max)}`, 'fm-tile-label'));
      if (c === this.selectedChannel) tile.classList.add('selected');
      return tile;
    });
    this.grid.replaceChildren(...tiles);
    if (!this.showAll && order.length > FIRST_TILES) {
      this.grid.append(button(`Show all ${order.length}`, () => ((this.showAll = true), this.renderGrid()), { appearance: 'secondary', id: 'fm-show-all' }));
    }
  }

  private selectChannel(c: number): void {
    this.selectedChannel = c;
    this.box = null;
    this.grid.querySelectorAll<HTMLElement>('.fm-tile').forEach((t) => t.classList.toggle('selected', t.dataset.channel === String(c)));
    this.renderZoom();
    this.renderInput();
  }

  private renderZoom(): void {
    const m = this.map;
    const c = this.selectedChannel;
    if (!m || c === null) {
      this.zoom.replaceChildren();
      return;
    }
    const st = m.stats[c];
    const canvas = el('canvas', undefined, 'fm-zoom-canvas');
    drawGray(canvas, bytes(m.pixels), c * m.height * m.width, m.width, m.height, this.colourSelect.value === 'viridis');
    canvas.title = 'Click a unit to see its receptive field on the input';
    canvas.addEventListener('click', (ev) => {
      const r = canvas.getBoundingClientRect();
      const y = Math.min(m.mapHeight - 1, Math.floor(((ev.clientY - r.top) / r.height) * m.mapHeight));
      const x = Math.min(m.mapWidth - 1, Math.floor(((ev.clientX - r.left) / r.width) * m.mapWidth));
      const rf = this.layer !== null ? this.report?.layers[this.layer]?.receptiveField ?? null : null;
      this.box = this.summary ? receptiveBox(rf, y, x, this.summary.shown.height, this.summary.shown.width) : null;
      unit.textContent = `unit (${y}, ${x})${this.box ? '' : ': no spatial receptive field'}`;
      this.renderInput();
    });
    const info = el('p', `Channel ${c} · min ${fmt(st.min)} · max ${fmt(st.max)} · mean ${fmt(st.mean)} · mean |x| ${fmt(st.meanAbs)} · map ${m.mapHeight}×${m.mapWidth}`, 'fm-zoom-info');
    const unit = el('p', 'Click a unit to draw its receptive field on the input', 'fm-zoom-unit');
    this.zoom.replaceChildren(canvas, info, unit);
  }
}

/**
 * Large synthetic CNNs for the graph view's benchmark: a 2,000-node and a
 * 20,000-node residual network, named as torch.onnx.export names a model
 * built from nested modules (`/stage2/block17/conv1/Conv`,
 * `/stage2/block17/Add`, `/stage2/block17/relu3/Relu`), batch 1, small
 * channels and spatial size, and structure-only weights (`weights: 'none'`:
 * dims and types, no bytes), so the files stay a few MB at most and the
 * benchmark measures the graph, not weight I/O.
 *
 *   npx tsx bench/graph-models.ts [--force]     # writes bench/models/cnn-{2000,20000}.onnx
 *
 * Files are cached in bench/models/ (git-ignored); the node count is part of
 * the file name, and a file is made again only with --force.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Model } from '../src/core/ir';
import { GraphBuilder } from '../src/core/onnx/builder';
import { encodeOnnx } from '../src/core/onnx/writer';

export const GRAPH_MODEL_DIR = resolve(__dirname, 'models');

export interface ScopedCnnOptions {
  /** Exact number of nodes (≥ 20). */
  nodes: number;
  /** Number of stages (`/stage{s}`); the blocks are spread evenly over them. */
  stages: number;
  /** Input height and width (default 32). */
  inputSize?: number;
}

/** Nodes outside the blocks: stem Conv/Relu/MaxPool and head GlobalAveragePool/Flatten/Gemm. */
const FIXED = 6;
/** A residual block: conv1, relu1, conv2, relu2, conv3, Add, relu3. */
const BLOCK = 7;
/** Channels of stage s: 8, 16, 32, then 32 on. */
const channelsOf = (s: number) => 8 << Math.min(s, 2);

/**
 * A ResNet-like CNN with exactly `o.nodes` nodes: stages of bottleneck blocks
 * (1×1 → 3×3 → 1×1 with a residual Add); the first block of every stage has a
 * 1×1 downsample conv on its shortcut (stride 2 while the map is at least
 * 8×8), and the few nodes that do not fill a whole block are extra ReLUs in
 * the head (`/head/act{k}/Relu`).
 */
export function scopedCnn(o: ScopedCnnOptions): Model {
  const budget = o.nodes - FIXED - o.stages; // one downsample conv per stage
  if (budget < BLOCK * o.stages) throw new Error(`scopedCnn: ${o.nodes} nodes are too few for ${o.stages} stages`);
  const blocks = Math.floor(budget / BLOCK);
  const extra = budget - blocks * BLOCK;
  let size = o.inputSize ?? 32;

  const b = new GraphBuilder(`cnn_${o.nodes}`, { opset: 17, weights: 'none' });
  b.input('input', 'float32', [1, 3, size, size]);
  b.conv({ outChannels: channelsOf(0), kernel: 3, pads: 1, name: 'stem.conv' });
  b.relu({ name: 'stem.relu' });
  b.maxPool({ kernel: 2, strides: 2, name: 'stem.pool' });
  size /= 2;
  let x = b.last;
  let done = 0;
  for (let s = 0; s < o.stages; s++) {
    const count = Math.floor((blocks * (s + 1)) / o.stages) - done;
    done += count;
    const c = channelsOf(s);
    for (let k = 0; k < count; k++) {
      const path = `stage${s + 1}.block${k}`;
      const stride = k === 0 && s > 0 && size >= 8 ? 2 : 1;
      let y = b.conv(x, { outChannels: c / 2, kernel: 1, name: `${path}.conv1` });
      y = b.relu(y, { name: `${path}.relu1` });
      y = b.conv(y, { outChannels: c / 2, kernel: 3, pads: 1, strides: stride, name: `${path}.conv2` });
      y = b.relu(y, { name: `${path}.relu2` });
      y = b.conv(y, { outChannels: c, kernel: 1, name: `${path}.conv3` });
      const shortcut = k === 0 ? b.conv(x, { outChannels: c, kernel: 1, strides: stride, name: `${path}.downsample` }) : x;
      x = b.relu(b.add(y, shortcut, { name: path }), { name: `${path}.relu3` });
      if (stride === 2) size /= 2;
    }
  }
  b.globalAveragePool(x, { name: 'head.pool' });
  for (let k = 0; k < extra; k++) b.relu({ name: `head.act${k}` });
  b.flatten({ name: 'head.flatten' });
  b.gemm({ outFeatures: 10, name: 'head.fc' });
  b.output(undefined, { name: 'logits', dtype: 'float32', shape: [1, 10] });
  const model = b.build();
  if (model.graph.nodes.length !== o.nodes) throw new Error(`scopedCnn: built ${model.graph.nodes.length} nodes, wanted ${o.nodes}`);
  return model;
}

export interface GraphBenchModel {
  name: string;
  file: string;
  nodes: number;
}

const RECIPES: (ScopedCnnOptions & { name: string })[] = [
  { name: 'cnn-2k', nodes: 2_000, stages: 4 },
  { name: 'cnn-20k', nodes: 20_000, stages: 10 },
];

/** Writes the large graph models missing from `dir` (every one with `force`); returns their paths. */
export function ensureGraphModels(dir = GRAPH_MODEL_DIR, opts: { force?: boolean; log?: (line: string) => void } = {}): GraphBenchModel[] {
  const log = opts.log ?? ((line: string) => console.error(line));
  mkdirSync(dir, { recursive: true });
  return RECIPES.map((r) => {
    const file = join(dir, `cnn-${r.nodes}.onnx`);
    if (opts.force || !existsSync(file)) {
      const t0 = performance.now();
      const bytes = encodeOnnx(scopedCnn(r));
      writeFileSync(`${file}.partial`, bytes);
      renameSync(`${file}.partial`, file);
      log(`made ${file} (${r.nodes.toLocaleString('en-US')} nodes, ${(bytes.length / 1e6).toFixed(2)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    return { name: r.name, file, nodes: r.nodes };
  });
}

/**
 * torchvision's ResNet-50, Inception-v3 and DenseNet-121 as torch.onnx.export writes them
 * (exported with Debian's torch on first use); none when Python has no torch.
 */
export function torchvisionModels(): { name: string; file: string }[] {
  const names = [['resnet50', 224], ['inception_v3', 299], ['densenet121', 224]] as const;
  const file = (n: string) => join(GRAPH_MODEL_DIR, `torchvision-${n}.onnx`);
  const missing = names.filter(([n]) => !existsSync(file(n)));
  if (missing.length) {
    const py = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch, torchvision'], { encoding: 'utf8' }).status === 0);
    if (!py) {
      console.log('(torchvision exports skipped: Python with torch and torchvision is not available; apt-get install python3-torch python3-torchvision)');
      return [];
    }
    mkdirSync(GRAPH_MODEL_DIR, { recursive: true });
    const script = [
      'import sys, torch, torchvision, warnings',
      'warnings.filterwarnings("ignore")',
      'for spec in sys.argv[2:]:',
      '    n, s = spec.split(":")',
      '    m = getattr(torchvision.models, n)(weights=None).eval()',
      '    torch.onnx.export(m, torch.randn(1, 3, int(s), int(s)), f"{sys.argv[1]}/torchvision-{n}.onnx", opset_version=13)',
    ].join('\n');
    const r = spawnSync(py, ['-c', script, GRAPH_MODEL_DIR, ...missing.map(([n, s]) => `${n}:${s}`)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`torch.onnx.export failed: ${r.stderr.slice(-2000)}`);
  }
  return names.map(([n]) => ({ name: `torchvision ${n}`, file: file(n) }));
}

if (require.main === module) {
  for (const m of ensureGraphModels(GRAPH_MODEL_DIR, { force: process.argv.includes('--force') })) {
    console.log(`${m.file}: ${m.nodes.toLocaleString('en-US')} nodes`);
  }
}

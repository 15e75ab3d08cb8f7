/**
 * `*.cnn.yaml` cases: the examples mutated as text (bytes, lines, YAML
 * features such as alias bombs and tags) and as structure (parsed, mutated
 * as data, written back), plus definitions made hostile on purpose: Repeat
 * counts, nesting 1,000+ levels deep, 10,000+ layers, prototype names.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { MODEL_DIR } from './case';
import { someCommand } from './commands';
import { HOSTILE_NUMBER_LITERALS, hostileName, hostileNumber } from './hostile';
import { havoc } from './mutate-bytes';
import type { CaseBody } from './onnx-cases';
import type { Rng } from './rng';
import { mutateTree, type Json } from './tree-mutate';

const EXAMPLES = resolve(__dirname, '../../examples');
const MODEL = `${MODEL_DIR}/model.cnn.yaml`;

let seeds: { name: string; text: string }[] | undefined;
function yamlSeed(rng: Rng): { name: string; text: string } {
  seeds ??= readdirSync(EXAMPLES).filter((f) => f.endsWith('.cnn.yaml')).sort().map((f) => ({ name: f, text: readFileSync(join(EXAMPLES, f), 'utf8') }));
  return rng.pick(seeds);
}

/** Placeholders of tree-mutate written back as bare YAML scalars. */
const yamlText = (v: unknown): string => stringify(v, { lineWidth: 0 }).replace(/["']@@literal:([^@"']*)@@["']/g, '$1');

const YAML_TRICKS: readonly [string, string][] = [
  ['alias bomb', 'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n'],
  ['JavaScript tag', 'x: !!js/function "function () { return 1 }"\n'],
  ['unknown tag', 'x: !<tag:example.invalid,2024:evil> 1\n'],
  ['merge key', 'base: &base {filters: 8}\nmerged: {<<: *base, __proto__: {polluted: 1}}\n'],
  ['directive', '%YAML 9.9\n---\n'],
  ['second document', '\n---\nname: other\n'],
  ['tab indentation', '\tlayers:\n\t\t- Flatten\n'],
  ['binary', 'x: !!binary AAAA\n'],
  ['self alias', 'x: &x [*x]\n'],
];

function textCase(rng: Rng): CaseBody {
  const seed = yamlSeed(rng);
  let text = seed.text;
  let what: string;
  const r = rng.int(4);
  if (r === 0) {
    const m = havoc(rng, new TextEncoder().encode(text));
    return { mutation: `yaml text (${seed.name}): ${m.what}`, files: [{ path: MODEL, bytes: m.bytes }], ...someCommand(rng, MODEL) };
  }
  const lines = text.split('\n');
  if (r === 1) {
    const i = rng.int(lines.length);
    const op = rng.int(3);
    if (op === 0) lines.splice(i, 1);
    else if (op === 1) lines.splice(i, 0, lines[rng.int(lines.length)]);
    else lines[i] = ' '.repeat(rng.int(7)) + lines[i].trimStart();
    what = ['line deleted', 'line duplicated', 'line re-indented'][op];
    text = lines.join('\n');
  } else if (r === 2) {
    const [name, trick] = rng.pick(YAML_TRICKS);
    text = rng.chance(0.5) ? trick + text : text + '\n' + trick;
    what = name;
  } else {
    // A number where the text has one, replaced by a YAML spelling of an extreme.
    const numbers = [...text.matchAll(/\b\d+\b/g)];
    const lit = rng.pick([...HOSTILE_NUMBER_LITERALS, '.inf', '-.inf', '.nan', '0x7fffffff', '0o777', '1_000', '~', '-3']);
    if (numbers.length > 0) {
      const m = rng.pick(numbers);
      text = text.slice(0, m.index) + lit + text.slice(m.index + m[0].length);
    }
    what = `a number replaced by ${lit}`;
  }
  return { mutation: `yaml text (${seed.name}): ${what}`, files: [{ path: MODEL, bytes: text }], ...someCommand(rng, MODEL) };
}

function structureCase(rng: Rng): CaseBody {
  const seed = yamlSeed(rng);
  const data = parse(seed.text) as Json;
  const whats: string[] = [];
  for (let i = 0, n = rng.range(1, 3); i < n; i++) whats.push(mutateTree(rng, data));
  return { mutation: `yaml structure (${seed.name}): ${whats.join('; ')}`, files: [{ path: MODEL, bytes: yamlText(data) }], ...someCommand(rng, MODEL) };
}

const conv = (extra = '') => `Conv2D: {filters: 4, kernel_size: 3, padding: same${extra}}`;

function hostileDefinition(rng: Rng): { text: string; what: string } {
  const head = (input = '[32, 32, 3]') => `name: fuzz\ninput: ${input}\nlayers:\n`;
  switch (rng.int(8)) {
    case 0: {
      const t = rng.pick(['1000000000', '-1', '0', '2.5', '1e308', '.inf', '.nan', '9007199254740993', '"3"', '[3]']);
      return { text: `${head()}  - Repeat: {times: ${t}, layers: [${conv()}]}\n  - Flatten\n`, what: `Repeat times ${t}` };
    }
    case 1: {
      const n = rng.pick([3, 4, 6]);
      let body = conv();
      for (let i = 0; i < n; i++) body = `Repeat: {times: 1000, layers: [${body}]}`;
      return { text: `${head()}  - ${body}\n`, what: `${n} nested Repeat ×1000 (10^${3 * n} layers)` };
    }
    case 2: {
      const depth = rng.pick([1000, 5000, 20_000]);
      const block = rng.pick(['Residual', 'Repeat', 'Branches']);
      const open = block === 'Repeat' ? '{Repeat: {times: 1, layers: [' : block === 'Residual' ? '{Residual: {layers: [' : '{Branches: [[';
      const close = block === 'Branches' ? ']]}' : ']}}';
      return { text: `${head()}  - ${open.repeat(depth)}{${conv()}}${close.repeat(depth)}\n`, what: `${block} nested ${depth} levels` };
    }
    case 3: {
      const n = rng.pick([10_000, 50_000]);
      return { text: head('[8, 8, 3]') + `  - ${conv()}\n`.repeat(n), what: `${n.toLocaleString('en-US')} layers` };
    }
    case 4: {
      const name = rng.pick(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype']);
      const where = rng.int(3);
      const text = where === 0 ? `${head()}  - ${name}: {filters: 3}\n` : where === 1 ? `${head()}  - ${conv(`, name: ${name}`)}\n  - ${conv(`, name: ${name}`)}\n` : `${head()}  - Conv2D: {filters: 4, kernel_size: 3, ${name}: 1}\n`;
      return { text, what: `${['layer class', 'layer name (twice)', 'argument'][where]} ${name}` };
    }
    case 5: {
      const arg = rng.pick(['filters', 'kernel_size', 'strides', 'dilation_rate', 'pool_size', 'units', 'groups']);
      const v = rng.chance(0.3) ? rng.pick(HOSTILE_NUMBER_LITERALS) : String(hostileNumber(rng));
      const layer = arg === 'pool_size' ? `MaxPooling2D: {pool_size: ${v}}` : arg === 'units' ? `Dense: {units: ${v}}` : `Conv2D: {filters: 4, kernel_size: 3, ${arg}: ${v}}`;
      return { text: `${head()}  - ${layer}\n  - Flatten\n  - Dense: {units: 10}\n`, what: `${arg} ${v}` };
    }
    case 6: {
      const dims = Array.from({ length: rng.pick([1, 3, 3, 5]) }, () => (rng.chance(0.5) ? String(hostileNumber(rng)) : rng.pick(HOSTILE_NUMBER_LITERALS)));
      return { text: `${head(`[${dims.join(', ')}]`)}  - ${conv()}\n  - Flatten\n`, what: `input [${dims.join(', ')}]` };
    }
    default: {
      const name = hostileName(rng);
      return { text: `${head()}  - ${conv(`, name: ${JSON.stringify(name)}`)}\n  - Dense: {units: 3, name: ${JSON.stringify(name + '2')}}\n`, what: `layer name ${name.length > 60 ? `of ${name.length} characters` : JSON.stringify(name)}` };
    }
  }
}

export function yamlCase(rng: Rng): CaseBody {
  const r = rng.int(10);
  if (r < 3) return textCase(rng);
  if (r < 6) return structureCase(rng);
  const d = hostileDefinition(rng);
  return { mutation: `yaml definition: ${d.what}`, files: [{ path: MODEL, bytes: d.text }], ...someCommand(rng, MODEL) };
}

/**
 * The model formats ConvLens opens: one table, as Netron keeps one. Each
 * entry names the format, the file names it claims and the view that opens
 * them; `loaders/index.ts` pairs every entry with its byte matcher and
 * loader (kept there so that the extension host, which only needs names,
 * does not bundle the loaders). The custom editors' selectors, activation
 * events and the open dialogs' filters all come from here, and a test holds
 * package.json and README to it.
 */

import { wildcardRegExp } from './glob';

/** Which of ConvLens's custom editors a file opens in (package.json `customEditors`). */
export type FormatView = 'convlens.graph' | 'convlens.graphDefinition' | 'convlens.weights' | 'convlens.torchGraph';

export type FormatId = 'onnx' | 'cnn-yaml' | 'tfjs' | 'keras-json' | 'keras-h5' | 'keras-archive' | 'pytorch';

export interface ModelFormat {
  id: FormatId;
  /** How README and dialogs name it. */
  label: string;
  /** Glob file names the format's views claim (custom editor selectors; activation). */
  patterns: readonly string[];
  /** Extensions offered by open dialogs, without the dot. */
  extensions: readonly string[];
  /** Views that open it: the first by default (a text format opens beside its text editor), the rest through *Reopen Editor With…*. */
  views: readonly FormatView[];
  /** Text that the user edits: opens beside its text editor rather than replacing it. */
  text: boolean;
  /** Read by `loadModelBytes` (PyTorch archives have their own readers and bridge). */
  loadable: boolean;
}

/** In the order loaders try them (by content first; ONNX protobuf is the most common). */
export const MODEL_FORMATS: readonly ModelFormat[] = [
  { id: 'onnx', label: 'ONNX', patterns: ['*.onnx'], extensions: ['onnx'], views: ['convlens.graph'], text: false, loadable: true },
  { id: 'cnn-yaml', label: 'ConvLens model definition (`*.cnn.yaml`)', patterns: ['*.cnn.yaml', '*.cnn.yml'], extensions: ['yaml', 'yml'], views: ['convlens.graphDefinition'], text: true, loadable: true },
  { id: 'tfjs', label: 'TensorFlow.js model (`model.json`)', patterns: ['model.json', '*.model.json'], extensions: ['json'], views: ['convlens.graphDefinition'], text: true, loadable: true },
  // Any .json can be a Keras config (model.to_json()): recognised by content, so it claims no name.
  { id: 'keras-json', label: 'Keras model JSON (`model.to_json()`)', patterns: [], extensions: ['json'], views: ['convlens.graphDefinition'], text: true, loadable: true },
  { id: 'keras-h5', label: 'Keras HDF5 (`.h5`)', patterns: ['*.h5'], extensions: ['h5'], views: ['convlens.graph'], text: false, loadable: true },
  { id: 'keras-archive', label: 'Keras archive (`.keras`)', patterns: ['*.keras'], extensions: ['keras'], views: ['convlens.graph'], text: false, loadable: true },
  {
    id: 'pytorch',
    label: 'PyTorch checkpoint or archive (`.pth`, `.pt`, `.pt2`)',
    patterns: ['*.pth', '*.pt', '*.pt2'],
    extensions: ['pth', 'pt', 'pt2'],
    views: ['convlens.weights', 'convlens.torchGraph'],
    text: false,
    loadable: false,
  },
];

/** Each format's name patterns, compiled once. */
const NAMED = MODEL_FORMATS.flatMap((f) => f.patterns.map((p) => ({ format: f, test: wildcardRegExp(p, { ignoreCase: true }) })));

const baseName = (path: string): string => path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
const extensionOf = (path: string): string => {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
};

/** The format a file name claims: by its patterns, then by its extension (a `.json` is Keras JSON); undefined for other files. */
export function formatOfName(path: string): ModelFormat | undefined {
  const name = baseName(path);
  const named = NAMED.find((n) => n.test.test(name));
  if (named) return named.format;
  const ext = extensionOf(path);
  // A plain .yaml is not a definition: only `*.cnn.yaml` claims the name.
  return MODEL_FORMATS.find((f) => f.patterns.length === 0 && f.extensions.includes(ext));
}

/** Whether ConvLens opens the file as a model view (its profile, run and graph commands apply). */
export const isModelPath = (path: string): boolean => formatOfName(path)?.loadable ?? false;

/** ConvLens's own definitions: `*.cnn.yaml` (or `.cnn.yml`). */
export const isCnnYamlName = (path: string): boolean => formatOfName(path)?.id === 'cnn-yaml';

/** The custom editor a model file opens in; text formats open in the view beside their text editor. */
export const viewTypeFor = (path: string): FormatView => (formatOfName(path) ?? MODEL_FORMATS[0]).views[0];

/** Open dialogs' filter: every loadable format's extensions. */
export function modelFileFilters(): Record<string, string[]> {
  const loadable = MODEL_FORMATS.filter((f) => f.loadable);
  return { 'Models (ONNX, Keras, TF.js, ConvLens YAML)': [...new Set(loadable.flatMap((f) => f.extensions))] };
}

/** Each view's selector file names, in table order (package.json `customEditors[].selector`). */
export function viewSelectors(): Map<FormatView, string[]> {
  const out = new Map<FormatView, string[]>();
  for (const f of MODEL_FORMATS) for (const v of f.views) out.set(v, [...(out.get(v) ?? []), ...f.patterns]);
  return out;
}

/** A when-clause true for the files ConvLens opens as models (package.json menus), from the loadable formats' name patterns. */
export function modelFileWhen(): string {
  const alternatives = MODEL_FORMATS.filter((f) => f.loadable)
    .flatMap((f) => f.patterns)
    .map((p) => {
      const escaped = p.replace(/^\*/, '').replace(/\./g, '\\.');
      return p.startsWith('*') ? escaped : `^${escaped}`;
    });
  return `resourceFilename =~ /(${alternatives.join('|')})$/`;
}

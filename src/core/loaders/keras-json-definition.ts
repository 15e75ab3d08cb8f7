/**
 * Keras model JSON (`model.to_json()`, a `.keras` archive's config.json) and
 * TF.js layers `model.json` as editor text: the same lowering as the file
 * loaders, with every problem and every IR node placed in the text, for
 * hover, inlay hints and diagnostics (the `DefinitionModel` the `*.cnn.yaml`
 * editor features use). The text is parsed with jsonc-parser, which keeps
 * offsets and tolerates broken text.
 *
 * Placement: a problem about an argument sits on its key in the layer's
 * `config`; any other layer problem on the layer's `class_name` value;
 * nodes map to their layer's whole JSON object. Unknown arguments stay
 * warnings: these files are written by Keras, not by hand.
 */
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import type { SourceRange } from './cnn-yaml';
import type { DefinitionModel, ModelProblem } from './cnn-yaml-model';
import { LoweringContext } from '../keras/layers';
import { lowerKerasModel, type LoweredKeras } from './keras';
import { isJsonObject, type JsonPath } from './keras-json';
import { isTfjsGraphModel, looksLikeTfjsModel, lowerTfjsLayersModel } from './tfjs-layers';

const rangeOf = (n: JsonNode): SourceRange => ({ start: n.offset, end: n.offset + n.length });
const START: SourceRange = { start: 0, end: 0 };

/** Where a problem about the object at `path` (and its argument `arg`) goes. */
function locate(root: JsonNode, path: JsonPath, arg?: string): SourceRange {
  if (arg !== undefined) {
    const v = findNodeAtLocation(root, [...path, 'config', arg]);
    const key = v?.parent?.type === 'property' ? v.parent.children?.[0] : undefined;
    if (key) return rangeOf(key);
  }
  const cls = findNodeAtLocation(root, [...path, 'class_name']);
  if (cls) return rangeOf(cls);
  const n = findNodeAtLocation(root, path);
  if (!n) return START;
  const key = n.parent?.type === 'property' ? n.parent.children?.[0] : undefined;
  return rangeOf(key ?? n);
}

const emptyModel = () => new LoweringContext('model', 'keras').build();

/** Lowers the parsed value: a TF.js layers model.json or a Keras model config. */
function lowerValue(v: unknown, root: JsonNode): LoweredKeras | ModelProblem {
  if (looksLikeTfjsModel(v)) {
    if (isTfjsGraphModel(v)) return { message: 'TF.js graph models: not supported yet (ConvLens reads TF.js layers models)', severity: 'error', range: locate(root, ['format']) };
    return lowerTfjsLayersModel(v);
  }
  if (isJsonObject(v) && 'class_name' in v && 'config' in v) return lowerKerasModel(v);
  return { message: 'not a Keras model JSON (class_name, config) nor a TF.js layers model.json (modelTopology, weightsManifest)', severity: 'error', range: START };
}

/** Keras model JSON or TF.js layers model.json text → IR, problems and node ranges. */
export function kerasJsonDefinition(text: string): DefinitionModel {
  const errors: ParseError[] = [];
  let root: JsonNode | undefined;
  let value: unknown;
  try {
    root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: false });
    value = root ? getNodeValue(root) : undefined;
  } catch (err) {
    // jsonc-parser recurses per nesting level: absurdly deep text overflows the stack.
    const why = err instanceof RangeError ? 'the JSON is nested too deeply to read' : `the JSON cannot be read (${String(err)})`;
    return { model: emptyModel(), problems: [{ message: why, severity: 'error', range: START }], layerOf: new Map() };
  }
  const syntax: ModelProblem[] = errors.map((e) => ({
    message: `JSON syntax: ${printParseErrorCode(e.error)}`, severity: 'error', range: { start: e.offset, end: e.offset + e.length },
  }));
  if (!root) return { model: emptyModel(), problems: syntax.length ? syntax : [{ message: 'empty file', severity: 'error', range: START }], layerOf: new Map() };

  const lowered = lowerValue(value, root);
  if ('range' in lowered) return { model: emptyModel(), problems: [...syntax, lowered], layerOf: new Map() };

  const layerOf = new Map<string, SourceRange>();
  const rangeCache = new Map<string, SourceRange>();
  for (const [node, path] of lowered.layerOf) {
    const key = JSON.stringify(path);
    let r = rangeCache.get(key);
    if (!r) {
      const n = findNodeAtLocation(root, path);
      r = n ? rangeOf(n) : START;
      rangeCache.set(key, r);
    }
    layerOf.set(node, r);
  }
  // While the text is broken, lowering problems are mostly echoes of the break: show the syntax errors alone.
  const problems = syntax.length > 0 ? syntax : lowered.problems.map((p): ModelProblem => ({
    message: p.message, severity: p.severity, range: locate(root, p.path, p.arg),
  }));
  return { model: lowered.model, problems, layerOf };
}

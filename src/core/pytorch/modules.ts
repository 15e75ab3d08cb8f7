/**
 * PyTorch source targets and module paths: `model.py:ResNet18` on the
 * command line, the `# convlens:` line above a class that says how to build
 * it and what to feed it, and the module that owns each node of the model's
 * ONNX export (the TorchScript exporter names nodes by their module scopes:
 * `/layer1/layer1.0/conv1/Conv` belongs to `layer1.0.conv1`).
 */
import type { Shape } from '../ir';
import { parseShape } from '../analysis/shape-text';
import { callArguments } from './source-map';

/** `model.py:ClassName` (or a factory function's name); undefined when `spec` is not a Python file. */
export function parsePythonTarget(spec: string): { file: string; target?: string } | undefined {
  const m = /^(.*\.py)(?::([A-Za-z_][A-Za-z0-9_]*))?$/.exec(spec);
  if (!m) return undefined;
  return m[2] ? { file: m[1], target: m[2] } : { file: m[1] };
}

export interface ConvlensComment {
  /** Call arguments for the class or function (`num_classes=10`). */
  args?: string;
  /** The example input shapes. */
  inputs?: Shape[];
  /** 1-based line of the comment. */
  line: number;
}

const COMMENT = /^\s*#\s*convlens:\s*(.*)$/;

/**
 * The `# convlens:` comment directly above `class Name` or `def Name` (decorators
 * and blank lines between allowed): `# convlens: ResNet(num_classes=10), input=1x3x32x32`.
 * Both parts are optional; `input=` may repeat for several inputs.
 */
export function convlensComment(source: string, target: string): ConvlensComment | undefined {
  const lines = source.split(/\r?\n/);
  const def = new RegExp(`^(class|def)\\s+${target}\\b`);
  const at = lines.findIndex((l) => def.test(l));
  if (at < 0) return undefined;
  for (let i = at - 1; i >= 0; i--) {
    const l = lines[i];
    if (/^\s*@/.test(l) || l.trim() === '') continue;
    const m = COMMENT.exec(l);
    if (!m) return undefined;
    const out: ConvlensComment = { line: i + 1 };
    let rest = m[1].trim();
    const call = new RegExp(`^${target}\\s*\\(`).exec(rest);
    if (call) {
      const close = matchingParen(rest, call[0].length - 1);
      if (close > 0) {
        out.args = rest.slice(call[0].length, close).trim();
        rest = rest.slice(close + 1);
      }
    }
    for (const im of rest.matchAll(/input\s*=\s*([^\s,]+)/g)) {
      const parsed = parseShape(im[1]);
      if (parsed.error === undefined) (out.inputs ??= []).push(parsed.shape);
    }
    return out;
  }
  return undefined;
}

function matchingParen(s: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === '\'') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/**
 * The module that owns an exported node, from its scoped name and the model's module paths:
 * `/layer1/layer1.0/conv1/Conv` → `layer1.0.conv1`. Each scope segment names a child of the
 * module before it: by its own name (`conv1`), by its container's name and its key
 * (`layer1.0`, `downsample.0`), numbered from its second call on (`relu_1`). Undefined for a node
 * outside every submodule (the model's own forward) or one not named by scope.
 */
export function moduleOfNode(nodeName: string, paths: ReadonlySet<string>): string | undefined {
  if (!nodeName.startsWith('/')) return undefined;
  const segments = nodeName.slice(1).split('/');
  segments.pop();
  let cur = '';
  let found: string | undefined;
  for (const s of segments) {
    // A module called again gets its scope numbered: the second call of `relu` is `relu_1`.
    const again = /^(.+)_\d+$/.exec(s)?.[1];
    // A container's child is scoped by the container's own name and its key: `downsample.0` in `layer2.0.downsample`,
    // and a nested one's by the names down from an ancestor: `conv.0.0` in `features.1.conv.0`.
    let keyed: string | undefined;
    const parts = cur ? cur.split('.') : [];
    for (let k = 0; k < parts.length && keyed === undefined; k++) {
      const tail = parts.slice(k).join('.');
      const candidate = `${cur}.${s.slice(tail.length + 1)}`;
      if (s.startsWith(`${tail}.`) && paths.has(candidate)) keyed = candidate;
    }
    const next = [cur ? `${cur}.${s}` : s, keyed, s, ...(again ? [cur ? `${cur}.${again}` : again, again] : [])].find((p) => p !== undefined && paths.has(p));
    if (next === undefined) break;
    cur = next;
    found = cur;
  }
  return found;
}

/**
 * The parameters of `class Name`'s `__init__` that have no default (`self`, `*args` and
 * `**kwargs` aside): building it without arguments would fail. Empty when it has no
 * `__init__` of its own or every parameter has a default.
 */
export function requiredInitArgs(source: string, className: string): string[] {
  const lines = source.split(/\r?\n/).map((l) => l.replace(/#.*$/, ''));
  const at = lines.findIndex((l) => new RegExp(`^class\\s+${className}\\b`).test(l));
  if (at < 0) return [];
  for (let i = at + 1; i < lines.length && (lines[i].trim() === '' || /^\s/.test(lines[i])); i++) {
    const m = /^\s+def\s+__init__\s*\(/.exec(lines[i]);
    if (!m) continue;
    return callArguments(lines, i, m[0].length, lines.length)
      .map((p) => p.text)
      .filter((p) => !p.startsWith('*') && p !== '/' && !p.includes('='))
      .map((p) => p.split(':')[0].trim())
      .filter((p) => p !== 'self');
  }
  return [];
}

/** The `# convlens:` line for a model and its inputs. */
export function convlensCommentText(target: string, args: string, inputs: readonly string[]): string {
  return `# convlens: ${target}(${args.trim()})${inputs.map((i) => `, input=${i}`).join('')}`;
}

/** 0-based line where the `# convlens:` line of `target` is (replace it) or goes (insert above the class and its decorators). */
export function convlensCommentPlace(source: string, target: string): { line: number; replace: boolean } | undefined {
  const c = convlensComment(source, target);
  if (c) return { line: c.line - 1, replace: true };
  const lines = source.split(/\r?\n/);
  let at = lines.findIndex((l) => new RegExp(`^(class|def)\\s+${target}\\b`).test(l));
  if (at < 0) return undefined;
  while (at > 0 && /^\s*@/.test(lines[at - 1])) at--;
  return { line: at, replace: false };
}

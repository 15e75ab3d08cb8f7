/**
 * What a `*.cnn.yaml` definition may be, so that a hostile or mistaken one
 * cannot hang the editor: how deeply its text nests (checked before the
 * yaml package parses it), how deeply its blocks nest, and how many layers
 * it expands to (Repeat multiplies), with the block to blame when too many.
 */
import type { BlockItem } from './cnn-yaml';

/**
 * Limits that keep a hostile or mistaken definition from hanging the editor:
 * real networks have hundreds to a few thousand layers and nest blocks a few
 * levels deep (ResNet-152: 3 levels, 500-odd layers after expansion).
 */
export const MAX_DEFINITION_LAYERS = 100_000;
export const MAX_BLOCK_NESTING = 64;
/** YAML nesting (indentation and brackets) read at all; the yaml package recurses per level. */
export const MAX_YAML_NESTING = 256;

/**
 * How deeply the text nests, from its indentation and brackets alone (no
 * parse): the yaml package recurses once per level, so text nested thousands
 * of levels deep must be refused before it is parsed. Returns the offset of
 * the first place deeper than `limit`, or -1.
 */
export function tooDeeplyNested(text: string, limit: number): number {
  const indents: number[] = [];
  let flow = 0;
  let offset = 0;
  for (const line of text.split('\n')) {
    const start = offset;
    offset += line.length + 1;
    const m = /^( *)((?:- +)*)/.exec(line)!;
    const rest = line.slice(m[0].length);
    if (flow === 0) {
      if (rest === '' || rest.startsWith('#')) continue;
      const indent = m[1].length;
      while (indents.length && indents[indents.length - 1] >= indent) indents.pop();
      indents.push(indent);
      // Each `- ` on a line opens a sequence level of its own.
      if (indents.length + m[2].split('-').length - 1 > limit) return start;
    }
    let quote = '';
    for (let i = m[0].length; i < line.length; i++) {
      const c = line[i];
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === '\'') quote = c;
      else if (c === '#' && (i === 0 || line[i - 1] === ' ')) break;
      else if (c === '[' || c === '{') {
        if (indents.length + ++flow > limit) return start + i;
      } else if ((c === ']' || c === '}') && flow > 0) flow--;
    }
  }
  return -1;
}

/** Layers after expansion (Repeat multiplies), saturating just above `cap`. */
export function expandedLayers(items: readonly BlockItem[], cap: number): number {
  let n = 0;
  for (const it of items) {
    if (it.kind === 'layer') n += 1;
    else if (it.kind === 'Residual') n += 1 + expandedLayers(it.layers, cap) + (it.shortcut ? expandedLayers(it.shortcut, cap) : 0);
    else if (it.kind === 'Branches') n += 1 + it.branches.reduce((a, b) => a + expandedLayers(b, cap), 0);
    else n += it.times * expandedLayers(it.layers, cap);
    if (n > cap) return cap + 1;
  }
  return n;
}

/** The innermost Repeat whose expansion alone passes `cap`, else the outermost block that does. */
export function culprit(items: readonly BlockItem[], cap: number): BlockItem | undefined {
  for (const it of items) {
    if (it.kind === 'layer' || expandedLayers([it], cap) <= cap) continue;
    const inner = it.kind === 'Branches' ? it.branches.flat() : it.kind === 'Residual' ? [...it.layers, ...(it.shortcut ?? [])] : it.layers;
    return culprit(inner, cap) ?? it;
  }
  return undefined;
}

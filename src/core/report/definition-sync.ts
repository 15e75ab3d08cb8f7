/**
 * Keeps a definition's text and its graph view pointing at the same layer:
 * which text range each graph node came from, the node to reveal for a
 * cursor offset, and the range to reveal for a selected node.
 */
import { parseCnnYaml, type SourceRange } from '../loaders/cnn-yaml';
import { definitionToModel, type DefinitionModel } from '../loaders/cnn-yaml-model';
import { kerasJsonDefinition } from '../loaders/keras-json-definition';

export interface NodeLocation {
  node: string;
  op: string;
  /** The definition item (layer or block) the node was lowered from. */
  range: SourceRange;
}

export class DefinitionLocations {
  /** `nodes`: plain data, so locations found in a worker thread travel to the editor. */
  constructor(readonly nodes: readonly NodeLocation[]) {}

  static readonly empty = new DefinitionLocations([]);

  static of(lowered: Pick<DefinitionModel, 'model' | 'layerOf'>): DefinitionLocations {
    const out: NodeLocation[] = [];
    for (const n of lowered.model.graph.nodes) {
      const range = lowered.layerOf.get(n.name);
      if (range) out.push({ node: n.name, op: n.opType, range });
    }
    return new DefinitionLocations(out);
  }

  /** The item range a node came from. */
  rangeOf(node: string): SourceRange | undefined {
    return this.nodes.find((n) => n.node === node)?.range;
  }

  /**
   * The node that stands for the innermost item around `offset`: its first
   * node that is not a Constant (a Conv2D's Conv, not its activation; a
   * Residual's Add when the cursor is on the block itself, not inside a layer).
   */
  nodeAt(offset: number): string | undefined {
    let best: NodeLocation | undefined;
    for (const n of this.nodes) {
      if (n.op === 'Constant' || offset < n.range.start || offset > n.range.end) continue;
      const size = n.range.end - n.range.start;
      if (!best || size < best.range.end - best.range.start) best = n;
    }
    return best?.node;
  }
}

/** Locations for a definition text (empty when it is no definition). */
export function definitionLocations(text: string, format: 'yaml' | 'keras-json'): DefinitionLocations {
  return format === 'yaml' ? yamlDefinitionLocations(text) : DefinitionLocations.of(kerasJsonDefinition(text));
}

/** Locations for a `*.cnn.yaml` text (empty when it is no definition). */
export function yamlDefinitionLocations(text: string): DefinitionLocations {
  const parsed = parseCnnYaml(text);
  if (!parsed.definition) return DefinitionLocations.empty;
  return DefinitionLocations.of(definitionToModel(parsed.definition));
}

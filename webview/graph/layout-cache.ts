/**
 * Laid-out graphs of one model by expanded set, most recent last: going back
 * to a state seen before (collapse what was just expanded) repaints without
 * ELK. The first view laid out ahead by the extension is kept here too, and
 * told apart until it is drawn. DOM-free.
 */
import type { ElkNode } from './elk-graph';
import type { ViewLayout } from '../../src/protocol';

/** Laid-out expanded states kept per model (each holds one ELK graph with coordinates). */
const KEPT = 8;

const keyOf = (expanded: ReadonlySet<string>) => [...expanded].sort().join('\u0000');
const sameSet = (a: readonly string[], b: ReadonlySet<string>) => a.length === b.size && a.every((x) => b.has(x));

export class LayoutCache {
  private readonly graphs = new Map<string, ElkNode>();
  private aheadKey: string | undefined;

  clear(): void {
    this.graphs.clear();
    this.aheadKey = undefined;
  }

  /** Keeps `ahead` when it was made for this view: the same expanded groups and the page's own character width. */
  seed(ahead: ViewLayout | undefined, expanded: ReadonlySet<string>, charWidth: number | undefined): void {
    if (!ahead || charWidth === undefined || Math.abs(ahead.charWidth - charWidth) >= 0.01 || !sameSet(ahead.expanded, expanded)) return;
    this.aheadKey = keyOf(expanded);
    this.graphs.set(this.aheadKey, ahead.graph);
  }

  /** The layout of `expanded`, if made before; `ahead`: the extension made it (said once). */
  take(expanded: ReadonlySet<string>): { graph: ElkNode; ahead: boolean } | undefined {
    const key = keyOf(expanded);
    const graph = this.graphs.get(key);
    if (!graph) return undefined;
    const ahead = key === this.aheadKey;
    this.aheadKey = undefined;
    return { graph, ahead };
  }

  put(expanded: ReadonlySet<string>, graph: ElkNode): void {
    const key = keyOf(expanded);
    this.graphs.delete(key);
    this.graphs.set(key, graph);
    if (this.graphs.size > KEPT) this.graphs.delete(this.graphs.keys().next().value!);
  }
}

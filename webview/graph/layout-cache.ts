/**
 * Laid-out graphs of one model by expanded set, most recent last: going back
 * to a state seen before (collapse what was just expanded) repaints without
 * ELK. The first view laid out ahead by the extension is kept here too, and
 * told apart until it is drawn; an opening screen laid out ahead (a partial
 * layout) is drawn once and never kept. DOM-free.
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
  private partial: { key: string; graph: ElkNode } | undefined;

  clear(): void {
    this.graphs.clear();
    this.aheadKey = undefined;
    this.partial = undefined;
  }

  /**
   * Keeps `ahead` when it was made for this view: the same expanded groups and the page's own
   * character width. Says whether it was kept.
   */
  seed(ahead: ViewLayout | undefined, expanded: ReadonlySet<string>, charWidth: number | undefined): boolean {
    if (!ahead || charWidth === undefined || Math.abs(ahead.charWidth - charWidth) >= 0.01 || !sameSet(ahead.expanded, expanded)) return false;
    const key = keyOf(expanded);
    if (ahead.partial) {
      this.partial = { key, graph: ahead.graph };
      return true;
    }
    if (this.partial?.key === key) this.partial = undefined;
    this.aheadKey = key;
    this.graphs.set(key, ahead.graph);
    return true;
  }

  /**
   * The layout of `expanded`, if made before; `ahead`: the extension made it (said once);
   * `partial`: only the opening screen's boxes (given once).
   */
  take(expanded: ReadonlySet<string>): { graph: ElkNode; ahead: boolean; partial: boolean } | undefined {
    const key = keyOf(expanded);
    if (this.partial?.key === key) {
      const { graph } = this.partial;
      this.partial = undefined;
      return { graph, ahead: true, partial: true };
    }
    const graph = this.graphs.get(key);
    if (!graph) return undefined;
    const ahead = key === this.aheadKey;
    this.aheadKey = undefined;
    return { graph, ahead, partial: false };
  }

  put(expanded: ReadonlySet<string>, graph: ElkNode): void {
    const key = keyOf(expanded);
    this.graphs.delete(key);
    this.graphs.set(key, graph);
    if (this.graphs.size > KEPT) this.graphs.delete(this.graphs.keys().next().value!);
  }
}

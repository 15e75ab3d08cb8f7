/**
 * What a shape rule (ops/*.ts) sees of the node it infers: its inputs, its
 * attributes read by type, a way to warn and to infer its subgraphs. A class,
 * not a bundle of closures: inference makes one per node.
 */
import type { Attribute, Graph, Node } from '../ir';
import type { OpContext, TensorInfo } from './ops/types';
import type { NodeIssue } from './infer-types';

/** The inference a context reports to, and the scope (`S`) its subgraphs are inferred in. */
export interface ContextHost<S> {
  readonly issues: NodeIssue[];
  inferSubgraph(g: Graph, formal: (TensorInfo | undefined)[], scope: S): (TensorInfo | undefined)[];
}

export class NodeContext<S> implements OpContext {
  constructor(
    private readonly inf: ContextHost<S>,
    readonly node: Node,
    readonly inputs: (TensorInfo | undefined)[],
    readonly opset: number,
    private readonly scope: S,
  ) {}

  attr(name: string): Attribute | undefined {
    return this.node.attributes[name];
  }

  private num(name: string): number | undefined {
    const a = this.node.attributes[name];
    return a && (a.type === 'int' || a.type === 'float') ? a.value : undefined;
  }

  int(name: string): number | undefined;
  int(name: string, fallback: number): number;
  int(name: string, fallback?: number): number | undefined {
    return this.num(name) ?? fallback;
  }

  ints(name: string): number[] | undefined {
    const a = this.node.attributes[name];
    if (!a) return undefined;
    if (a.type === 'ints' || a.type === 'floats') return a.value;
    if (a.type === 'int') return [a.value];
    return undefined;
  }

  float(name: string, fallback: number): number {
    return this.num(name) ?? fallback;
  }

  floats(name: string): number[] | undefined {
    const a = this.node.attributes[name];
    return a && (a.type === 'floats' || a.type === 'ints') ? a.value : undefined;
  }

  string(name: string): string | undefined;
  string(name: string, fallback: string): string;
  string(name: string, fallback?: string): string | undefined {
    const a = this.node.attributes[name];
    return a?.type === 'string' ? a.value : fallback;
  }

  warn(message: string): void {
    this.inf.issues.push({ node: this.node.name, severity: 'warning', message });
  }

  inferSubgraph(g: Graph, formal: (TensorInfo | undefined)[]): (TensorInfo | undefined)[] {
    return this.inf.inferSubgraph(g, formal, this.scope);
  }
}

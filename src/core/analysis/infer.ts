/**
 * Shape inference driver: walks a graph in execution order, asking each
 * operator's rule (ops/*.ts) for its outputs. Unknown operators and
 * inconsistent nodes produce warnings and unknown outputs; the rest of the
 * graph still gets shapes.
 */
import type { Attribute, FunctionDef, Graph, Model, Node, Shape, TensorConst } from '../ir';
import { opsetOf } from '../ir';
import { elementCount, tensorNumbers, type ExternalReader } from '../tensor-data';
import { OP_RULES } from './ops/index';
import { opKey } from '../../shared/op-meta';
import { MAX_FOLD_ELEMENTS, ShapeError, type OpContext, type TensorInfo } from './ops/types';
import { fmtShape, isNum, shapeProblem } from './ops/dims';
import { dict } from '../lookup';
import { NodeContext } from './node-context';
import { formatCount } from '../errors';
import { executionOrder } from './execution-order';
import type { FunctionCallScope, InferOptions, InferResult, NodeIssue } from './infer-types';

// The CLI and the extension read typed shapes from here.
export { parseShape, type ParsedShape } from './shape-text';

interface Scope {
  values: Map<string, TensorInfo>;
  parent?: Scope;
}

function lookup(scope: Scope, name: string): TensorInfo | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const v = s.values.get(name);
    if (v) return v;
  }
  return undefined;
}

function bindShape(shape: Shape | undefined, opts: InferOptions, boundRemaining: Set<string>): Shape | undefined {
  if (!shape) return shape;
  return shape.map((d) => {
    if (isNum(d)) return d;
    const b = opts.bindings?.[d];
    if (b !== undefined) return b;
    if (opts.bindRemaining === undefined) return d;
    boundRemaining.add(d);
    return opts.bindRemaining;
  });
}

/** Values of a constant tensor, when small enough to fold. */
export function constValues(t: TensorConst, readExternal?: ExternalReader): number[] | undefined {
  if (t.dtype === 'string') return undefined;
  if (elementCount(t.dims) > MAX_FOLD_ELEMENTS) return undefined;
  try {
    const v = tensorNumbers(t, readExternal);
    return v ? Array.from(v) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Nodes evaluated inside model-local function bodies, for the whole model.
 * Real models call a few functions a few hundred times (exporters' custom
 * ops, quantisation helpers); this is far beyond that.
 */
export const MAX_FUNCTION_NODES = 250_000;
/** Functions calling functions: expansion recurses once per level. */
export const MAX_FUNCTION_DEPTH = 64;

/** Thrown through nested function calls when the budget runs out; the outermost call reports it. */
class FunctionBudgetError extends Error {
  constructor(readonly inside: string) {
    super(`function budget spent in ${inside}`);
  }
}

class Inferencer {
  readonly issues: NodeIssue[] = [];
  readonly warnings: string[] = [];
  readonly functionScopes = new Map<string, Map<string, TensorInfo>>();
  private readonly activeFunctions = new Set<string>();
  /** Results of function calls by function, attributes and inputs. */
  private readonly functionMemo = new Map<string, { outputs: (TensorInfo | undefined)[]; scope: Map<string, TensorInfo>; calls: Map<string, FunctionCallScope>; attributes: Record<string, Attribute> }>();
  readonly functionCalls = new Map<string, FunctionCallScope>();
  /** The calls made by the function bodies being run, innermost last. */
  private readonly callCollectors: Map<string, FunctionCallScope>[] = [];
  /** Nodes evaluated inside function bodies so far, and why expansion stopped (once the budget is spent). */
  private functionNodes = 0;
  private functionBudgetSpent: string | undefined;
  private readonly unknownOps = new Set<string>();
  /** Symbolic dims of inputs and declared shapes that `bindRemaining` set. */
  readonly boundRemaining = new Set<string>();
  /** Top-level values computed from a rebound input (see `reboundInputs`). */
  private readonly rebound: Set<string>;

  constructor(
    private readonly model: Model,
    private readonly opts: InferOptions,
  ) {
    this.rebound = new Set(opts.reboundInputs ?? []);
  }

  runGraph(graph: Graph, scope: Scope, formalInputs?: (TensorInfo | undefined)[], top = false): Node[] {
    this.seed(graph, scope, graph.initializers, graph.inputs, formalInputs, top);
    const order = executionOrder(graph);
    this.runNodes(graph, scope, order);
    return order;
  }

  /** Puts initializers and graph inputs into `scope`. */
  seed(graph: Graph, scope: Scope, initializers: Iterable<string>, inputs: readonly string[], formalInputs?: (TensorInfo | undefined)[], top = false): void {
    for (const name of initializers) {
      // A builder may have dropped it again (Keras shared layers reuse their first call's weights).
      const v = graph.values.get(name);
      if (!v) continue;
      scope.values.set(name, { dtype: v.dtype, shape: v.data?.dims ?? v.shape, value: v.data ? constValues(v.data, this.opts.readExternal) : undefined });
    }
    inputs.forEach((name, i) => {
      const declared = graph.values.get(name);
      const formal = formalInputs?.[i];
      let shape = top && this.opts.inputShapes?.[name] ? this.opts.inputShapes[name] : formal?.shape ?? declared?.shape;
      shape = bindShape(shape, this.opts, this.boundRemaining);
      const problem = shape && shapeProblem(shape);
      if (problem) {
        // A size that cannot be is refused at the input: its shape is unknown, and so is everything computed from it.
        this.issues.push({ node: name, severity: 'error', message: `input '${name}': ${problem}; its shape is taken as unknown` });
        shape = undefined;
      }
      const value = top ? this.opts.inputValues?.[name] : formal?.value;
      const dtype = (top ? this.opts.inputDtypes?.[name] : undefined) ?? formal?.dtype ?? declared?.dtype;
      scope.values.set(name, { dtype, shape, value });
    });
  }

  /** Infers `nodes` (in execution order) into `scope`. */
  runNodes(graph: Graph, scope: Scope, nodes: readonly Node[]): void {
    const useDeclared = this.opts.useDeclared ?? true;
    const top = graph === this.model.graph;
    for (const node of nodes) {
      const outs = this.runNode(node, scope, this.model.opset);
      const rebound = top && this.rebound.size > 0 && node.inputs.some((i) => i && this.rebound.has(i));
      const outputs = node.outputs;
      for (let k = 0; k < outputs.length; k++) {
        const o = outputs[k];
        if (!o) continue;
        let info = outs[k];
        let declared = graph.values.get(o);
        if (rebound) {
          this.rebound.add(o);
          // Declared for the file's input shapes: its type still holds, its shape only when written in the bound
          // symbols or stated by the op itself.
          const parametric = declared?.shape?.some((d) => typeof d === 'string' && this.opts.parametricSymbols?.includes(d));
          if (declared && !parametric && !declared.shapeStatedByOp) declared = { ...declared, shape: undefined };
        }
        if (declared?.shape && info?.shape && !shapesCompatible(declared.shape, info.shape)) {
          this.issues.push({ node: node.name, severity: 'warning', message: `output '${o}' is declared ${fmtShape(declared.shape)} in the file but infers to ${fmtShape(info.shape)}` });
        }
        if (useDeclared && declared && (!info || info.shape === undefined)) {
          let shape = bindShape(declared.shape, this.opts, this.boundRemaining);
          const problem = shape && shapeProblem(shape);
          if (problem) {
            this.issues.push({ node: node.name, severity: 'warning', message: `output '${o}' is declared in the file with ${problem}; not used` });
            shape = undefined;
          }
          info = { dtype: info?.dtype ?? declared.dtype, shape, value: info?.value };
        } else if (useDeclared && declared?.dtype && info && !info.dtype) {
          info = { ...info, dtype: declared.dtype };
        }
        scope.values.set(o, info ?? {});
      }
    }
  }

  private runNode(node: Node, scope: Scope, opset: Record<string, number>): (TensorInfo | undefined)[] {
    const inputs = new Array<TensorInfo | undefined>(node.inputs.length);
    for (let k = 0; k < inputs.length; k++) {
      const i = node.inputs[k];
      inputs[k] = i ? lookup(scope, i) ?? {} : undefined;
    }
    const domain = node.domain === 'ai.onnx' ? '' : node.domain;
    const fn = this.model.functions.size > 0 ? this.model.functions.get(`${node.domain}:${node.opType}`) : undefined;
    if (fn) return this.callFunction(fn, node, inputs);
    const rule = OP_RULES[opKey(domain, node.opType)];
    if (!rule) {
      const key = domain ? `${domain}:${node.opType}` : node.opType;
      if (!this.unknownOps.has(key)) {
        this.unknownOps.add(key);
        this.warnings.push(`unknown operator ${key}: its outputs' shapes are taken from the file where declared, else unknown`);
      }
      this.issues.push({ node: node.name, severity: 'warning', message: `unknown operator ${key}`, unknownOperator: key });
      return [];
    }
    const ctx = this.context(node, inputs, opsetOf({ opset }, domain), scope);
    try {
      const outs = rule(ctx);
      for (let k = 0; k < outs.length; k++) {
        const o = outs[k];
        const problem = o?.shape && shapeProblem(o.shape);
        if (problem) throw new ShapeError(`${node.opType} '${node.name}' would produce an invalid shape: ${problem}`);
      }
      return outs;
    } catch (err) {
      if (err instanceof ShapeError) {
        this.issues.push({ node: node.name, severity: 'error', message: err.message });
        return [];
      }
      const msg = err instanceof Error ? err.message : String(err);
      this.issues.push({ node: node.name, severity: 'warning', message: `${node.opType} '${node.name}': shape inference failed (${msg})` });
      return [];
    }
  }

  /**
   * A call of a model-local function: its body is inferred with the call's
   * inputs and attributes. Bodies that call other functions can expand
   * exponentially (two calls per level, 40 levels: 2^40 nodes in a 3 KB
   * file), so results are memoised per function and signature, and the
   * nodes evaluated inside functions have a budget for the whole model;
   * past it, calls have unknown outputs and an error names the function.
   */
  private callFunction(fn: FunctionDef, call: Node, inputs: (TensorInfo | undefined)[]): (TensorInfo | undefined)[] {
    const key = `${call.domain}:${call.opType}`;
    if (this.activeFunctions.has(key)) {
      this.issues.push({ node: call.name, severity: 'error', message: `function ${key} calls itself: recursion is not allowed in ONNX` });
      return [];
    }
    if (this.activeFunctions.size >= MAX_FUNCTION_DEPTH) {
      this.issues.push({ node: call.name, severity: 'error', message: `function ${key} is not expanded: function calls are nested more than ${MAX_FUNCTION_DEPTH} deep` });
      return [];
    }
    if (this.functionBudgetSpent) {
      this.issues.push({ node: call.name, severity: 'error', message: `function ${key} is not expanded: ${this.functionBudgetSpent}` });
      return [];
    }
    const attrs = this.functionAttributes(fn, call);
    const signature = `${key}\u0000${JSON.stringify(attrs)}\u0000${JSON.stringify(inputs)}`;
    const memo = this.functionMemo.get(signature);
    if (memo) {
      this.functionScopes.set(call.name, memo.scope);
      this.recordCall(call, memo);
      return memo.outputs;
    }
    const outermost = this.activeFunctions.size === 0;
    this.activeFunctions.add(key);
    try {
      const result = this.runFunction(fn, call, inputs, attrs);
      this.functionMemo.set(signature, result);
      this.functionScopes.set(call.name, result.scope);
      this.recordCall(call, result);
      return result.outputs;
    } catch (err) {
      if (!(err instanceof FunctionBudgetError) || !outermost) throw err;
      this.functionBudgetSpent = `expanding model-local functions would evaluate more than ${formatCount(MAX_FUNCTION_NODES)} nodes (function ${err.inside}, called from ${key} at node '${call.name}')`;
      this.issues.push({ node: call.name, severity: 'error', message: `function ${key}: ${this.functionBudgetSpent}; its outputs are unknown` });
      return [];
    } finally {
      this.activeFunctions.delete(key);
    }
  }

  /** Files the call under the body that makes it (or the graph): memoised calls share one record. */
  private recordCall(call: Node, result: { scope: Map<string, TensorInfo>; calls: Map<string, FunctionCallScope>; attributes: Record<string, Attribute> }): void {
    const into = this.callCollectors.at(-1) ?? this.functionCalls;
    into.set(call.name, { values: result.scope, calls: result.calls, attributes: result.attributes });
  }

  /** The call's attributes over the function's defaults, reference attributes left to the body. */
  private functionAttributes(fn: FunctionDef, call: Node): Record<string, Attribute> {
    return Object.assign(dict<Attribute>(), fn.attributeDefaults, call.attributes);
  }

  private runFunction(fn: FunctionDef, call: Node, inputs: (TensorInfo | undefined)[], attrs: Record<string, Attribute>): { outputs: (TensorInfo | undefined)[]; scope: Map<string, TensorInfo>; calls: Map<string, FunctionCallScope>; attributes: Record<string, Attribute> } {
    const scope: Scope = { values: new Map() };
    const calls = new Map<string, FunctionCallScope>();
    this.callCollectors.push(calls);
    try {
      fn.inputs.forEach((name, i) => scope.values.set(name, inputs[i] ?? {}));
      const opset = { ...this.model.opset, ...fn.opset };
      for (const n of fn.nodes) {
        if (++this.functionNodes > MAX_FUNCTION_NODES) throw new FunctionBudgetError(`${call.domain}:${call.opType}`);
        const node = withCallAttributes(n, attrs);
        const outs = this.runNode(node, scope, opset);
        n.outputs.forEach((o, k) => o && scope.values.set(o, outs[k] ?? {}));
      }
    } finally {
      this.callCollectors.pop();
    }
    return { outputs: fn.outputs.map((o) => scope.values.get(o)), scope: scope.values, calls, attributes: attrs };
  }

  private context(node: Node, inputs: (TensorInfo | undefined)[], opset: number, scope: Scope): OpContext {
    return new NodeContext(this, node, inputs, opset, scope);
  }

  /** Infers a subgraph (If/Loop/Scan bodies) inside `scope`. */
  inferSubgraph(g: Graph, formal: (TensorInfo | undefined)[], scope: Scope): (TensorInfo | undefined)[] {
    const sub: Scope = { values: new Map(), parent: scope };
    this.runGraph(g, sub, formal);
    return g.outputs.map((o) => lookup(sub, o));
  }
}

function shapesCompatible(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  return a.every((d, i) => !isNum(d) || !isNum(b[i]) || d === b[i]);
}

/** A function body's node with its attribute references replaced by the call's values (unset ones dropped). */
export function withCallAttributes(n: Node, callAttributes: Record<string, Attribute>): Node {
  const resolved: Record<string, Attribute> = dict();
  for (const [k, a] of Object.entries(n.attributes)) {
    if (a.type === 'ref') {
      if (callAttributes[a.value]) resolved[k] = callAttributes[a.value];
    } else resolved[k] = a;
  }
  return { ...n, attributes: resolved };
}

/** Infers every value's dtype, shape and (small) constant contents. */
export function inferShapes(model: Model, opts: InferOptions = {}): InferResult {
  const inf = new Inferencer(model, opts);
  const scope: Scope = { values: new Map() };
  const order = inf.runGraph(model.graph, scope, undefined, true);
  return { values: scope.values, order, issues: inf.issues, warnings: inf.warnings, functionScopes: inf.functionScopes, functionCalls: inf.functionCalls, boundRemaining: inf.boundRemaining };
}

/**
 * Shape inference for a graph that grows node by node in execution order
 * (the Keras lowering asks for shapes after each layer): each call infers
 * only what was added since the previous one, so building n layers costs
 * O(n), not O(n²).
 */
export class GrowingGraphInference {
  private readonly inf: Inferencer;
  private readonly scope: Scope = { values: new Map() };
  private nodesDone = 0;
  private inputsDone = 0;

  constructor(private readonly model: Model) {
    this.inf = new Inferencer(model, {});
  }

  /**
   * Everything known so far. `newInitializers`: the initializers added since
   * the previous call (the builder knows them; finding them by scanning the
   * graph's set would make building n layers O(n²)).
   */
  values(newInitializers: readonly string[] = []): Map<string, TensorInfo> {
    const g = this.model.graph;
    const newInputs = g.inputs.slice(this.inputsDone);
    this.inputsDone = g.inputs.length;
    if (newInitializers.length || newInputs.length) this.inf.seed(g, this.scope, newInitializers, newInputs, undefined, true);
    if (this.nodesDone < g.nodes.length) {
      this.inf.runNodes(g, this.scope, g.nodes.slice(this.nodesDone));
      this.nodesDone = g.nodes.length;
    }
    return this.scope.values;
  }

  /** The problems found so far (call `values` first to take in the latest nodes). */
  issues(): readonly NodeIssue[] {
    return this.inf.issues;
  }
}

/**
 * A PyTorch source and its model view follow each other: a layer of the
 * export belongs to a module (`layer.module`, `layer1.0.conv1`), a module
 * to the line that builds it (source-map.ts), and back. A layer whose own
 * module has no site of its own (an addition in a block's forward) goes to
 * the nearest enclosing module that has one, else to its class line.
 */
import type { TorchModule } from './bridge-types';
import { moduleSites, modulesAt, pythonClasses, type ModuleSite } from './source-map';

type Modules = readonly Pick<TorchModule, 'path' | 'type'>[];

/** Where module `path` is built: the line (0-based) and character range to reveal. */
export function sourceOfModule(source: string, modules: Modules, path: string): { line: number; start: number; end: number } | undefined {
  const sites = moduleSites(source).filter((s) => s.kind !== 'call');
  for (let p: string | undefined = path; p !== undefined; p = parentOf(p)) {
    const site = sites.find((s) => modulesAt(s, modules).some((m) => m.path === p));
    if (site) return { line: site.line, start: site.start, end: site.end };
    // A module with no assignment of its own (the model, a block built by a helper): its class.
    const type = modules.find((m) => m.path === p)?.type;
    const cls = type ? pythonClasses(source).find((c) => c.name === type) : undefined;
    if (cls && p === path) return { line: cls.line, start: 0, end: 0 };
  }
  return undefined;
}

const parentOf = (path: string): string | undefined => (path === '' ? undefined : path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '');

/** The modules a line builds or calls (`self.conv1 = …`, `x = self.conv1(x)`, a Sequential entry, a loop's append). */
export function modulesOnLine(source: string, modules: Modules, line: number): string[] {
  const sites: ModuleSite[] = moduleSites(source).filter((s) => s.line === line);
  const out: string[] = [];
  for (const s of sites) for (const m of modulesAt(s, modules)) if (!out.includes(m.path)) out.push(m.path);
  return out;
}

/** The first layer (in the report's order) owned by one of `paths` or by a module inside one. */
export function layerOfModules(layers: readonly { name: string; module?: string }[], paths: readonly string[]): string | undefined {
  for (const l of layers) {
    const m = l.module;
    if (m !== undefined && paths.some((p) => m === p || m.startsWith(`${p}.`))) return l.name;
  }
  return undefined;
}

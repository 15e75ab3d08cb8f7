/**
 * Where a PyTorch source names its submodules: `self.conv1 = nn.Conv2d(…)` in
 * a class body (and `self.conv1(x)` in its forward), read from the text by
 * indentation, as the editor needs it, without running Python. A site of
 * class C's attribute `conv1` stands for every module of type C in the model
 * (`layer1.0`, `layer1.1`, …) followed by `.conv1`: the bridge's module list
 * says which those are.
 */
import type { TorchModule } from './bridge-types';

export interface PythonClass {
  name: string;
  /** The base classes as written (`nn.Module`). */
  bases: string;
  /** 0-based line of `class …:`. */
  line: number;
  /** 0-based line after the class body. */
  end: number;
}

export interface ModuleSite {
  className: string;
  /** The attribute: `conv1` of `self.conv1`. */
  attr: string;
  /** 0-based line and character range of `self.conv1` on it. */
  line: number;
  start: number;
  end: number;
  /** `assign`: `self.conv1 = …` (in __init__); `call`: `self.conv1(…)`. */
  kind: 'assign' | 'call';
  /** An assignment of a call (`= nn.Conv2d(…)`, `= BasicBlock(…)`), which builds the module; not `= None`. */
  builds: boolean;
}

const indentOf = (l: string) => l.length - l.trimStart().length;

/** The top-level classes of a file and their extent. */
export function pythonClasses(source: string): PythonClass[] {
  const lines = source.split(/\r?\n/);
  const out: PythonClass[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^class\s+([A-Za-z_]\w*)\s*(?:\(([^)]*)\))?\s*:/.exec(lines[i]);
    if (!m) continue;
    let end = i + 1;
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j];
      if (l.trim() === '' || l.trimStart().startsWith('#')) continue;
      if (indentOf(l) === 0) break;
      end = j + 1;
    }
    out.push({ name: m[1], bases: m[2] ?? '', line: i, end });
  }
  return out;
}

/** Classes that derive from a torch module class (by their bases' names). */
export function moduleClasses(source: string): PythonClass[] {
  return pythonClasses(source).filter((c) => /\b(Module|Sequential|ModuleList|ModuleDict)\b/.test(c.bases));
}

/** Every `self.X = …` and `self.X(…)` inside the file's classes. */
export function moduleSites(source: string): ModuleSite[] {
  const lines = source.split(/\r?\n/);
  const out: ModuleSite[] = [];
  for (const c of pythonClasses(source)) {
    for (let i = c.line + 1; i < c.end; i++) {
      const l = lines[i];
      const code = l.replace(/#.*$/, '');
      for (const m of code.matchAll(/\bself\.([A-Za-z_]\w*)\s*(=(?!=)|\()/g)) {
        const kind = m[2] === '(' ? 'call' : 'assign';
        const rest = code.slice(m.index! + m[0].length);
        out.push({ className: c.name, attr: m[1], line: i, start: m.index!, end: m.index! + 5 + m[1].length, kind, builds: kind === 'assign' && /^\s*[A-Za-z_][\w.]*\s*\(/.test(rest) });
      }
    }
  }
  return out;
}

/** The site at a position (0-based line and character), if any. */
export function siteAt(sites: readonly ModuleSite[], line: number, character: number): ModuleSite | undefined {
  return sites.find((s) => s.line === line && character >= s.start && character <= s.end);
}

/** The model's modules a site stands for: each module of the site's class, then the attribute. */
export function modulesAt<M extends Pick<TorchModule, 'path' | 'type'>>(site: Pick<ModuleSite, 'className' | 'attr'>, modules: readonly M[]): M[] {
  const byPath = new Map(modules.map((m) => [m.path, m]));
  const out: M[] = [];
  for (const owner of modules) {
    if (owner.type !== site.className) continue;
    const m = byPath.get(owner.path ? `${owner.path}.${site.attr}` : site.attr);
    if (m) out.push(m);
  }
  return out;
}

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
  /**
   * `assign`: `self.conv1 = …` (in __init__); `call`: `self.conv1(…)`; `entry`: an argument of
   * `nn.Sequential(…)` (attr `layer1.0`); `loop`: `blocks.append(…)` of the list that becomes
   * `self.blocks` (every `blocks.N`).
   */
  kind: 'assign' | 'call' | 'entry' | 'loop';
  /**
   * Where the module is built and its output shape belongs at the end of the line: an assignment
   * of a call (`= nn.Conv2d(…)`, not `= None`), a Sequential entry on a line of its own, an append.
   */
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

/**
 * Top-level functions without parameters that make a module (model zoos' `resnet18()`): annotated
 * to return a module class of the file or of `nn`, or returning a call of one.
 */
export function factoryFunctions(source: string): { name: string; line: number }[] {
  const classes = new Set(moduleClasses(source).map((c) => c.name));
  const lines = source.split(/\r?\n/);
  const out: { name: string; line: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^def\s+([A-Za-z_]\w*)\s*\(\s*\)\s*(?:->\s*([\w.]+)\s*)?:/.exec(lines[i]);
    if (!m) continue;
    const makes = (name: string | undefined) => name !== undefined && (classes.has(name) || name.startsWith('nn.'));
    let returns = makes(m[2]);
    for (let j = i + 1; !returns && j < lines.length && (lines[j].trim() === '' || /^\s/.test(lines[j])); j++) {
      returns = makes(/^\s+return\s+([\w.]+)\s*\(/.exec(lines[j])?.[1]);
    }
    if (returns) out.push({ name: m[1], line: i });
  }
  return out;
}

/**
 * Classes that derive from a torch module class, by their bases' names: `nn.Module` and its
 * containers, any `nn.` class (`nn.Conv2d`), or a module class of the file itself (`Net(Base)`).
 */
export function moduleClasses(source: string): PythonClass[] {
  const classes = pythonClasses(source);
  const modules = new Set<string>();
  const isModuleBase = (b: string) => /^(nn\.|torch\.nn\.)/.test(b) || /^(Module|Sequential|ModuleList|ModuleDict)$/.test(b) || modules.has(b);
  for (let grew = true; grew;) {
    grew = false;
    for (const c of classes) {
      if (modules.has(c.name) || !c.bases.split(',').some((b) => isModuleBase(b.trim()))) continue;
      modules.add(c.name);
      grew = true;
    }
  }
  return classes.filter((c) => modules.has(c.name));
}

/**
 * Every `self.X = …` and `self.X(…)` inside the file's classes; each entry of a
 * `self.X = nn.Sequential(a, b, …)` (as `X.0`, `X.1`, …); and each `blocks.append(…)` of a list
 * that becomes `self.X = nn.ModuleList(blocks)` or `nn.Sequential(*blocks)` (standing for all of
 * `X.0`, `X.1`, …: the loop builds them).
 */
export function moduleSites(source: string): ModuleSite[] {
  const lines = source.split(/\r?\n/).map((l) => l.replace(/#.*$/, ''));
  const out: ModuleSite[] = [];
  for (const c of pythonClasses(source)) {
    const lists = new Map<string, string>();
    for (let i = c.line + 1; i < c.end; i++) {
      const code = lines[i];
      for (const m of code.matchAll(/\bself\.([A-Za-z_]\w*)\s*(=(?!=)|\()/g)) {
        const kind = m[2] === '(' ? 'call' : 'assign';
        const after = m.index + m[0].length;
        const rest = code.slice(after);
        out.push({ className: c.name, attr: m[1], line: i, start: m.index, end: m.index + 5 + m[1].length, kind, builds: kind === 'assign' && /^\s*[A-Za-z_][\w.]*\s*\(/.test(rest) });
        if (kind !== 'assign') continue;
        const container = /^\s*(?:nn\.)?(Sequential|ModuleList)\s*\(/.exec(rest);
        if (!container) continue;
        const args = callArguments(lines, i, after + container[0].length, c.end);
        // A list built before: `self.blocks = nn.ModuleList(blocks)` or `nn.Sequential(*blocks)`.
        const list = args.length === 1 ? /^\*?([A-Za-z_]\w*)$/.exec(args[0].text) : null;
        if (list) lists.set(list[1], m[1]);
        else if (container[1] === 'Sequential') {
          args.forEach((a, k) => {
            if (!a.text.startsWith('*')) out.push({ className: c.name, attr: `${m[1]}.${k}`, line: a.line, start: a.start, end: a.start + (/^[\w.]+/.exec(a.text)?.[0].length ?? 1), kind: 'entry', builds: a.line !== i });
          });
        }
      }
    }
    for (let i = c.line + 1; i < c.end; i++) {
      for (const m of lines[i].matchAll(/\b([A-Za-z_]\w*)\.append\s*\(/g)) {
        const attr = lists.get(m[1]);
        if (attr) out.push({ className: c.name, attr, line: i, start: m.index, end: m.index + m[1].length + 7, kind: 'loop', builds: true });
      }
    }
  }
  return out;
}

/** The top-level arguments of a call whose '(' ends just before (`line`, `col`), up to its ')' (lines without comments). */
export function callArguments(lines: readonly string[], line: number, col: number, end: number): { text: string; line: number; start: number }[] {
  const args: { text: string; line: number; start: number }[] = [];
  let depth = 0;
  let quote: string | undefined;
  let cur: { text: string; line: number; start: number } | undefined;
  for (let i = line; i < end; i++) {
    const l = lines[i];
    for (let j = i === line ? col : 0; j < l.length; j++) {
      const ch = l[j];
      if (quote) {
        if (ch === '\\') j++;
        else if (ch === quote) quote = undefined;
      } else if (ch === '"' || ch === '\'') quote = ch;
      else if ('([{'.includes(ch)) depth++;
      else if (')]}'.includes(ch)) {
        if (depth === 0) {
          if (cur?.text.trim()) args.push({ ...cur, text: cur.text.trim() });
          return args;
        }
        depth--;
      } else if (ch === ',' && depth === 0) {
        if (cur?.text.trim()) args.push({ ...cur, text: cur.text.trim() });
        cur = undefined;
        continue;
      }
      if (!cur && ch.trim()) cur = { text: '', line: i, start: j };
      if (cur) cur.text += ch;
    }
    if (cur) cur.text += ' ';
  }
  return args;
}

/** The site at a position (0-based line and character), if any. */
export function siteAt(sites: readonly ModuleSite[], line: number, character: number): ModuleSite | undefined {
  return sites.find((s) => s.line === line && character >= s.start && character <= s.end);
}

/** The model's modules a site stands for: each module of the site's class, then the attribute. */
export function modulesAt<M extends Pick<TorchModule, 'path' | 'type'>>(site: Pick<ModuleSite, 'className' | 'attr'> & { kind?: ModuleSite['kind'] }, modules: readonly M[]): M[] {
  const byPath = new Map(modules.map((m) => [m.path, m]));
  const out: M[] = [];
  for (const owner of modules) {
    if (owner.type !== site.className) continue;
    const path = owner.path ? `${owner.path}.${site.attr}` : site.attr;
    if (site.kind === 'loop') {
      for (const m of modules) if (m.path.startsWith(`${path}.`) && /^\d+$/.test(m.path.slice(path.length + 1))) out.push(m);
      continue;
    }
    const m = byPath.get(path);
    if (m) out.push(m);
  }
  return out;
}

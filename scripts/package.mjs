// Packages the extension as platform-specific VSIX files under dist-vsix/.
//
//   npm run package                                  # linux-x64
//   npm run package -- linux-x64 darwin-arm64 win32-x64
//
// Bundles with `scripts/build.mjs --production` (minified, no source maps),
// checks that the bundles need nothing from node_modules beyond the native
// addons listed in NATIVE, then runs `vsce package --target <t>` once per
// target with an ignore file generated for that target: .vscodeignore plus,
// for each native addon the project depends on, `!` lines for its JavaScript,
// its runtime dependencies and the target's own binaries (other platforms'
// binaries stay out). Without native addons nothing comes from node_modules
// (`--no-dependencies`). Works offline.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(ROOT, 'dist-vsix');
const BUNDLES = ['dist/extension.js', 'dist/cli.js', 'dist/model-worker.js', 'dist/definition-worker.js', 'dist/layout-worker-node.js'];
const PACKAGED = [...BUNDLES, 'dist/webview.js'];
/** The Marketplace's limit is far higher; this is the project's own goal. */
const SIZE_GOAL_MB = 25;

/** VS Code targets (as `vsce package --target` accepts them) → Node's os/arch. */
const TARGETS = {
  'linux-x64': ['linux', 'x64'],
  'linux-arm64': ['linux', 'arm64'],
  'linux-armhf': ['linux', 'arm'],
  'alpine-x64': ['linux', 'x64'],
  'alpine-arm64': ['linux', 'arm64'],
  'darwin-x64': ['darwin', 'x64'],
  'darwin-arm64': ['darwin', 'arm64'],
  'win32-x64': ['win32', 'x64'],
  'win32-arm64': ['win32', 'arm64'],
  web: null,
};

/**
 * Native addons that esbuild leaves external (scripts/build.mjs) and that
 * therefore ship from node_modules. `binaries` is the folder, relative to the
 * package, that holds one subfolder per platform (glob allowed); `runtime`
 * lists the dependencies it loads at run time (install-time helpers such as
 * onnxruntime-node's downloader dependencies are left out).
 */
const NATIVE = [
  {
    name: 'onnxruntime-node',
    binaries: (os, arch) => `bin/napi-v*/${os}/${arch}`,
    binaryRoot: 'bin',
    skip: ['script'],
    runtime: ['onnxruntime-common'],
  },
];

/**
 * Pure-JavaScript packages left external because esbuild cannot bundle them
 * into CommonJS (h5wasm's Node build is an ES module using import.meta.url);
 * loaded with a dynamic import() only when needed, shipped as these files.
 */
const EXTERNAL_JS = [{ name: 'h5wasm', files: ['package.json', 'LICENSE.txt', 'dist/node/**'] }];

function externalJsIncludes() {
  const lines = [];
  for (const p of EXTERNAL_JS) {
    const dir = packageDir(p.name, ROOT);
    if (!dir) fail(`${p.name} is loaded at run time but is not installed; run npm install`);
    const rel = relative(ROOT, dir).split('\\').join('/');
    lines.push(`# ${p.name} (external ES module)`, ...p.files.filter((f) => f.includes('*') || existsSync(join(dir, f))).map((f) => `!${rel}/${f}`));
  }
  return lines;
}

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

function run(args, what) {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) fail(`${what} failed (exit code ${r.status ?? r.signal})`);
}

/** Finds an installed package the way Node would from `fromDir`. */
function packageDir(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Bare `require("x")` calls left in the bundles, other than Node built-ins. */
function externalRequires() {
  const builtin = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  const found = new Set();
  for (const file of BUNDLES) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)) {
      const spec = m[1];
      if (!builtin.has(spec) && !spec.startsWith('.')) found.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  }
  return found;
}

/** The native addons this project depends on and that are installed. */
function installedNatives(manifest) {
  const deps = { ...manifest.dependencies, ...manifest.optionalDependencies };
  return NATIVE.filter((n) => n.name in deps).flatMap((n) => {
    const dir = packageDir(n.name, ROOT);
    if (!dir) {
      console.warn(`package: warning: ${n.name} is a dependency but is not installed; run npm install`);
      return [];
    }
    return [{ ...n, dir }];
  });
}

/** `!` lines that bring a native addon and its runtime dependencies into one target's VSIX. */
function nativeIncludes(natives, target) {
  const lines = [];
  const rel = (p) => relative(ROOT, p).split('\\').join('/');
  const platform = TARGETS[target];
  for (const n of natives) {
    if (!platform) {
      console.warn(`package: warning: ${n.name} is native and cannot run in the '${target}' target; left out`);
      continue;
    }
    lines.push(`# ${n.name} for ${target}`);
    for (const entry of readdirSync(n.dir)) {
      if (entry !== n.binaryRoot && entry !== 'node_modules' && !n.skip.includes(entry)) lines.push(`!${rel(join(n.dir, entry))}`);
    }
    const pattern = n.binaries(...platform);
    const [base, ...rest] = pattern.split('/');
    const matches = base === n.binaryRoot ? readdirSync(join(n.dir, base)).filter((d) => new RegExp(`^${rest[0].replace(/\*/g, '.*')}$`).test(d) && existsSync(join(n.dir, base, d, ...rest.slice(1)))) : [];
    if (matches.length === 0) fail(`${n.name} has no binaries for ${target} (expected ${rel(join(n.dir, pattern))})`);
    lines.push(`!${rel(n.dir)}/${pattern}/**`);
    // Runtime dependencies, whole, and theirs in turn.
    const seen = new Set();
    const queue = n.runtime.map((name) => [name, n.dir]);
    while (queue.length > 0) {
      const [name, from] = queue.shift();
      const dir = packageDir(name, from);
      if (!dir) fail(`${n.name} needs ${name} at run time, but it is not installed`);
      if (seen.has(dir)) continue;
      seen.add(dir);
      lines.push(`!${rel(dir)}/**`);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      for (const sub of Object.keys(pkg.dependencies ?? {})) queue.push([sub, dir]);
    }
  }
  return lines;
}

/** A digest of the packaged bundles, to notice a build running alongside this one. */
function bundlesDigest() {
  const hash = createHash('sha256');
  for (const file of PACKAGED) hash.update(readFileSync(join(ROOT, file)));
  return hash.digest('hex');
}

/** Number of entries in a zip file, from its end-of-central-directory record. */
function zipEntries(file) {
  const buf = readFileSync(file);
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) return buf.readUInt16LE(i + 10);
  }
  return NaN;
}

function main() {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => !Object.hasOwn(TARGETS, a));
  if (unknown.length > 0) fail(`unknown target ${unknown.map((a) => `'${a}'`).join(', ')}; valid targets: ${Object.keys(TARGETS).join(', ')}`);
  const targets = [...new Set(args.length > 0 ? args : ['linux-x64'])];
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  if (targets.includes('web') && !manifest.browser) fail(`target 'web' needs a "browser" entry point in package.json; this extension runs in Node only`);

  run(['scripts/build.mjs', '--production'], 'build');
  const built = bundlesDigest();

  const natives = installedNatives(manifest);
  const allowed = new Set(['vscode', ...NATIVE.map((n) => n.name), ...EXTERNAL_JS.map((p) => p.name)]);
  const stray = [...externalRequires()].filter((m) => !allowed.has(m));
  if (stray.length > 0) fail(`the bundles require ${stray.join(', ')} at run time, but node_modules is not packaged; bundle it (scripts/build.mjs)`);

  const vsce = join(dirname(createRequire(import.meta.url).resolve('@vscode/vsce/package.json')), 'vsce');
  const baseIgnore = readFileSync(join(ROOT, '.vscodeignore'), 'utf8');
  mkdirSync(OUT_DIR, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'convlens-vsix-'));
  const results = [];
  try {
    for (const target of targets) {
      const extra = [...nativeIncludes(natives, target), ...externalJsIncludes()];
      const ignoreFile = join(scratch, `vscodeignore-${target}`);
      writeFileSync(ignoreFile, `${baseIgnore}\n# generated by scripts/package.mjs for ${target}\n${extra.join('\n')}\n`);
      const out = join(OUT_DIR, `${manifest.name}-${target}-${manifest.version}.vsix`);
      const hasNative = extra.some((l) => l.startsWith('!'));
      console.log(`\npackaging ${target}${hasNative ? ` (with ${natives.map((n) => n.name).join(', ')})` : ''}`);
      run([vsce, 'package', '--target', target, hasNative ? '--dependencies' : '--no-dependencies', '--ignoreFile', ignoreFile, '--out', out], `vsce package --target ${target}`);
      if (bundlesDigest() !== built) fail('dist/ changed while packaging (another build running?); run again');
      results.push({ target, file: relative(ROOT, out), mb: statSync(out).size / 2 ** 20, entries: zipEntries(out) });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  const rows = [['target', 'file', 'files', 'size (MB)'], ...results.map((r) => [r.target, r.file, String(r.entries), r.mb.toFixed(2)])];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r) => r.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ');
  console.log(`\n${line(rows[0])}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows.slice(1)) console.log(line(r));
  const big = results.filter((r) => r.mb > SIZE_GOAL_MB);
  if (big.length > 0) console.warn(`\nwarning: over the ${SIZE_GOAL_MB} MB goal: ${big.map((r) => r.target).join(', ')}`);
}

main();

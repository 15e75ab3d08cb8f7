/**
 * Starting and stopping isolated code-server instances on free loopback
 * ports, and a Chromium driven by playwright-core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { node24Env, type Toolchain } from './provision';
import { tempDir } from '../helpers/temp';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface CodeServer {
  url: string;
  port: number;
  proc: ChildProcess;
  userDataDir: string;
  extensionsDir: string;
  /** Ends code-server and everything it started (a closure: safe to pass around). */
  stop: () => Promise<void>;
}

export interface CodeServerOptions {
  tools: Toolchain;
  logFile: string;
  /** Extra flags (e.g. the smoke-test driver). */
  args?: string[];
  extensionsDir?: string;
  theme?: string;
  /** More user settings. */
  settings?: Record<string, unknown>;
}

function baseEnv(tools: Toolchain, state: string): NodeJS.ProcessEnv {
  return {
    ...node24Env(tools.nodeBin),
    XDG_CONFIG_HOME: join(state, 'config'),
    XDG_DATA_HOME: join(state, 'data'),
    XDG_CACHE_HOME: join(state, 'cache'),
  };
}

export function userSettings(userDataDir: string, extra: Record<string, unknown> = {}): void {
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.tips.enabled': false,
    'security.workspace.trust.enabled': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    ...extra,
  }, null, 2));
}

/** Installs a VSIX into an extensions folder with code-server's own installer. */
export function installVsix(tools: Toolchain, vsix: string, extensionsDir: string, logFile: string): Promise<void> {
  const state = tempDir('convlens-cs-install-');
  return new Promise((resolve, reject) => {
    const log = createWriteStream(logFile, { flags: 'a' });
    const p = spawn(tools.codeServer, ['--extensions-dir', extensionsDir, '--user-data-dir', join(state, 'user'), '--install-extension', vsix], { env: baseEnv(tools, state) });
    p.stdout.pipe(log);
    p.stderr.pipe(log);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`code-server --install-extension ${vsix} exited ${code} (see ${logFile})`))));
  });
}

export async function startCodeServer(o: CodeServerOptions): Promise<CodeServer> {
  const state = tempDir('convlens-cs-');
  const userDataDir = join(state, 'user');
  const extensionsDir = o.extensionsDir ?? join(state, 'extensions');
  mkdirSync(extensionsDir, { recursive: true });
  userSettings(userDataDir, { ...(o.theme ? { 'workbench.colorTheme': o.theme } : {}), ...o.settings });
  const port = await freePort();
  const args = [
    '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--bind-addr', `127.0.0.1:${port}`,
    ...(o.args ?? []),
  ];
  const log = createWriteStream(o.logFile, { flags: 'a' });
  // A process group of its own, so stop() ends code-server and everything it started.
  const proc = spawn(o.tools.codeServer, args, { env: baseEnv(o.tools, state), detached: true });
  proc.stdout?.pipe(log);
  proc.stderr?.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode === null && proc.pid) {
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await new Promise((r) => setTimeout(r, 500));
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  };
  // Start-up on a busy machine can be slow; the limit only catches a server that never answers.
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`code-server exited with ${proc.exitCode} before it was ready (see ${o.logFile})`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer /healthz within 180 s (see ${o.logFile})`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, port, proc, userDataDir, extensionsDir, stop };
}

export async function launchBrowser(tools: Toolchain): Promise<BrowserContext> {
  const profile = tempDir('convlens-chromium-');
  return chromium.launchPersistentContext(profile, {
    executablePath: tools.chromium,
    viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

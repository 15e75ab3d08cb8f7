/**
 * `npm run test:e2e`: ConvLens inside a real VS Code (code-server + Debian's
 * Chromium via playwright-core, all offline; see ../shared/E2E.md).
 *
 * 1. Extension-host suite (mocha, real `vscode` API) through code-server's
 *    smoke-test driver, with the repository as the development extension.
 * 2. UI suite against a second code-server with the packaged VSIX installed:
 *    open a model from the Explorer, run a command from the palette, and
 *    screenshots in light and dark themes.
 * Screenshots and logs go to test-results/. Exits non-zero on any failure.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { format } from 'node:util';
import { ProvisionError, listVsix, provision, type Toolchain } from './provision';
import { spawnSync } from 'node:child_process';
import { launchBrowser, startCodeServer, installVsix, type CodeServer } from './code-server';
import { runUiSuite } from './ui/suite';
import { bundleHostSuite, smallCnnWorkspace } from './host-bundle';
import { tempDir } from '../helpers/temp';

const ROOT = resolve(__dirname, '../..');
const RESULTS = join(ROOT, 'test-results');
// Limits that only catch a hang: on a busy 2-core machine the whole run can take many minutes.
const WATCHDOG_MS = 40 * 60_000;
const HOST_SUITE_MS = 15 * 60_000;

const cleanups: (() => Promise<void> | void)[] = [];

function log(msg: string): void {
  process.stderr.write(`[e2e] ${msg}\n`);
}

async function workspace(): Promise<string> {
  const ws = await smallCnnWorkspace();
  cleanups.push(() => rmSync(ws, { recursive: true, force: true }));
  return ws;
}

async function hostSuite(tools: Toolchain): Promise<number> {
  const suite = await bundleHostSuite();
  const ws = await workspace();
  const server = await startCodeServer({ tools, logFile: join(RESULTS, 'code-server-host.log'), args: ['--vscode-option', 'enable-smoke-test-driver'] });
  cleanups.push(server.stop);
  const browser = await launchBrowser(tools);
  cleanups.push(() => browser.close());
  const page = await browser.newPage();
  const output: string[] = [];
  const exited = new Promise<number>((resolveExit) => {
    void page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
  });
  await page.exposeFunction('codeAutomationLog', (level: string, args: unknown[]) => {
    // The driver forwards console calls: mocha's printf-style lines, and the workbench's own errors.
    const line = format(...(args as [unknown, ...unknown[]]));
    output.push(`[${level}] ${line}`);
    if (!/^\s*(at |Error|TypeError|Cannot read)/.test(line) && !line.includes('workbench.js')) process.stdout.write(`  ${line}\n`);
  });
  const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(ROOT)],
    ['extensionTestsPath', remote(suite)],
    ['skipWelcome', 'true'],
  ]);
  await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(payload)}`);
  const code = await Promise.race([
    exited,
    new Promise<number>((r) => setTimeout(() => r(-1), HOST_SUITE_MS)),
  ]);
  writeFileSync(join(RESULTS, 'extension-host.log'), output.join('\n') + '\n');
  if (code === -1) throw new Error(`extension-host suite timed out after ${HOST_SUITE_MS / 60_000} minutes`);
  if (code !== 0) throw new Error(`extension-host suite failed (exit code ${code}); see test-results/extension-host.log`);
  await browser.close();
  await server.stop();
  const passing = output.map((l) => /(\d+) passing/.exec(l)).find(Boolean);
  return passing ? Number(passing[1]) : 1;
}

function packageVsix(): string {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), 'linux-x64'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  const vsix = listVsix(join(ROOT, 'dist-vsix')).find((f) => f.includes('linux-x64'));
  if (!vsix) throw new Error('npm run package produced no linux-x64 VSIX in dist-vsix/');
  return vsix;
}

async function uiSuite(tools: Toolchain): Promise<{ passed: number; failed: number }> {
  const vsix = packageVsix();
  const extensionsDir = tempDir('convlens-ext-');
  cleanups.push(() => rmSync(extensionsDir, { recursive: true, force: true }));
  const installLog = join(RESULTS, 'code-server-install.log');
  await installVsix(tools, vsix, extensionsDir, installLog);
  log(`installed ${vsix.split('/').pop()} into code-server`);
  const ws = await workspace();
  // The Python that builds PyTorch models in the editor: one with torch, when there is one.
  const python = [process.env.CONVLENS_PYTHON, '/usr/bin/python3', 'python3'].find((p) => p && spawnSync(p, ['-c', 'import torch']).status === 0);
  const settings = python ? { 'convlens.python.interpreter': python } : {};
  const server: CodeServer = await startCodeServer({ tools, logFile: join(RESULTS, 'code-server-ui.log'), extensionsDir, theme: 'Default Light Modern', settings });
  cleanups.push(server.stop);
  const browser = await launchBrowser(tools);
  cleanups.push(() => browser.close());
  return runUiSuite({ server, browser, workspace: ws, results: RESULTS, python });
}

async function main(): Promise<number> {
  const started = Date.now();
  rmSync(RESULTS, { recursive: true, force: true });
  mkdirSync(RESULTS, { recursive: true });
  let tools: Toolchain;
  try {
    tools = provision();
  } catch (err) {
    if (err instanceof ProvisionError) {
      log(`cannot provision the e2e toolchain: ${err.message}`);
      return 1;
    }
    throw err;
  }
  log(`toolchain ready in ${((Date.now() - started) / 1000).toFixed(1)} s (cache: ${tools.cache})`);
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });

  let passed = 0;
  let failed = 0;
  log('extension-host suite');
  try {
    passed += await hostSuite(tools);
  } catch (err) {
    failed++;
    log(`FAIL extension-host suite: ${(err as Error).message}`);
  }
  log('UI suite');
  try {
    const r = await uiSuite(tools);
    passed += r.passed;
    failed += r.failed;
  } catch (err) {
    failed++;
    log(`FAIL UI suite: ${(err as Error).message}`);
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots and logs in test-results/`);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

async function cleanup(): Promise<void> {
  for (const c of cleanups.reverse()) {
    try {
      await c();
    } catch {
      /* best effort */
    }
  }
}

const watchdog = setTimeout(() => {
  log(`timed out after ${WATCHDOG_MS / 60_000} minutes`);
  void cleanup().finally(() => process.exit(1));
}, WATCHDOG_MS);

main()
  .then(async (code) => {
    await cleanup();
    clearTimeout(watchdog);
    process.exit(code);
  })
  .catch(async (err) => {
    log(`error: ${(err as Error).stack ?? err}`);
    await cleanup();
    process.exit(1);
  });

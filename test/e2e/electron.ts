/**
 * `npm run test:vscode`: the same extension-host suite on a desktop VS Code,
 * downloaded by @vscode/test-electron (needs a network and a display, so it
 * is for contributors' machines, not this project's CI).
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { ROOT, bundleHostSuite, smallCnnWorkspace } from './host-bundle';

async function main(): Promise<void> {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  const extensionTestsPath = await bundleHostSuite();
  const ws = await smallCnnWorkspace();
  try {
    await runTests({ extensionDevelopmentPath: ROOT, extensionTestsPath, launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust'] });
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`test:vscode failed: ${(err as Error).message}`);
  process.exit(1);
});

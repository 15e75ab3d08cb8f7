/**
 * Extension-host test entry: loaded by VS Code (code-server's smoke-test
 * driver here, or @vscode/test-electron on a desktop) as `extensionTestsPath`.
 * Runs every compiled `*.test.js` beside this file with mocha.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  // A limit that only catches a hang (tests that run models set their own, longer ones).
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 180_000, reporter: 'spec' });
  for (const f of readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(join(__dirname, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} extension-host test(s) failed`)) : resolve()));
  });
}

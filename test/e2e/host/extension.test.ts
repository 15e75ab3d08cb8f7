/**
 * The extension inside a real VS Code: activation, contributions, and the
 * same numbers as the CLI. Runs in the extension host (real `vscode` API).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'convlens.convlens';

function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
  return ext;
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function workspaceModel(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return vscode.Uri.joinPath(folder.uri, 'small-cnn.onnx');
}

describe('ConvLens in VS Code', () => {
  it('activates by itself in a workspace with an .onnx file (no explicit activate call)', async () => {
    await until('activation', () => extension().isActive);
  });

  it('registers every command that package.json contributes', async () => {
    const contributed = (extension().packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map((c) => c.command);
    assert.ok(contributed.length > 0);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((c) => !registered.has(c)), []);
  });

  it("opening a .onnx file shows ConvLens' model view, not binary text", async () => {
    await vscode.commands.executeCommand('vscode.open', workspaceModel());
    await until('the model view tab', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputCustom && input.viewType === 'convlens.graph';
    });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('the Profile Model command reports the same numbers as `convlens profile`', async () => {
    const uri = workspaceModel();
    const fromExtension = await vscode.commands.executeCommand<string>('convlens.profileModel', uri);
    assert.ok(fromExtension, 'the command returned the profile table');
    const cli = join(extension().extensionPath, 'dist', 'cli.js');
    const fromCli = execFileSync(process.execPath, [cli, 'profile', uri.fsPath], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    assert.equal(fromExtension.trim(), fromCli.trim());
    assert.match(fromExtension, /Parameters: 20,154/);
  });

  it('a broken model gives an error message, not a crash', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const broken = vscode.Uri.joinPath(folder, 'broken.onnx');
    await vscode.workspace.fs.writeFile(broken, new Uint8Array([0x08, 0x08, 0x3a, 0xff, 0xff, 0x0f]));
    const result = await vscode.commands.executeCommand<string | undefined>('convlens.profileModel', broken);
    assert.equal(result, undefined);
    assert.ok(extension().isActive, 'still active');
  });
});

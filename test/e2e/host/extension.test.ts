/**
 * The extension inside a real VS Code: activation, contributions, and the
 * same numbers as the CLI. Runs in the extension host (real `vscode` API).
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as vscode from 'vscode';
import * as sax from 'sax';
import type { ProfileReport } from '../../../src/core/report/profile';

const EXTENSION_ID = 'convlens.convlens';

function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
  return ext;
}

/**
 * Limits in this suite only catch a hang: on a busy machine, activation or a
 * view's first paint can take tens of seconds. Nothing waits for a fixed time.
 */
const HANG_MS = 120_000;
const TEST_MS = 180_000;

/** Polls `check` (a state of VS Code) until it holds. */
async function until(what: string, check: () => boolean, timeoutMs = HANG_MS): Promise<void> {
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

/** A Python with torch, set as the interpreter setting; the test is skipped, saying why, where there is none. */
async function usePythonWithTorch(test: Mocha.Context): Promise<string> {
  const python = [process.env.CONVLENS_PYTHON, '/usr/bin/python3', 'python3'].find((p) => p && spawnSync(p, ['-c', 'import torch']).status === 0);
  if (!python) {
    console.log('    (skipped: no Python with torch; Debian: apt-get install python3-torch)');
    test.skip();
  }
  await vscode.workspace.getConfiguration('convlens').update('python.interpreter', python, vscode.ConfigurationTarget.Global);
  return python;
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

  it('opening a .pth checkpoint shows the weights view (read natively, no Python)', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const uri = vscode.Uri.joinPath(folder, 'small-state-dict.pth');
    await vscode.commands.executeCommand('vscode.open', uri);
    await until('the weights view tab', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputCustom && input.viewType === 'convlens.weights';
    });
    // What the page's "Compute weight statistics" link runs: every one of its 11 tensors gets them.
    assert.equal(await vscode.commands.executeCommand<number>('convlens.weightStatistics', uri.toString()), 11);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opening a .onnx file shows ConvLens\' model view, not binary text', async () => {
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

  describe('the model view', () => {
    const folder = () => vscode.workspace.workspaceFolders![0].uri;
    const read = async (uri: vscode.Uri) => Buffer.from(await vscode.workspace.fs.readFile(uri));

    before(async () => {
      await vscode.commands.executeCommand('convlens.openGraph', workspaceModel());
      await until('the model view tab', () => {
        const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
        return input instanceof vscode.TabInputCustom && input.viewType === 'convlens.graph';
      });
    });
    after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

    it('Export Graph as SVG writes a well-formed SVG with one box per visible node', async function () {
      this.timeout(TEST_MS);
      const target = vscode.Uri.joinPath(folder(), 'graph.svg');
      // The view answers once its graph is painted; until then the export is refused.
      let written: vscode.Uri | undefined;
      const start = Date.now();
      while (!written && Date.now() - start < HANG_MS) {
        written = await vscode.commands.executeCommand<vscode.Uri | undefined>('convlens.exportGraphSvg', target);
        if (!written) await new Promise((r) => setTimeout(r, 1000));
      }
      assert.ok(written, 'the SVG was exported');
      const text = (await read(target)).toString('utf8');
      const parser = sax.parser(true, { xmlns: true });
      let root: string | undefined;
      let nodes = 0;
      const texts: string[] = [];
      parser.onerror = (e) => assert.fail(`graph.svg is not well-formed XML: ${e.message}`);
      parser.onopentag = (t) => {
        root ??= `${t.name} ${(t.attributes.xmlns as sax.QualifiedAttribute | undefined)?.value}`;
        const cls = t.attributes.class as sax.QualifiedAttribute | undefined;
        if (t.name === 'g' && /\bnode\b/.test(cls?.value ?? '')) nodes++;
      };
      parser.ontext = (t) => texts.push(t);
      parser.write(text).close();
      assert.equal(root, 'svg http://www.w3.org/2000/svg');
      // small-cnn.onnx: 21 layers, all drawn (small graphs open fully expanded).
      assert.equal(nodes, 21);
      assert.ok(texts.some((t) => t.includes('Conv 3×3')), 'node titles are in the SVG');
    });

    it('Export Graph as PNG writes a PNG image', async function () {
      this.timeout(TEST_MS);
      const target = vscode.Uri.joinPath(folder(), 'graph.png');
      const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('convlens.exportGraphPng', target);
      assert.ok(written, 'the PNG was exported');
      const png = await read(target);
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const width = png.readUInt32BE(16);
      const height = png.readUInt32BE(20);
      assert.ok(width > 100 && height > 100, `${width}×${height}`);
    });

    it('Export Profile writes JSON equal to `convlens profile --json`, and CSV, Markdown and HTML', async () => {
      const cli = join(extension().extensionPath, 'dist', 'cli.js');
      const fromCli = execFileSync(process.execPath, [cli, 'profile', '--json', workspaceModel().fsPath], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
      const json = vscode.Uri.joinPath(folder(), 'profile.json');
      assert.ok(await vscode.commands.executeCommand('convlens.exportProfile', 'json', json));
      assert.deepEqual(JSON.parse((await read(json)).toString('utf8')), JSON.parse(fromCli));
      for (const [format, ext, check] of [
        ['csv', 'csv', /^index,name,op,/],
        ['markdown', 'md', /^\| # \| Layer \| Op \|/],
        ['html', 'html', /^<!DOCTYPE html>[\s\S]*<table>/],
      ] as const) {
        const uri = vscode.Uri.joinPath(folder(), `profile.${ext}`);
        assert.ok(await vscode.commands.executeCommand('convlens.exportProfile', format, uri), format);
        assert.match((await read(uri)).toString('utf8'), check);
      }
    });
  });

  it('Profile Model… runs the model in the runtime process: per-layer times and the provider that ran; Export Measured Profile writes them', async function () {
    this.timeout(TEST_MS);
    const uri = workspaceModel();
    type Report = { providers: string[]; runs: number; layers: { name: string; status: string; timeMs: number }[]; latencyMs: { p50: number }; notices: string[] };
    const report = await vscode.commands.executeCommand<Report | undefined>('convlens.runProfile', uri);
    assert.ok(report, 'the command returned the measured report');
    assert.ok(report.providers.includes('CPUExecutionProvider') || report.providers.includes('CUDAExecutionProvider'), report.providers.join());
    assert.equal(report.layers.length, 21);
    assert.ok(report.layers.some((l) => l.status === 'fused'), 'onnxruntime fused some layers (BatchNormalization, Relu)');
    for (const l of report.layers) if (l.status === 'ran') assert.ok(l.timeMs > 0, l.name);
    assert.ok(report.latencyMs.p50 > 0);
    assert.ok(extension().isActive, 'the extension host is unharmed');
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const json = vscode.Uri.joinPath(folder, 'runtime.json');
    assert.ok(await vscode.commands.executeCommand('convlens.exportRuntimeProfile', 'json', json, uri));
    assert.deepEqual(JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(json)).toString('utf8')), report);
    const md = vscode.Uri.joinPath(folder, 'runtime.md');
    assert.ok(await vscode.commands.executeCommand('convlens.exportRuntimeProfile', 'markdown', md, uri));
    assert.match(Buffer.from(await vscode.workspace.fs.readFile(md)).toString('utf8'), /\| # \| Layer \| Op \| Time ms \| Share \|/);
  });

  it('Profile Model… on a Keras model runs it on TensorFlow.js (the bundled WebAssembly backend) and says so', async function () {
    this.timeout(TEST_MS);
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const uri = vscode.Uri.joinPath(folder, 'keras-cnn.keras');
    type Report = { engine: { name: string; backend?: string }; providers: string[]; layers: { status: string; timeMs: number }[]; notices: string[] };
    const report = await vscode.commands.executeCommand<Report | undefined>('convlens.runProfile', uri);
    assert.ok(report, 'the command returned the measured report');
    assert.equal(report.engine.name, 'tensorflow.js');
    assert.ok(report.engine.backend === 'wasm' || report.engine.backend === 'tensorflow', report.engine.backend);
    assert.deepEqual(report.providers, [`tfjs-${report.engine.backend}`]);
    assert.ok(report.layers.filter((l) => l.status === 'ran').length >= 8);
  });

  it('feature maps: a capture of the bundled scene sample has a preview for every layer that makes an activation', async function () {
    this.timeout(TEST_MS);
    type Summary = { layers: string[]; shown: { width: number }; input: { layout: string }; top?: { classes: unknown[] } };
    const summary = await vscode.commands.executeCommand<Summary | undefined>('convlens.captureFeatureMaps', workspaceModel(), {
      image: { kind: 'sample', file: 'scene.png' },
      preprocess: { resize: 'crop', channelOrder: 'RGB', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    });
    assert.ok(summary, 'the capture returned its summary');
    assert.equal(summary.layers.length, 21);
    assert.equal(summary.shown.width, 32);
    assert.equal(summary.input.layout, 'NCHW');
    assert.equal(summary.top?.classes.length, 5);
  });

  it('Open Graph View shows a .cnn.yaml definition in the graph view, with its profile', async function () {
    this.timeout(TEST_MS);
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const uri = vscode.Uri.joinPath(folder, 'lenet5.cnn.yaml');
    // The bundled example (the extension under test runs from the repository).
    await vscode.workspace.fs.copy(vscode.Uri.file(join(extension().extensionPath, 'examples', 'lenet5.cnn.yaml')), uri, { overwrite: true });
    await vscode.commands.executeCommand('convlens.openGraph', uri);
    await until('the definition graph tab', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputCustom && input.viewType === 'convlens.graphDefinition';
    });
    const json = vscode.Uri.joinPath(folder, 'lenet5.json');
    let written: unknown;
    const start = Date.now();
    // The profile is there once the worker thread has loaded the definition.
    while (!written && Date.now() - start < HANG_MS) {
      written = await vscode.commands.executeCommand('convlens.exportProfile', 'json', json);
      if (!written) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(written, 'the profile was exported');
    const report = JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(json)).toString('utf8')) as ProfileReport;
    // LeNet-5 with tanh, as written: 156 + 2,416 + 48,120 + 10,164 + 850.
    assert.equal(report.totals.params, 61_706);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a PyTorch source: a CodeLens profiles the class, then its totals; hover on self.conv1 reads torch\'s shapes; inlay hints; an error on its line', async function () {
    this.timeout(TEST_MS);
    await usePythonWithTorch(this);
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const uri = vscode.Uri.joinPath(folder, 'resnet18.py');
    await vscode.workspace.fs.copy(vscode.Uri.file(join(extension().extensionPath, 'examples', 'pytorch', 'resnet18.py')), uri, { overwrite: true });
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const before = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    // BasicBlock's __init__ needs inplanes and planes: its lens offers to write them; ResNet18 builds as it is.
    assert.deepEqual(before.map((l) => l.command?.title), ['ConvLens: set inplanes, planes to profile this model', 'ConvLens: profile this model', 'arguments and input…']);
    // What clicking ResNet18's CodeLens runs.
    const lens = before[1];
    await vscode.commands.executeCommand(lens.command!.command, ...((lens.command!.arguments ?? []) as unknown[]));
    const after = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    assert.equal(after[1].command?.title, '11.69 M params · 1.81 GMACs · peak 6.13 MiB — Open Model View');
    const text = doc.getText();
    const conv1 = doc.positionAt(text.indexOf('self.conv1 = nn.Conv2d(3, 64') + 6);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, conv1);
    const hoverText = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n').replace(/&nbsp;/g, ' ').replace(/\\([^\w\s])/g, '$1');
    assert.match(hoverText, /1×3×224×224 → 1×64×112×112/);
    assert.match(hoverText, /Parameters: 9,408/);
    // In BasicBlock, self.conv1 stands for every block's: layer1.0.conv1 first.
    const blockConv = doc.positionAt(text.indexOf('self.conv1 = nn.Conv2d(inplanes') + 6);
    const blockHover = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, blockConv)).flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n').replace(/&nbsp;/g, ' ');
    assert.match(blockHover, /1×64×56×56 → 1×64×56×56/);
    assert.match(blockHover, /layer1\.0\.conv1/);
    const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', uri, new vscode.Range(0, 0, doc.lineCount, 0));
    const labels = hints.map((h) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('')));
    assert.ok(labels.includes('→ 64×112×112') && labels.includes('→ 1000'), labels.join(' | '));
    // BasicBlock through its lens's command: the # convlens: line is written above it, then it is profiled.
    await vscode.commands.executeCommand('convlens.setPythonModelCall', uri, 'BasicBlock', 'inplanes=64, planes=128, stride=2', '1x64x56x56');
    assert.match(doc.getText(), /\n# convlens: BasicBlock\(inplanes=64, planes=128, stride=2\), input=1x64x56x56\nclass BasicBlock/);
    const blockLens = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri))[0];
    assert.match(blockLens.command!.title, /^230\.14 K params/);
    // A shape bug: the diagnostic sits on the line of forward that raised.
    const buggy = vscode.Uri.joinPath(folder, 'buggy.py');
    await vscode.workspace.fs.writeFile(buggy, Buffer.from(['import torch', 'from torch import nn', '', 'class Buggy(nn.Module):', '    def __init__(self):', '        super().__init__()', '        self.fc = nn.Linear(100, 10)', '', '    def forward(self, x):', '        x = x.flatten(1)', '        return self.fc(x)', ''].join('\n')));
    await vscode.commands.executeCommand('convlens.profilePythonModel', buggy, 'Buggy');
    const problems = vscode.languages.getDiagnostics(buggy);
    assert.equal(problems.length, 1, problems.map((d) => d.message).join('\n'));
    assert.equal(problems[0].range.start.line, 10);
    assert.match(problems[0].message, /mat1 and mat2 shapes cannot be multiplied/);
    await vscode.workspace.getConfiguration('convlens').update('python.interpreter', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a TorchScript archive opens as a graph through Python (trusted workspace); reopened with the weights view, its weights and statistics', async function () {
    this.timeout(TEST_MS);
    const python = await usePythonWithTorch(this);
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const uri = vscode.Uri.joinPath(folder, 'scripted.pt');
    const made = spawnSync(python, ['-c', `import torch, sys
from torch import nn
net = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
torch.jit.save(torch.jit.script(net), sys.argv[1])`, uri.fsPath], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    await vscode.commands.executeCommand('vscode.open', uri);
    await until('the PyTorch archive\'s model view', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputCustom && input.viewType === 'convlens.torchGraph';
    }, TEST_MS / 2);
    const json = vscode.Uri.joinPath(folder, 'scripted.json');
    let written: unknown;
    const start = Date.now();
    while (!written && Date.now() - start < TEST_MS / 2) {
      written = await vscode.commands.executeCommand('convlens.exportProfile', 'json', json);
      if (!written) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(written, 'the archive\'s profile was exported');
    const report = JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(json)).toString('utf8')) as ProfileReport;
    // Conv 8·3·9 + 8, Linear 8·10 + 10; at the default 1×3×224×224: 8×111×111 after the conv.
    assert.equal(report.format, 'pytorch');
    assert.equal(report.totals.params, 224 + 90);
    assert.equal(report.totals.macs, 111 * 111 * 8 * 27 + 80);
    // Profile (run) measures the export on onnxruntime, as for an ONNX file.
    const measured = await vscode.commands.executeCommand<{ latencyMs: { p50: number }; layers: unknown[] } | undefined>('convlens.runProfile', uri);
    assert.ok(measured && measured.latencyMs.p50 > 0 && measured.layers.length > 0, 'the archive\'s export ran');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // Reopened in the weights view, it stays there: its four tensors, read natively, with statistics.
    await vscode.commands.executeCommand('vscode.openWith', uri, 'convlens.weights');
    await until('the weights view tab', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputCustom && input.viewType === 'convlens.weights';
    });
    assert.equal(await vscode.commands.executeCommand<number>('convlens.weightStatistics', uri.toString()), 4);
    await vscode.workspace.getConfiguration('convlens').update('python.interpreter', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Compare Models on two definitions opens the compare view: the diff\'s counts and deltas; Open Changes in ConvLens compares a file with its HEAD version', async function () {
    this.timeout(TEST_MS);
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const a = vscode.Uri.joinPath(folder, 'lenet-a.cnn.yaml');
    const b = vscode.Uri.joinPath(folder, 'lenet-b.cnn.yaml');
    const text = Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.file(join(extension().extensionPath, 'examples', 'lenet5.cnn.yaml')))).toString('utf8');
    await vscode.workspace.fs.writeFile(a, Buffer.from(text));
    // B: C3 widened from 16 to 32 filters.
    await vscode.workspace.fs.writeFile(b, Buffer.from(text.replace('filters: 16', 'filters: 32')));
    type Result = { summary: { changed: number; added: number; removed: number; unchanged: number }; delta: { params: number } } | { error: string } | undefined;
    const r = await vscode.commands.executeCommand<Result>('convlens.compareModels', a, b);
    assert.ok(r && 'summary' in r, JSON.stringify(r));
    assert.deepEqual([r.summary.added, r.summary.removed], [0, 0]);
    assert.ok(r.summary.changed >= 2, JSON.stringify(r.summary));
    // C3 5·5·6·16 more weights and 16 more biases; C5 reads 16 more channels: 5·5·16·120.
    assert.equal(r.delta.params, 5 * 5 * 6 * 16 + 16 + 5 * 5 * 16 * 120);
    await until('the compare tab', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputWebview && vscode.window.tabGroups.activeTabGroup.activeTab!.label === 'lenet-a.cnn.yaml ↔ lenet-b.cnn.yaml';
    });
    // The Explorer's Select for Compare, then Compare with Selected: the same diff.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('convlens.selectForCompare', a);
    const selected = await vscode.commands.executeCommand<Result>('convlens.compareWithSelected', b);
    assert.deepEqual(selected, r);
    // An unreadable model: the error names it.
    const broken = vscode.Uri.joinPath(folder, 'broken-compare.onnx');
    await vscode.workspace.fs.writeFile(broken, Buffer.from('not a model'));
    const bad = await vscode.commands.executeCommand<Result>('convlens.compareModels', broken, b);
    assert.ok(bad && 'error' in bad && bad.error.includes('broken-compare.onnx'), JSON.stringify(bad));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // Under git: the working copy against HEAD.
    const repo = vscode.Uri.joinPath(folder, 'repo');
    const model = vscode.Uri.joinPath(repo, 'net.cnn.yaml');
    await vscode.workspace.fs.writeFile(model, Buffer.from(text));
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: repo.fsPath });
    git('init', '-q');
    git('add', 'net.cnn.yaml');
    git('commit', '-qm', 'LeNet-5');
    await vscode.workspace.fs.writeFile(model, Buffer.from(text.replace('  - Dense: {units: 10,', '  - Dense: {units: 42, activation: relu}\n  - Dense: {units: 10,')));
    const changes = await vscode.commands.executeCommand<Result>('convlens.openChangesInConvLens', model);
    assert.ok(changes && 'summary' in changes, JSON.stringify(changes));
    // The new Dense and its ReLU added; the output layer reads 42 features instead of 84: changed.
    assert.deepEqual([changes.summary.added, changes.summary.changed, changes.summary.removed], [2, 1, 0], JSON.stringify(changes.summary));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a .cnn.yaml in the text editor: hover shows a layer\'s shapes, inlay hints its output, and a shape error appears as you type', async function () {
    this.timeout(TEST_MS);
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const uri = vscode.Uri.joinPath(folder, 'alexnet.cnn.yaml');
    await vscode.workspace.fs.copy(vscode.Uri.file(join(extension().extensionPath, 'examples', 'alexnet.cnn.yaml')), uri, { overwrite: true });
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    const text = doc.getText();
    // C3: 96 maps of 27×27 in, 256 out (the classic table).
    const c3 = doc.positionAt(text.indexOf('filters: 256'));
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, c3);
    // appendText escapes: spaces become &nbsp;, parentheses get backslashes.
    const hoverText = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n').replace(/&nbsp;/g, ' ').replace(/\\([^\w\s])/g, '$1');
    assert.match(hoverText, /27×27×96 → 27×27×256/);
    assert.match(hoverText, /614,656/);
    assert.match(hoverText, /H, W: out = ⌈27\/1⌉ = 27 \(padding same: pads 2 \+ 2\)/);
    // S2: the worked example of the output-size arithmetic.
    const s2 = doc.positionAt(text.indexOf('MaxPooling2D'));
    const s2Hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, s2);
    const s2Text = s2Hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n').replace(/&nbsp;/g, ' ').replace(/\\([^\w\s])/g, '$1');
    assert.match(s2Text, /55×55×96 → 27×27×96/);
    assert.ok(s2Text.includes('H, W: out = ⌊(55 + 2·0 − 3)/2⌋ + 1 = 27'), s2Text);
    const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', uri, new vscode.Range(0, 0, doc.lineCount, 0));
    const labels = hints.map((h) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('')));
    assert.ok(labels.includes('→ 55×55×96') && labels.includes('→ 6×6×256'), labels.join(' | '));
    // Only design hints (C3's 5×5 kernel: two stacked 3×3 cover it with fewer weights).
    const hints0 = vscode.languages.getDiagnostics(uri);
    assert.ok(hints0.every((d) => d.severity === vscode.DiagnosticSeverity.Information), hints0.map((d) => d.message).join('\n'));
    assert.ok(hints0.some((d) => /two stacked 3×3/.test(d.message)), hints0.map((d) => d.message).join('\n'));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    assert.equal(lenses.length, 1);
    assert.equal(lenses[0].command?.title, '62.38 M params · 1.14 GMACs · peak 2.22 MiB — Open Graph View');
    assert.equal(lenses[0].command?.command, 'convlens.openGraphToSide');
    // Typing a kernel too large for C7's 13×13 input (valid padding): a diagnostic at that layer.
    const c7 = text.indexOf('filters: 256, kernel_size: 3, padding: same');
    await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(c7), doc.positionAt(c7 + 'filters: 256, kernel_size: 3, padding: same'.length)), 'filters: 256, kernel_size: 15'));
    const errors = () => vscode.languages.getDiagnostics(uri).filter((x) => x.severity === vscode.DiagnosticSeverity.Error);
    await until('a diagnostic', () => errors().length > 0);
    const [d] = errors();
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(d.range.start.line, doc.positionAt(c7).line);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('Export to ONNX writes a definition as an ONNX model the CLI reads back with the same parameters', async function () {
    this.timeout(TEST_MS);
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const source = vscode.Uri.joinPath(folder, 'alexnet.cnn.yaml');
    const target = vscode.Uri.joinPath(folder, 'alexnet.onnx');
    const written = await vscode.commands.executeCommand<vscode.Uri>('convlens.exportOnnx', source, target);
    assert.equal(written?.toString(), target.toString());
    const cli = join(extension().extensionPath, 'dist', 'cli.js');
    const report = JSON.parse(execFileSync(process.execPath, [cli, 'profile', '--json', target.fsPath], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } })) as ProfileReport;
    assert.equal(report.totals.params, 62_378_344);
  });

  it('Keras models: a legacy .h5 profiles from the command palette, a .keras opens in the model view', async function () {
    this.timeout(TEST_MS);
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const table = await vscode.commands.executeCommand<string>('convlens.profileModel', vscode.Uri.joinPath(folder, 'keras-cnn.h5'));
    // TF.js's own countParams() for this model (scripts/make-keras-examples.ts).
    assert.match(table ?? '', /Parameters: 8,186/);
    const keras = vscode.Uri.joinPath(folder, 'keras-cnn.keras');
    await vscode.commands.executeCommand('vscode.open', keras);
    await until('the model view', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputCustom && input.viewType === 'convlens.graph';
    });
    const json = vscode.Uri.joinPath(folder, 'keras-cnn.json');
    let exported: unknown;
    const start = Date.now();
    while (!exported && Date.now() - start < HANG_MS) {
      exported = await vscode.commands.executeCommand('convlens.exportProfile', 'json', json);
      if (!exported) await new Promise((r) => setTimeout(r, 500));
    }
    const report = JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(json)).toString('utf8')) as ProfileReport;
    assert.equal(report.totals.params, 8_186);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a TF.js model.json open as text gets hover shapes and inlay hints per layer', async function () {
    this.timeout(TEST_MS);
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const uri = vscode.Uri.joinPath(folder, 'model.json');
    await vscode.workspace.fs.copy(vscode.Uri.file(join(extension().extensionPath, 'examples', 'tfjs-cnn', 'model.json')), uri, { overwrite: true });
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const at = doc.positionAt(doc.getText().indexOf('"filters": 16'));
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, at);
    const hoverText = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n').replace(/&nbsp;/g, ' ');
    // Keras's own layout, the open batch N: model.summary()'s (None, 32, 32, 16).
    assert.match(hoverText, /N×32×32×3 → N×32×32×16/);
    const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', uri, new vscode.Range(0, 0, doc.lineCount, 0));
    const labels = hints.map((h) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('')));
    assert.ok(labels.includes('→ N×32×32×16') && labels.includes('→ N×10'), labels.join(' | '));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});

/**
 * The format table (src/core/formats.ts) is the one place that says which
 * files ConvLens opens: package.json's custom editors, activation events and
 * menus, README's format section and the loaders must all agree with it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import packageJson from '../../package.json';
import { formatOfName, isCnnYamlName, isModelPath, MODEL_FORMATS, modelFileFilters, modelFileWhen, viewSelectors, viewTypeFor } from '../../src/core/formats';
import { loadModelBytesSync } from '../../src/core/loaders/index';
import { ModelLoadError } from '../../src/core/errors';

type Menu = { command: string; when?: string };
const menus = packageJson.contributes.menus as Record<string, Menu[]>;
const whenOf = (menu: string, command: string) => menus[menu].find((m) => m.command === command)?.when;

describe('format table and package.json', () => {
  it('every view claims exactly the table\'s file names', () => {
    const selectors = viewSelectors();
    assert.ok(selectors.size >= 4);
    for (const [view, patterns] of selectors) {
      const editor = packageJson.contributes.customEditors.find((e) => e.viewType === view);
      assert.ok(editor, `${view} is a contributed custom editor`);
      assert.deepEqual(editor.selector.map((s) => s.filenamePattern), patterns, view);
      assert.ok(packageJson.activationEvents.includes(`onCustomEditor:${view}`), `activates on ${view}`);
    }
  });

  it('the extension activates in workspaces holding any format the table names', () => {
    const contains = packageJson.activationEvents.filter((a) => a.startsWith('workspaceContains:')).map((a) => a.slice('workspaceContains:**/'.length));
    assert.deepEqual(contains, MODEL_FORMATS.flatMap((f) => f.patterns));
  });

  it('menus offer model commands on exactly the loadable formats', () => {
    const when = modelFileWhen();
    for (const c of ['convlens.profileModel', 'convlens.runProfile', 'convlens.openGraphToSide', 'convlens.selectForCompare']) assert.equal(whenOf('explorer/context', c), when, c);
    assert.equal(whenOf('explorer/context', 'convlens.compareWithSelected'), `convlens.compareSelected && (${when})`);
    assert.equal(whenOf('editor/title', 'convlens.openChangesInConvLens'), `resourceScheme == file && (${when})`);
    assert.equal(whenOf('scm/resourceState/context', 'convlens.openChangesInConvLens'), `scmProvider == git && (${when})`);
    // The clause's regex, as VS Code evaluates it on file names.
    const re = new RegExp(/=~ \/(.*)\/$/.exec(when)![1]);
    for (const name of ['a.onnx', 'net.cnn.yaml', 'net.cnn.yml', 'model.json', 'x.model.json', 'm.h5', 'm.keras']) assert.ok(re.test(name), name);
    for (const name of ['notmodel.json', 'a.yaml', 'w.pth', 'a.onnx.txt']) assert.ok(!re.test(name), name);
  });

  it('README lists every format', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Formats'), readme.indexOf('\n## ', readme.indexOf('## Formats') + 1));
    for (const f of MODEL_FORMATS) for (const p of [...f.patterns, ...f.extensions.map((e) => `.${e}`)]) assert.ok(section.includes(p.replace(/^\*/, '')), `${f.id}: README's Formats section names ${p}`);
  });
});

describe('format table: names', () => {
  it('picks a format, its view and whether the model commands apply', () => {
    assert.equal(formatOfName('/w/resnet.onnx')?.id, 'onnx');
    assert.equal(formatOfName('C:\\w\\net.CNN.YAML')?.id, 'cnn-yaml');
    assert.equal(formatOfName('/w/model.json')?.id, 'tfjs');
    assert.equal(formatOfName('/w/keras-config.json')?.id, 'keras-json');
    assert.equal(formatOfName('/w/ckpt.pth')?.id, 'pytorch');
    assert.equal(formatOfName('/w/settings.yaml'), undefined);
    assert.ok(isModelPath('/w/a.h5') && isModelPath('/w/x.json') && !isModelPath('/w/ckpt.pt') && !isModelPath('/w/readme.md'));
    assert.ok(isCnnYamlName('a.cnn.yml') && !isCnnYamlName('a.yaml'));
    assert.equal(viewTypeFor('/w/a.onnx'), 'convlens.graph');
    assert.equal(viewTypeFor('/w/a.cnn.yaml'), 'convlens.graphDefinition');
    assert.equal(viewTypeFor('/w/model.json'), 'convlens.graphDefinition');
    assert.deepEqual(Object.values(modelFileFilters())[0], ['onnx', 'yaml', 'yml', 'json', 'h5', 'keras']);
  });
});

describe('format table: loaders', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  it('every loadable format without a name pattern is found by content', () => {
    const keras = loadModelBytesSync(bytes(JSON.stringify({ class_name: 'Sequential', config: { layers: [{ class_name: 'InputLayer', config: { batch_input_shape: [null, 8] } }, { class_name: 'Dense', config: { units: 2 } }] } })), 'any-name.json');
    assert.equal(keras.format, 'keras');
  });
  it('says what a JSON file is not, and what an unknown file is not', () => {
    assert.throws(() => loadModelBytesSync(bytes('{"a": 1}'), 'x.json'), (e: unknown) => e instanceof ModelLoadError && /neither a Keras model config/.test(e.message));
    assert.throws(() => loadModelBytesSync(bytes('{"a": '), 'x.json'), (e: unknown) => e instanceof ModelLoadError && /x\.json/.test(e.message));
    assert.throws(() => loadModelBytesSync(bytes('hello'), 'x.bin'), (e: unknown) => e instanceof ModelLoadError && /not a model file ConvLens recognises/.test(e.message));
    assert.throws(() => loadModelBytesSync(new Uint8Array([0xff, 0xfe, 0x80]), 'x.cnn.yaml'), (e: unknown) => e instanceof ModelLoadError && /not UTF-8/.test(e.message));
  });
});

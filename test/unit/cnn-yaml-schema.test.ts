/**
 * media/cnn-yaml.schema.json, the JSON Schema the YAML extension validates
 * `*.cnn.yaml` with: generated from the Keras layer table and kept current,
 * accepting every bundled definition and flagging the usual typos.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { cnnYamlSchema, untypedArguments } from '../../src/core/keras/schema';
import { LAYERS } from '../../src/core/keras/layers';
import { parseCnnYaml } from '../../src/core/loaders/cnn-yaml';
import { definitionToModel } from '../../src/core/loaders/cnn-yaml-model';

const ROOT = resolve(__dirname, '../..');
const SCHEMA_FILE = join(ROOT, 'media', 'cnn-yaml.schema.json');
/** What these tests read of the committed schema. */
type SchemaFile = {
  $schema: string;
  definitions: Record<string, unknown> & { item: { anyOf: { properties: Record<string, unknown> }[] } };
};
const committed = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as SchemaFile;
const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(committed);
const valid = (text: string) => validate(parse(text));

describe('cnn.yaml JSON Schema', () => {
  it('the committed media/cnn-yaml.schema.json is the generated one', () => {
    assert.deepEqual(committed, JSON.parse(JSON.stringify(cnnYamlSchema())),
      'media/cnn-yaml.schema.json is out of date: run `node --import tsx scripts/gen-cnn-yaml-schema.ts`');
  });

  it('is draft-07 and lists every layer class of the table, plus the three blocks', () => {
    assert.equal(committed.$schema, 'http://json-schema.org/draft-07/schema#');
    const classes = Object.keys(committed.definitions.item.anyOf[1].properties).sort();
    assert.deepEqual(classes, [...Object.keys(LAYERS), 'Branches', 'Repeat', 'Residual'].sort());
  });

  it('every argument of every layer has a type', () => {
    assert.deepEqual(untypedArguments(), []);
  });

  it('every bundled examples/*.cnn.yaml validates', () => {
    const files = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.cnn.yaml'));
    assert.ok(files.length >= 6);
    for (const f of files) assert.ok(valid(readFileSync(join(ROOT, 'examples', f), 'utf8')), `${f}: ${JSON.stringify(validate.errors)}`);
  });

  it('accepts the short forms: `- Flatten`, `- BatchNormalization:`, `Residual: [...]`, `Branches: [[...], [...]]`', () => {
    assert.ok(valid(`input: [8, 8, 3]
layers:
  - BatchNormalization:
  - Residual: [Conv2D: {filters: 3, kernel_size: 3, padding: same, kernel_initializer: he_normal}]
  - Branches: [[MaxPooling2D], [AveragePooling2D: {pool_size: [2, 2], strides: null}]]
  - ZeroPadding2D: {padding: [[0, 1], [0, 1]]}
  - Flatten
  - Dense: {units: 10, activation: softmax, name: out, trainable: false}
`), JSON.stringify(validate.errors));
  });

  const broken: [string, string][] = [
    ['an unknown argument (filter for filters)', 'input: [8, 8, 3]\nlayers:\n  - Conv2D: {filter: 4, kernel_size: 3}\n'],
    ['padding: \'smae\'', 'input: [8, 8, 3]\nlayers:\n  - Conv2D: {filters: 4, kernel_size: 3, padding: smae}\n'],
    ['a Residual without layers', 'input: [8, 8, 3]\nlayers:\n  - Residual: {shortcut: [Conv2D: {filters: 4, kernel_size: 1}]}\n'],
    ['an unknown layer class (Conv2d)', 'input: [8, 8, 3]\nlayers:\n  - Conv2d: {filters: 4, kernel_size: 3}\n'],
    ['an unknown activation (rleu)', 'input: [8, 8, 3]\nlayers:\n  - Conv2D: {filters: 4, kernel_size: 3, activation: rleu}\n'],
    ['Conv2D without filters', 'input: [8, 8, 3]\nlayers:\n  - Conv2D: {kernel_size: 3}\n'],
    ['a kernel_size of three numbers for Conv2D', 'input: [8, 8, 3]\nlayers:\n  - Conv2D: {filters: 4, kernel_size: [3, 3, 3]}\n'],
    ['Repeat without times', 'input: [8, 8, 3]\nlayers:\n  - Repeat: {layers: [Flatten]}\n'],
    ['Branches with one branch', 'input: [8, 8, 3]\nlayers:\n  - Branches: [[Flatten]]\n'],
    ['two layers in one item', 'input: [8, 8, 3]\nlayers:\n  - {Flatten: {}, Dropout: {rate: 0.5}}\n'],
    ['no input', 'layers:\n  - Flatten\n'],
  ];
  for (const [what, text] of broken) {
    it(`flags ${what}`, () => assert.equal(valid(text), false));
  }

  it('the loader agrees: the arguments the schema allows besides a layer\'s own are no unknown argument', () => {
    const common = Object.keys(committed.definitions).filter((k) => k.startsWith('common.') && k !== 'common.name').map((k) => k.slice(7));
    const samples: Record<string, unknown> = {
      trainable: true, dtype: 'float32', input_shape: [8, 8, 3], batch_input_shape: [null, 8, 8, 3], batch_size: 1,
      input_dim: 3, autocast: true, data_format: 'channels_last', seed: 1,
    };
    assert.deepEqual(common.sort(), Object.keys(samples).sort());
    const args = { rate: 0.5, ...samples, kernel_regularizer: null, bias_constraint: null };
    const text = `input: [8, 8, 3]\nlayers:\n  - Dropout: ${JSON.stringify(args)}\n`;
    assert.ok(valid(text), JSON.stringify(validate.errors));
    assert.deepEqual(definitionToModel(parseCnnYaml(text).definition!).problems, []);
  });
});

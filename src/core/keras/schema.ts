/**
 * The JSON Schema (draft-07, which the Red Hat YAML extension reads) of
 * `*.cnn.yaml` definitions, generated from the layer table so the editor
 * completes layer classes and arguments and flags typos: every layer class
 * of `LAYERS` with its known arguments (`additionalProperties: false`),
 * their types where Keras fixes them (keras.io/api/layers), and the
 * Residual / Branches / Repeat blocks of loaders/cnn-yaml.ts.
 * Written to media/cnn-yaml.schema.json by scripts/gen-cnn-yaml-schema.ts.
 */
import { KERAS_ACTIVATIONS, LAYERS } from './layers';

type Schema = Record<string, unknown>;

/**
 * Arguments every layer accepts without changing its structure: Args's
 * COMMON set and suffixes (keras/args.ts), repeated here with their types.
 */
const COMMON_ARGS: Record<string, Schema> = {
  trainable: { type: 'boolean', description: 'Whether the weights are trained (no effect on counts here).' },
  dtype: { type: 'string', description: 'Keras dtype policy, e.g. float32 (the profile assumes float32).' },
  input_shape: { type: 'array', items: { type: ['integer', 'null'] }, description: 'Keras input shape; the definition\'s `input` gives it here.' },
  batch_input_shape: { type: 'array', items: { type: ['integer', 'null'] }, description: 'Keras batch input shape; the definition\'s `input` gives it here.' },
  batch_size: { type: ['integer', 'null'], minimum: 1, description: 'Keras batch size (profile with --batch instead).' },
  input_dim: { type: 'integer', minimum: 1, description: 'Keras input dimension; the definition\'s `input` gives it here.' },
  autocast: { type: 'boolean', description: 'Keras autocast (no effect here).' },
  data_format: { type: 'string', enum: ['channels_last'], description: 'Definitions are channels-last (height, width, channels).' },
  seed: { type: ['integer', 'null'], description: 'Random seed (no effect here).' },
};
const COMMON_PATTERN = '_(initializer|regularizer|constraint)$';

const rankOf = (layer: string) => Number(/([123])D/.exec(layer)?.[1] ?? 2);
const int = (description: string, minimum = 1): Schema => ({ type: 'integer', minimum, description });
const num = (description: string): Schema => ({ type: 'number', description });
const bool = (description: string): Schema => ({ type: 'boolean', description });
const tuple = (rank: number, description: string, minimum = 1): Schema => ({
  description,
  anyOf: [
    { type: 'integer', minimum },
    { type: 'array', items: { type: 'integer', minimum }, minItems: rank, maxItems: rank },
  ],
});
const orNull = (s: Schema): Schema => ({ description: s.description, anyOf: [{ ...s, description: undefined }, { type: 'null' }].map(strip) });
const strip = (s: Schema): Schema => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined));
/** ZeroPadding2D / Cropping2D amounts: n, [h, w] or [[top, bottom], [left, right]]. */
const amounts = (description: string): Schema => ({
  description,
  anyOf: [
    { type: 'integer', minimum: 0 },
    { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 2, maxItems: 2 },
    { type: 'array', items: { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 2, maxItems: 2 }, minItems: 2, maxItems: 2 },
  ],
});

/** The schema of argument `arg` of `layer`; undefined where no type is known (a gap the tests report). */
function argSchema(layer: string, arg: string): Schema | undefined {
  const rank = rankOf(layer);
  const pool = /Pooling/.test(layer);
  switch (arg) {
    case 'filters': return int('Number of output channels.');
    case 'kernel_size': return tuple(rank, `Window size: an integer or ${rank} integers.`);
    case 'strides': return pool
      ? orNull(tuple(rank, 'Step of the window; default (null): pool_size.'))
      : tuple(rank, 'Step of the window (default 1).');
    case 'pool_size': return tuple(rank, 'Pooling window (default 2).');
    case 'padding':
      if (layer === 'ZeroPadding2D') return amounts('Zeros added: n, [height, width] or [[top, bottom], [left, right]] (default 1).');
      return { type: 'string', enum: layer === 'Conv1D' ? ['valid', 'same', 'causal'] : ['valid', 'same'], description: '`valid` (no padding, the default) or `same` (output size = ceil(input / stride)).' };
    case 'cropping': return amounts('Rows and columns removed: n, [height, width] or [[top, bottom], [left, right]].');
    case 'dilation_rate': return tuple(rank, 'Spacing between kernel taps (default 1).');
    case 'groups': return int('Channel groups; must divide the input channels and filters (default 1).');
    case 'depth_multiplier': return int('Depthwise filters per input channel (default 1).');
    case 'output_padding': return orNull(tuple(rank, 'Extra rows/columns on one side of the output (default null).', 0));
    case 'activation': return { type: ['string', 'null'], enum: [...KERAS_ACTIVATIONS, null], description: 'Activation applied after the layer (default linear: none).' };
    case 'use_bias': return bool('Whether the layer adds a bias (default true).');
    case 'keepdims': return bool('Keep the pooled 1×1 spatial dimensions (default false).');
    case 'units': return int('Number of outputs.');
    case 'axis': return { type: 'integer', description: 'Axis, channels-last; only -1 (the channels) for normalisation (default -1).' };
    case 'momentum': return num('Moving statistics momentum (default 0.99).');
    case 'epsilon': return { type: 'number', exclusiveMinimum: 0, description: 'Added to the variance (default 0.001).' };
    case 'center': return bool('Learn an offset beta (default true).');
    case 'scale': return layer === 'Rescaling' ? num('Factor the input is multiplied by, e.g. 0.00392156862745098 (1/255).') : bool('Learn a factor gamma (default true).');
    case 'offset': return num('Added after scaling (default 0).');
    case 'max_value': return orNull({ type: 'number', minimum: 0, description: 'Upper bound: 6 for ReLU6 (default null: none).' });
    case 'negative_slope': return num(layer === 'LeakyReLU' ? 'Slope for x < 0 (default 0.3).' : 'Slope for x < 0 (default 0).');
    case 'threshold': return num('Values below it are zeroed (default 0; only 0 is supported).');
    case 'alpha': return num(layer === 'LeakyReLU' ? 'Keras 2 name of negative_slope (default 0.3).' : 'Scale for x < 0 (default 1).');
    case 'shared_axes': return orNull({ description: 'Axes (1 = height, 2 = width, 3 = channels) sharing one alpha.', anyOf: [{ type: 'integer', minimum: 1 }, { type: 'array', items: { type: 'integer', minimum: 1 } }] });
    case 'rate': return { type: 'number', minimum: 0, maximum: 1, description: 'Fraction of inputs dropped in training (no effect on inference).' };
    case 'noise_shape': return orNull({ type: 'array', items: { type: ['integer', 'null'] }, description: 'Shape of the dropout mask.' });
    case 'stddev': return { type: 'number', minimum: 0, description: 'Standard deviation of the noise (training only).' };
    case 'target_shape': return { type: 'array', items: { type: 'integer', minimum: -1, not: { const: 0 } }, minItems: 1, description: 'Output shape without the batch, channels-last; one dimension may be -1.' };
    case 'size': return tuple(2, 'Upsampling factors for rows and columns (default 2).');
    case 'interpolation': return { type: 'string', enum: ['nearest', 'bilinear'], description: 'Interpolation (default nearest).' };
    default: return undefined;
  }
}

/** Arguments a layer cannot do without (Args.int / Args.tuple without a fallback, or an explicit check). */
function requiredArgs(layer: string, args: readonly string[]): string[] {
  const explicit: Record<string, string[]> = { Dense: ['units'], Activation: ['activation'], Reshape: ['target_shape'], Rescaling: ['scale'] };
  if (explicit[layer]) return explicit[layer];
  return ['filters', 'kernel_size'].filter((a) => args.includes(a));
}

const LAYER_DOCS: [RegExp, string][] = [
  [/^Conv[123]D$/, 'Convolution (keras.layers.{layer}).'],
  [/Transpose$/, 'Transposed convolution (keras.layers.{layer}).'],
  [/^DepthwiseConv2D$/, 'Depthwise convolution: one k×k filter per input channel (keras.layers.DepthwiseConv2D).'],
  [/^SeparableConv2D$/, 'Depthwise convolution then a 1×1 pointwise convolution (keras.layers.SeparableConv2D).'],
  [/^Global/, 'Pools each channel over all positions: [H, W, C] → [C] (keras.layers.{layer}).'],
  [/Pooling/, 'Pooling over a sliding window (keras.layers.{layer}).'],
  [/Normalization$/, 'Normalisation over the channel axis (keras.layers.{layer}); BatchNormalization counts 4·C parameters as Keras does.'],
  [/Dropout|Noise/, 'Regularisation active in training only: an identity here (keras.layers.{layer}).'],
];

function layerDescription(layer: string): string {
  const doc = LAYER_DOCS.find(([re]) => re.test(layer))?.[1] ?? 'keras.layers.{layer}.';
  return doc.replace('{layer}', layer);
}

/** Every layer argument without a known type, as `Layer.arg` (none expected). */
export function untypedArguments(): string[] {
  return Object.entries(LAYERS).flatMap(([layer, def]) => def.args.filter((a) => !argSchema(layer, a)).map((a) => `${layer}.${a}`));
}

function layerArgs(layer: string, args: readonly string[]): Schema {
  const required = requiredArgs(layer, args);
  const properties: Record<string, Schema> = { name: { $ref: '#/definitions/common.name' } };
  for (const a of args) properties[a] = argSchema(layer, a) ?? { description: `Argument ${a} of keras.layers.${layer}.` };
  for (const a of Object.keys(COMMON_ARGS)) properties[a] ??= { $ref: `#/definitions/common.${a}` };
  const out: Schema = {
    type: required.length ? 'object' : ['object', 'null'],
    description: layerDescription(layer),
    properties,
    patternProperties: { [COMMON_PATTERN]: { description: 'Initializers, regularizers and constraints do not change the structure.' } },
    additionalProperties: false,
  };
  if (required.length) out.required = required;
  return out;
}

export function cnnYamlSchema(): Schema {
  const layers = Object.keys(LAYERS).sort();
  const ref = (name: string) => ({ $ref: `#/definitions/${name}` });
  const blockName = { type: 'string', minLength: 1, description: 'Block name (scopes its layers\' names).' };
  const branchList = { type: 'array', minItems: 2, items: ref('layers'), description: 'Two or more lists of layers, each applied to the block\'s input.' };
  const classes: Record<string, Schema> = {};
  for (const l of layers) classes[l] = layerArgs(l, LAYERS[l].args);
  classes.Residual = {
    description: 'Residual block: its layers, plus its shortcut (identity when absent) from the block\'s input, then Add (He et al. 2016).',
    anyOf: [
      ref('layers'),
      {
        type: 'object',
        properties: {
          layers: { ...ref('layers'), description: 'The main path.' },
          shortcut: { ...ref('layers'), description: 'Projection applied to the block\'s input before the add, e.g. a 1×1 Conv2D with strides 2.' },
          name: blockName,
        },
        required: ['layers'],
        additionalProperties: false,
      },
    ],
  };
  classes.Branches = {
    description: 'Parallel branches on the same input, concatenated on channels (an inception module, Szegedy et al. 2015).',
    anyOf: [
      branchList,
      { type: 'object', properties: { branches: branchList, name: blockName }, required: ['branches'], additionalProperties: false },
    ],
  };
  classes.Repeat = {
    description: 'Its layers, `times` times in sequence.',
    type: 'object',
    properties: { times: { type: 'integer', minimum: 1, description: 'How many copies.' }, layers: ref('layers'), name: blockName },
    required: ['times', 'layers'],
    additionalProperties: false,
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'ConvLens model definition (*.cnn.yaml)',
    description: 'A CNN as a list of Keras layers: `input: [H, W, C]` and `layers:`, each `- LayerClass: {arguments}`. Generated by scripts/gen-cnn-yaml-schema.ts from src/core/keras; do not edit.',
    type: 'object',
    properties: {
      name: { type: 'string', description: 'Model name.' },
      description: { type: 'string', description: 'Free text.' },
      input: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, description: 'Input shape without the batch, channels last: [height, width, channels].' },
      layers: ref('layers'),
    },
    required: ['input', 'layers'],
    additionalProperties: false,
    definitions: {
      layers: { type: 'array', items: ref('item'), description: 'Layers applied in order.' },
      'common.name': { type: 'string', minLength: 1, description: 'Layer name (default: Keras\'s, e.g. conv2d_1).' },
      ...Object.fromEntries(Object.entries(COMMON_ARGS).map(([a, s]) => [`common.${a}`, s])),
      item: {
        description: 'One layer `LayerClass: {arguments}` (or just `LayerClass` when it needs none), or a Residual, Branches or Repeat block.',
        anyOf: [
          { type: 'string', enum: layers.filter((l) => requiredArgs(l, LAYERS[l].args).length === 0) },
          { type: 'object', properties: classes, minProperties: 1, maxProperties: 1, additionalProperties: false },
        ],
      },
    },
  };
}

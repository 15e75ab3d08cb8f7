/**
 * Keras and TF.js model files written by real writers, as external
 * references for the loaders: TF.js itself (`@tensorflow/tfjs`: its
 * `model.save` artifacts and `model.toJSON()` Keras JSON, its
 * `countParams()` and layer `outputShape`s), fflate for `.keras` zips (the
 * layout of keras/src/saving/saving_lib.py) and h5wasm for legacy `.h5`
 * files (the `model_config` root attribute of legacy_h5_format.py).
 */
import * as tf from '@tensorflow/tfjs';
import { strToU8, zipSync } from 'fflate';

export type Json = Record<string, unknown>;

export interface TfjsSaved {
  /** model.json as TF.js writes it (tfjs-core io_utils getModelJSONForModelArtifacts). */
  modelJson: Json;
  /** The weight shard the manifest points to. */
  weights: Uint8Array;
  shardName: string;
}

/** Saves a TF.js model through a save handler: the exact artifacts `model.save()` writes. */
export async function saveTfjs(model: tf.LayersModel, shardName = 'group1-shard1of1.bin'): Promise<TfjsSaved> {
  let saved: TfjsSaved | undefined;
  await model.save(tf.io.withSaveHandler((a) => {
    const data = a.weightData;
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(tf.io.concatenateArrayBuffers(data ?? []));
    saved = {
      modelJson: {
        modelTopology: a.modelTopology,
        format: a.format,
        generatedBy: a.generatedBy,
        convertedBy: a.convertedBy ?? null,
        weightsManifest: [{ paths: [shardName], weights: a.weightSpecs }],
      },
      weights: bytes,
      shardName,
    };
    return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
  }));
  return saved!;
}

/** The Keras JSON TF.js writes for a model (`model.to_json()` format, Keras 2 style). */
export const kerasJsonOf = (model: tf.LayersModel): Json => model.toJSON(null, false) as Json;

/** TF.js's own answers: parameter count and each layer's output shape (channels-last, batch null). */
export function tfjsReference(model: tf.LayersModel): { params: number; shapes: Map<string, unknown> } {
  return { params: model.countParams(), shapes: new Map(model.layers.map((l) => [l.name, l.outputShape])) };
}

/** A `.keras` archive: config.json, metadata.json and an (empty) weights entry, as saving_lib lays them out. */
export function kerasArchive(config: unknown, extra: Record<string, Uint8Array> = {}): Uint8Array {
  return zipSync({
    'metadata.json': strToU8(JSON.stringify({ keras_version: '3.3.3', date_saved: '2024-05-01@12:00:00' })),
    'config.json': strToU8(JSON.stringify(config)),
    'model.weights.h5': new Uint8Array(0),
    ...extra,
  });
}

const importH5wasm = () => import('h5wasm/node');
type H5wasm = Awaited<ReturnType<typeof importH5wasm>>;
let h5: Promise<H5wasm> | undefined;
function hdf5(): Promise<H5wasm> {
  h5 ??= importH5wasm().then(async (m) => {
    await m.ready;
    return m;
  });
  return h5;
}

/**
 * Writes a legacy Keras `.h5` to `path` with h5wasm. `config` undefined: a
 * weights-only file (`model.save_weights`: layer_names, no model_config).
 * `fixedLength`: h5py's form for `json.dumps(…).encode("utf8")` (a fixed-length
 * byte string), else a variable-length string.
 */
export async function writeKerasH5(path: string, config: unknown, fixedLength = true): Promise<void> {
  await writeKerasH5Text(path, config === undefined ? undefined : JSON.stringify(config), fixedLength);
}

/** `writeKerasH5` with the model_config text as given (it may hold literals JSON.stringify cannot write). */
export async function writeKerasH5Text(path: string, configText: string | undefined, fixedLength = true): Promise<void> {
  const lib = await hdf5();
  const f = new lib.File(path, 'w');
  try {
    f.create_attribute('keras_version', '2.15.0');
    f.create_attribute('backend', 'tensorflow');
    const g = f.create_group('model_weights');
    g.create_attribute('layer_names', ['dense']);
    g.create_dataset({ name: 'dense_kernel', data: new Float32Array(12), shape: [3, 4] });
    if (configText !== undefined) {
      if (fixedLength) f.create_attribute('model_config', configText, null, `A${Math.max(1, Buffer.byteLength(configText))}`);
      else f.create_attribute('model_config', configText);
    }
  } finally {
    f.close();
  }
}

// TF.js reference models (channels-last, as Keras).

/** A small sequential CNN over most single-input layer kinds. */
export function tfjsSequentialCnn(): tf.Sequential {
  return tf.sequential({
    name: 'small_cnn',
    layers: [
      tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.batchNormalization({}),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }),
      tf.layers.separableConv2d({ filters: 16, kernelSize: 3, strides: 2, activation: 'relu' }),
      tf.layers.zeroPadding2d({ padding: 1 }),
      tf.layers.averagePooling2d({ poolSize: 2, strides: 1 }),
      tf.layers.conv2d({ filters: 12, kernelSize: 1, useBias: false }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 32, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

/** A functional model: two branches concatenated, a residual add, global pooling, a dense head. */
export function tfjsFunctionalCnn(): tf.LayersModel {
  const x = tf.input({ shape: [24, 24, 3], name: 'image' });
  const stem = tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', name: 'stem' }).apply(x) as tf.SymbolicTensor;
  const a = tf.layers.conv2d({ filters: 8, kernelSize: 1, name: 'branch_a' }).apply(stem) as tf.SymbolicTensor;
  const b = tf.layers.separableConv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'branch_b' }).apply(stem) as tf.SymbolicTensor;
  const cat = tf.layers.concatenate({ name: 'cat' }).apply([a, b]) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(cat) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'residual' }).apply([bn, stem]) as tf.SymbolicTensor;
  const act = tf.layers.activation({ activation: 'relu', name: 'relu' }).apply(sum) as tf.SymbolicTensor;
  const pool = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(act) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 5, name: 'logits' }).apply(pool) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: out, name: 'branchy' });
}

/** A layer called twice (shared weights) and a nested Sequential used as a layer. */
export function tfjsSharedAndNested(): tf.LayersModel {
  const inner = tf.sequential({
    name: 'inner_block',
    layers: [
      tf.layers.conv2d({ inputShape: [16, 16, 4], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }),
    ],
  });
  const x = tf.input({ shape: [16, 16, 4], name: 'x' });
  const shared = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'shared_conv' });
  const y1 = shared.apply(x) as tf.SymbolicTensor;
  const y2 = shared.apply(y1) as tf.SymbolicTensor;
  const z = inner.apply(y2) as tf.SymbolicTensor;
  const out = tf.layers.globalMaxPooling2d({ name: 'gmp' }).apply(z) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: out, name: 'shared_nested' });
}

// Hand-written Keras configs. Keras 3 pieces, copied in form from a `config.json` that Keras 3.3 writes.
const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const init = (cls: string) => ({ module: 'keras.initializers', class_name: cls, config: cls === 'Zeros' || cls === 'Ones' ? {} : { seed: null }, registered_name: null });
export const keras3Layer = (cls: string, config: Json, extra: Json = {}): Json => ({
  module: 'keras.layers', class_name: cls, config: { trainable: true, dtype: policy, ...config }, registered_name: null, ...extra,
});
export const keras3Tensor = (shape: (number | null)[], layer: string, node = 0) => ({
  class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: [layer, node, 0] },
});
const conv3 = (name: string, filters: number, kernel: number, extra: Json = {}) => keras3Layer('Conv2D', {
  name, filters, kernel_size: [kernel, kernel], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1,
  activation: 'linear', use_bias: false, kernel_initializer: init('GlorotUniform'), bias_initializer: init('Zeros'),
  kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null, ...extra,
});
const bn3 = (name: string) => keras3Layer('BatchNormalization', {
  name, axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true, beta_initializer: init('Zeros'), gamma_initializer: init('Ones'),
  moving_mean_initializer: init('Zeros'), moving_variance_initializer: init('Ones'), beta_regularizer: null, gamma_regularizer: null,
  beta_constraint: null, gamma_constraint: null, synchronized: false,
});

/** The Keras "simple MNIST convnet" example (keras.io/examples/vision/mnist_convnet) as Keras 3 saves it: 34,826 params. */
export function kerasMnistSequential(): Json {
  const pool = (name: string) => keras3Layer('MaxPooling2D', { name, pool_size: [2, 2], padding: 'valid', strides: [2, 2], data_format: 'channels_last' });
  return {
    module: 'keras', class_name: 'Sequential', registered_name: null,
    config: {
      name: 'sequential', trainable: true, dtype: policy,
      layers: [
        { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 28, 28, 1], dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null },
        conv3('conv2d', 32, 3, { padding: 'valid', activation: 'relu', use_bias: true }), // 3·3·1·32 + 32 = 320
        pool('max_pooling2d'),
        conv3('conv2d_1', 64, 3, { padding: 'valid', activation: 'relu', use_bias: true }), // 3·3·32·64 + 64 = 18,496
        pool('max_pooling2d_1'),
        keras3Layer('Flatten', { name: 'flatten', data_format: 'channels_last' }),
        keras3Layer('Dropout', { name: 'dropout', rate: 0.5, seed: null, noise_shape: null }),
        keras3Layer('Dense', { name: 'dense', units: 10, activation: 'softmax', use_bias: true, kernel_initializer: init('GlorotUniform'), bias_initializer: init('Zeros'),
          kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null, lora_rank: null }), // 1600·10 + 10 = 16,010
      ],
      build_input_shape: [null, 28, 28, 1],
    },
    build_config: { input_shape: [null, 28, 28, 1] },
    compile_config: { optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] },
  };
}

/**
 * A ResNet basic block, Keras 3 functional form: 4,906 params.
 * conv1 3·3·16·16 = 2,304; bn1 4·16 = 64; conv2 2,304; bn2 64; add; relu; GAP; dense 16·10 + 10 = 170.
 */
export function kerasResBlockFunctional(): Json {
  const s = [null, 32, 32, 16];
  const call = (...args: unknown[]) => [{ args, kwargs: {} }];
  const layers = [
    { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: s, dtype: 'float32', sparse: false, name: 'image' }, registered_name: null, name: 'image', inbound_nodes: [] },
    { ...conv3('conv1', 16, 3), name: 'conv1', build_config: { input_shape: s }, inbound_nodes: call(keras3Tensor(s, 'image')) },
    { ...bn3('bn1'), name: 'bn1', inbound_nodes: [{ args: [keras3Tensor(s, 'conv1')], kwargs: { training: false, mask: null } }] },
    { ...keras3Layer('Activation', { name: 'relu1', activation: 'relu' }), name: 'relu1', inbound_nodes: call(keras3Tensor(s, 'bn1')) },
    { ...conv3('conv2', 16, 3), name: 'conv2', inbound_nodes: call(keras3Tensor(s, 'relu1')) },
    { ...bn3('bn2'), name: 'bn2', inbound_nodes: call(keras3Tensor(s, 'conv2')) },
    { ...keras3Layer('Add', { name: 'add' }), name: 'add', inbound_nodes: call([keras3Tensor(s, 'bn2'), keras3Tensor(s, 'image')]) },
    { ...keras3Layer('ReLU', { name: 're_lu', max_value: null, negative_slope: 0.0, threshold: 0.0 }), name: 're_lu', inbound_nodes: call(keras3Tensor(s, 'add')) },
    { ...keras3Layer('GlobalAveragePooling2D', { name: 'gap', data_format: 'channels_last', keepdims: false }), name: 'gap', inbound_nodes: call(keras3Tensor(s, 're_lu')) },
    { ...keras3Layer('Dense', { name: 'logits', units: 10, activation: 'linear', use_bias: true, lora_rank: null }), name: 'logits', inbound_nodes: call(keras3Tensor([null, 16], 'gap')) },
  ];
  return {
    module: 'keras.src.models.functional', class_name: 'Functional', registered_name: 'Functional',
    config: { name: 'res_block', trainable: true, layers, input_layers: ['image', 0, 0], output_layers: ['logits', 0, 0] },
    build_config: { input_shape: null },
  };
}

/**
 * A projection ResNet block in tf.keras 2 form (`batch_input_shape`,
 * `inbound_nodes: [[[name, 0, 0, {}]]]`, BatchNormalization axis `[3]`): 15,050 params.
 * conv_a 3·3·16·32 = 4,608; bn_a 128; conv_b 3·3·32·32 = 9,216; bn_b 128;
 * shortcut 1·1·16·32 = 512; bn_s 128; dense 32·10 + 10 = 330.
 */
export function keras2ProjectionBlock(): Json {
  const k2 = (cls: string, name: string, config: Json, inputs: string[]): Json => ({
    class_name: cls, config: { name, trainable: true, dtype: 'float32', ...config }, name, inbound_nodes: [inputs.map((i) => [i, 0, 0, {}])],
  });
  const conv = (name: string, filters: number, k: number, strides: number, input: string) => k2('Conv2D', name, {
    filters, kernel_size: [k, k], strides: [strides, strides], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1,
    activation: 'linear', use_bias: false, kernel_initializer: { class_name: 'HeNormal', config: { seed: null } }, kernel_regularizer: null,
  }, [input]);
  const bn = (name: string, input: string) => k2('BatchNormalization', name, { axis: [3], momentum: 0.99, epsilon: 0.001, center: true, scale: true }, [input]);
  return {
    class_name: 'Functional', keras_version: '2.15.0', backend: 'tensorflow',
    config: {
      name: 'projection_block',
      layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, 32, 32, 16], dtype: 'float32', sparse: false, ragged: false, name: 'input_1' }, name: 'input_1', inbound_nodes: [] },
        conv('conv_a', 32, 3, 2, 'input_1'), bn('bn_a', 'conv_a'), k2('Activation', 'relu_a', { activation: 'relu' }, ['bn_a']),
        conv('conv_b', 32, 3, 1, 'relu_a'), bn('bn_b', 'conv_b'),
        conv('shortcut', 32, 1, 2, 'input_1'), bn('bn_s', 'shortcut'),
        k2('Add', 'add', {}, ['bn_b', 'bn_s']), k2('Activation', 'relu_out', { activation: 'relu' }, ['add']),
        k2('GlobalAveragePooling2D', 'gap', { data_format: 'channels_last', keepdims: false }, ['relu_out']),
        k2('Dense', 'dense', { units: 10, activation: 'softmax', use_bias: true }, ['gap']),
      ],
      input_layers: [['input_1', 0, 0]],
      output_layers: [['dense', 0, 0]],
    },
  };
}

export { tf };

/**
 * A legacy Keras `.h5` with weights, laid out as keras/src/legacy/saving/
 * legacy_h5_format.py writes `model.save("m.h5")`: `model_config`, and under
 * `model_weights` the attribute `layer_names`, a group per layer with the
 * attribute `weight_names`, and each weight as a dataset at `<layer>/<weight name>`
 * (`edge_conv/edge_conv/kernel:0`).
 */
export async function writeKerasH5WithWeights(path: string, config: unknown, layers: { name: string; weights: { name: string; shape: number[]; values: Float32Array }[] }[]): Promise<void> {
  const lib = await hdf5();
  const f = new lib.File(path, 'w');
  try {
    f.create_attribute('keras_version', '2.15.0');
    f.create_attribute('backend', 'tensorflow');
    const text = JSON.stringify(config);
    f.create_attribute('model_config', text, null, `A${Buffer.byteLength(text)}`);
    const root = f.create_group('model_weights');
    root.create_attribute('layer_names', layers.map((l) => l.name));
    for (const layer of layers) {
      const g = root.create_group(layer.name);
      g.create_attribute('weight_names', layer.weights.map((w) => w.name));
      for (const w of layer.weights) {
        const parts = w.name.split('/');
        let parent = g;
        for (const p of parts.slice(0, -1)) parent = (parent.get(p) as typeof g | null) ?? parent.create_group(p);
        parent.create_dataset({ name: parts[parts.length - 1], data: w.values, shape: w.shape });
      }
    }
  } finally {
    f.close();
  }
}

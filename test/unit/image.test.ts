/** Images as model inputs, and layer outputs as previews: checked against values worked out by hand. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeImage, encodePng, ImageError, type RgbaImage } from '../../src/core/image/decode';
import { inputLayout, PRESETS, preprocessImage, preprocessProblem, resizeImage, type PreprocessSpec } from '../../src/core/image/preprocess';
import { reduceFeatureMap, topClasses, parseLabels } from '../../src/core/image/feature-maps';
import { SAMPLES } from '../../src/core/image/samples';
import { channelOrder, parseNumbers, receptiveBox } from '../../webview/panels/feature-map-images';

const ROOT = resolve(__dirname, '../..');

/** A 4×4 image: R = 16·(4y + x), G = 255 − R, B = 100. */
function image4(): RgbaImage {
  const data = new Uint8Array(4 * 4 * 4);
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 4; x++) {
      const i = (y * 4 + x) * 4;
      data[i] = 16 * (4 * y + x);
      data[i + 1] = 255 - data[i];
      data[i + 2] = 100;
      data[i + 3] = 255;
    }
  }
  return { width: 4, height: 4, data };
}

const close = (a: ArrayLike<number>, b: readonly number[], eps = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) < eps, `[${i}] ${a[i]} vs ${b[i]}`);
};

describe('preprocessing (bilinear, half-pixel centres; (pixel·scale − mean)/std)', () => {
  it('a 4×4 image stretched to 2×2: each output pixel is the mean of a 2×2 block; ImageNet normalization; NCHW', () => {
    // Output (x, y) samples the source at ((x + ½)·2 − ½, …) = (0.5 or 2.5): the mean of a 2×2 block.
    // R blocks: (0+16+64+80)/4 = 40, (32+48+96+112)/4 = 72, (128+144+192+208)/4 = 168, (160+176+224+240)/4 = 200.
    const spec: PreprocessSpec = { resize: 'stretch', channelOrder: 'RGB', ...PRESETS.imagenet };
    const p = preprocessImage(image4(), { layout: 'NCHW', channels: 3, height: 2, width: 2 }, spec);
    assert.deepEqual(p.dims, [1, 3, 2, 2]);
    const R = [40, 72, 168, 200];
    const G = R.map((r) => 255 - r);
    const norm = (v: number, c: number) => (v / 255 - [0.485, 0.456, 0.406][c]) / [0.229, 0.224, 0.225][c];
    close(p.data, [...R.map((v) => norm(v, 0)), ...G.map((v) => norm(v, 1)), ...[100, 100, 100, 100].map((v) => norm(v, 2))]);
    assert.deepEqual([...p.shown.rgb.slice(0, 3)], [40, 215, 100]);
  });

  it('BGR order, NHWC layout, [-1, 1] scaling', () => {
    const spec: PreprocessSpec = { resize: 'stretch', channelOrder: 'BGR', ...PRESETS.symmetric };
    const p = preprocessImage(image4(), { layout: 'NHWC', channels: 3, height: 2, width: 2 }, spec);
    assert.deepEqual(p.dims, [1, 2, 2, 3]);
    // Pixel (0, 0): B, G, R = 100, 215, 40 → v/127.5 − 1.
    close(p.data.slice(0, 3), [100 / 127.5 - 1, 215 / 127.5 - 1, 40 / 127.5 - 1]);
  });

  it('shorter side then centre crop: a 4×2 image to 2×2 keeps columns 1 and 2; one channel is BT.601 luma', () => {
    const wide: RgbaImage = { width: 4, height: 2, data: image4().data.slice(0, 4 * 2 * 4) };
    const shown = resizeImage(wide, 2, 2, 'crop');
    // Scale 1 (the height is already 2), crop offset round((4 − 2)/2) = 1.
    assert.deepEqual([...shown.rgb.filter((_, i) => i % 3 === 0)], [16, 32, 80, 96]);
    const p = preprocessImage(wide, { layout: 'NCHW', channels: 1, height: 2, width: 2 }, { resize: 'crop', channelOrder: 'RGB', ...PRESETS.raw });
    close(p.data, [16, 32, 80, 96].map((r) => 0.299 * r + 0.587 * (255 - r) + 0.114 * 100), 1e-3);
  });

  it('the image input and its layout come from the model\'s input shape', () => {
    assert.deepEqual(inputLayout([1, 3, 224, 224]), { layout: 'NCHW', channels: 3, height: 224, width: 224 });
    assert.deepEqual(inputLayout(['N', 224, 224, 3]), { layout: 'NHWC', channels: 3, height: 224, width: 224 });
    assert.deepEqual(inputLayout([1, 3, 3, 3], 'NHWC')?.layout, 'NHWC');
    assert.equal(inputLayout([1, 10]), undefined);
    assert.equal(inputLayout([1, 8, 32, 32]), undefined);
    assert.match(preprocessProblem({ resize: 'crop', channelOrder: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 0, 1] }, 3)!, /non-zero/);
  });
});

describe('image files', () => {
  it('PNG round trip; a non-image, a truncated PNG and a huge header are clear errors', () => {
    const img = image4();
    assert.deepEqual(decodeImage(encodePng(img), 'x.png'), { ...img, data: img.data });
    assert.throws(() => decodeImage(new TextEncoder().encode('hello'), 'notes.txt'), (e: Error) => e instanceof ImageError && e.message === 'notes.txt: not a PNG or JPEG image');
    const png = encodePng(img);
    assert.throws(() => decodeImage(png.slice(0, 40), 'cut.png'), /cut\.png: cannot decode the PNG/);
    const huge = png.slice();
    new DataView(huge.buffer).setUint32(16, 100_000);
    new DataView(huge.buffer).setUint32(20, 100_000);
    assert.throws(() => decodeImage(huge, 'huge.png'), /100000×100000 pixels is more than the 64 megapixels/);
  });

  it('the bundled samples are exactly what src/core/image/samples.ts makes (npm run samples)', () => {
    for (const s of SAMPLES) {
      const file = decodeImage(readFileSync(join(ROOT, 'media', 'samples', s.file)), s.file);
      const made = s.make();
      assert.equal(file.width, made.width);
      assert.ok(Buffer.from(file.data).equals(Buffer.from(made.data)), `${s.file} differs from its generator`);
    }
  });
});

describe('feature-map previews', () => {
  it('per-channel statistics, and average pooling to the preview size scaled between min and max', () => {
    // [1, 2, 4, 4]: channel 0 = 0..15, channel 1 = constant 3.
    const data = [...Array.from({ length: 16 }, (_, i) => i), ...Array<number>(16).fill(3)];
    const p = reduceFeatureMap('L', 'v', data, [1, 2, 4, 4], { maxSide: 2 })!;
    assert.equal(p.pool, 2);
    assert.equal(p.height, 2);
    assert.deepEqual(p.stats[0], { min: 0, max: 15, mean: 7.5, meanAbs: 7.5 });
    assert.deepEqual(p.stats[1], { min: 3, max: 3, mean: 3, meanAbs: 3 });
    // Block means 2.5, 4.5, 10.5, 12.5 → round((m − 0)/15 · 255); a constant channel is 0.
    assert.deepEqual([...Buffer.from(p.pixels, 'base64')], [43, 77, 179, 213, 0, 0, 0, 0]);
    const v = reduceFeatureMap('fc', 'y', [1, 2, 3], [1, 3])!;
    assert.equal(v.kind, 'vector');
    assert.deepEqual([v.channels, v.mapHeight, v.mapWidth], [1, 1, 3]);
    assert.equal(reduceFeatureMap('L', 'v', data, [1, 2, 4, 4], { maxChannels: 1 })!.shown, 1);
  });

  it('top classes: softmax of logits (by hand), or the row as is when it is already a distribution', () => {
    // softmax([1, 2, 3]) = e^(k−3) / (e^−2 + e^−1 + 1)
    const z = Math.exp(-2) + Math.exp(-1) + 1;
    const top = topClasses([1, 2, 3], ['a', 'b', 'c'], 2);
    assert.deepEqual(top.map((t) => t.label), ['c', 'b']);
    assert.ok(Math.abs(top[0].probability - 1 / z) < 1e-12);
    assert.deepEqual(topClasses([0.2, 0.7, 0.1], undefined, 1), [{ index: 1, label: 'class 1', probability: 0.7 }]);
    assert.deepEqual(parseLabels('cat\r\ndog\n\n'), ['cat', 'dog']);
  });
});

describe('the feature-map panel (its DOM-free parts)', () => {
  it('a unit\'s receptive field on the input (Araujo et al. 2019): centre = offset + index · stride, size pixels, clipped', () => {
    // A 5×5 field at stride 1 whose first unit is centred on pixel 0: unit (16, 16) sees pixels 14..18.
    assert.deepEqual(receptiveBox({ size: [5, 5], stride: [1, 1], offset: [0, 0] }, 16, 16, 32, 32), { x0: 14, y0: 14, x1: 19, y1: 19 });
    // ResNet's stem (7×7 /2, pad 3 → offset 0): unit (0, 1) is centred on x = 2, and clipped at the top.
    assert.deepEqual(receptiveBox({ size: [7, 7], stride: [2, 2], offset: [0, 0] }, 0, 1, 224, 224), { x0: 0, y0: 0, x1: 6, y1: 4 });
    assert.deepEqual(receptiveBox({ global: true }, 3, 3, 10, 20), { x0: 0, y0: 0, x1: 20, y1: 10 });
    assert.equal(receptiveBox(null, 0, 0, 10, 10), null);
    // 1-D: along x, the whole height.
    assert.deepEqual(receptiveBox({ size: [3], stride: [2], offset: [1] }, 0, 2, 1, 16), { x0: 4, y0: 0, x1: 7, y1: 1 });
  });

  it('channels by index or by strength; mean/std fields', () => {
    const stats = [1, 5, 3].map((max, i) => ({ min: 0, max, mean: 0, meanAbs: [9, 1, 5][i] }));
    assert.deepEqual(channelOrder({ shown: 3, stats }, 'index'), [0, 1, 2]);
    assert.deepEqual(channelOrder({ shown: 3, stats }, 'max'), [1, 2, 0]);
    assert.deepEqual(channelOrder({ shown: 3, stats }, 'meanAbs'), [0, 2, 1]);
    assert.deepEqual(parseNumbers('0.485, 0.456 ,0.406'), [0.485, 0.456, 0.406]);
    assert.equal(parseNumbers('0.5, x'), null);
    assert.equal(parseNumbers(''), null);
  });
});

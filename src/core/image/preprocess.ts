/**
 * An image as a model input, in steps a user can see and change: resize
 * (shorter side to the input size then centre crop, or stretch), channel
 * order (RGB, BGR; one channel: luma), value = (pixel · scale − mean) / std
 * per channel, and the layout the model takes (NCHW or NHWC).
 *
 * Resizing is bilinear with half-pixel centres (src = (dst + ½)·in/out − ½,
 * clamped at the edges): OpenCV's INTER_LINEAR and PyTorch's
 * interpolate(mode='bilinear', align_corners=False), without antialiasing.
 * The centre crop starts at round((resized − target) / 2), as torchvision's
 * CenterCrop. Luma is ITU-R BT.601: 0.299 R + 0.587 G + 0.114 B.
 */
import type { RgbaImage } from './decode';

export type ResizeMode = 'crop' | 'stretch';
export type ChannelOrder = 'RGB' | 'BGR';
export type Layout = 'NCHW' | 'NHWC';

export interface Normalization {
  /** Multiplies the 0–255 pixel first: 1/255 gives [0, 1]. */
  scale: number;
  /** Per channel, in input channel order (R, G, B for RGB). */
  mean: number[];
  std: number[];
}

export type PresetName = 'imagenet' | 'unit' | 'symmetric' | 'raw';

/** Common normalizations: torchvision's ImageNet statistics, [0, 1], [-1, 1] (Keras MobileNet/Inception), raw 0–255. */
export const PRESETS: Record<PresetName, Normalization & { label: string }> = {
  imagenet: { label: 'ImageNet (mean 0.485, 0.456, 0.406; std 0.229, 0.224, 0.225)', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  unit: { label: '[0, 1]', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] },
  symmetric: { label: '[-1, 1]', scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
  raw: { label: '0–255', scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
};

export interface PreprocessSpec extends Normalization {
  resize: ResizeMode;
  channelOrder: ChannelOrder;
  /** undefined: from the model's input shape (see `inputLayout`). */
  layout?: Layout;
}

export const DEFAULT_PREPROCESS: PreprocessSpec = { resize: 'crop', channelOrder: 'RGB', ...PRESETS.imagenet };

export interface ImageInput {
  layout: Layout;
  channels: number;
  height: number;
  width: number;
}

/**
 * The image input of a model from its input shape: [N, C, H, W] with C of
 * 1 or 3 is NCHW, [N, H, W, C] with C of 1 or 3 NHWC. Undefined for other shapes.
 */
export function inputLayout(shape: readonly (number | string)[] | null | undefined, prefer?: Layout): ImageInput | undefined {
  if (!shape || shape.length !== 4) return undefined;
  const [, a, b, c] = shape;
  const num = (d: number | string | undefined): d is number => typeof d === 'number' && d > 0;
  const nchw = num(a) && (a === 1 || a === 3) && num(b) && num(c);
  const nhwc = num(c) && (c === 1 || c === 3) && num(a) && num(b);
  const layout = prefer === 'NHWC' && nhwc ? 'NHWC' : prefer === 'NCHW' && nchw ? 'NCHW' : nchw ? 'NCHW' : nhwc ? 'NHWC' : undefined;
  if (layout === 'NCHW') return { layout, channels: a as number, height: b as number, width: c as number };
  if (layout === 'NHWC') return { layout, channels: c as number, height: a as number, width: b as number };
  return undefined;
}

/** The resized (and cropped) image as RGB bytes: what the model is shown, before normalization. */
export function resizeImage(img: RgbaImage, width: number, height: number, mode: ResizeMode): { width: number; height: number; rgb: Uint8Array } {
  let sx = img.width / width;
  let sy = img.height / height;
  let ox = 0;
  let oy = 0;
  if (mode === 'crop') {
    // Shorter side to the target: one scale for both axes, then the centre.
    const s = Math.max(width / img.width, height / img.height);
    const rw = Math.max(width, Math.round(img.width * s));
    const rh = Math.max(height, Math.round(img.height * s));
    sx = img.width / rw;
    sy = img.height / rh;
    ox = Math.round((rw - width) / 2);
    oy = Math.round((rh - height) / 2);
  }
  const rgb = new Uint8Array(width * height * 3);
  const src = img.data;
  const W = img.width;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(img.height - 1, Math.max(0, (y + oy + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(img.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(W - 1, Math.max(0, (x + ox + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(W - 1, x0 + 1);
      const wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const p00 = src[(y0 * W + x0) * 4 + c];
        const p01 = src[(y0 * W + x1) * 4 + c];
        const p10 = src[(y1 * W + x0) * 4 + c];
        const p11 = src[(y1 * W + x1) * 4 + c];
        const v = (p00 * (1 - wx) + p01 * wx) * (1 - wy) + (p10 * (1 - wx) + p11 * wx) * wy;
        rgb[(y * width + x) * 3 + c] = Math.round(v);
      }
    }
  }
  return { width, height, rgb };
}

export interface Preprocessed {
  /** The input tensor, batch 1. */
  data: Float32Array;
  dims: number[];
  /** What the model sees before normalization (RGB bytes), for showing receptive fields on. */
  shown: { width: number; height: number; rgb: Uint8Array };
}

/** Normalized values of resized RGB pixels, in the model's channel order and layout. */
export function toTensor(shown: { width: number; height: number; rgb: Uint8Array }, input: ImageInput, spec: PreprocessSpec): Preprocessed {
  const { width, height, rgb } = shown;
  const C = input.channels;
  const n = width * height;
  const data = new Float32Array(n * C);
  const order = spec.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  for (let i = 0; i < n; i++) {
    const r = rgb[i * 3];
    const g = rgb[i * 3 + 1];
    const b = rgb[i * 3 + 2];
    for (let c = 0; c < C; c++) {
      const pixel = C === 1 ? 0.299 * r + 0.587 * g + 0.114 * b : rgb[i * 3 + order[c]];
      const v = (pixel * spec.scale - (spec.mean[c] ?? 0)) / (spec.std[c] ?? 1);
      data[input.layout === 'NCHW' ? c * n + i : i * C + c] = v;
    }
  }
  const dims = input.layout === 'NCHW' ? [1, C, height, width] : [1, height, width, C];
  return { data, dims, shown };
}

export function preprocessImage(img: RgbaImage, input: ImageInput, spec: PreprocessSpec): Preprocessed {
  return toTensor(resizeImage(img, input.width, input.height, spec.resize), input, spec);
}

/** Why a spec cannot be used, or undefined. */
export function preprocessProblem(spec: PreprocessSpec, channels: number): string | undefined {
  if (!(Number.isFinite(spec.scale) && spec.scale > 0)) return `scale must be a positive number, got ${spec.scale}`;
  if (spec.mean.length < Math.min(channels, 3) || spec.std.length < Math.min(channels, 3)) return `mean and std need ${channels} values`;
  if (spec.std.some((s) => !(Number.isFinite(s) && s !== 0))) return 'std values must be non-zero numbers';
  if (spec.mean.some((m) => !Number.isFinite(m))) return 'mean values must be numbers';
  return undefined;
}

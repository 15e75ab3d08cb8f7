/**
 * The bundled sample images (media/samples/*.png), made here so that their
 * content is known exactly: sinusoidal gratings at four orientations (what an
 * oriented edge detector answers to), a checkerboard, and a synthetic
 * outdoor scene with smooth regions, edges and texture. `npm run samples`
 * writes them; a test checks the committed files equal these pixels.
 */
import type { RgbaImage } from './decode';
import { mulberry32 } from '../random';

export const SAMPLE_SIZE = 224;

export interface SampleInfo {
  /** File name in media/samples. */
  file: string;
  label: string;
  make(): RgbaImage;
}

function image(size: number, pixel: (x: number, y: number) => [number, number, number]): RgbaImage {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [r, g, b] = pixel(x, y);
      const i = (y * size + x) * 4;
      data[i] = Math.max(0, Math.min(255, Math.round(r)));
      data[i + 1] = Math.max(0, Math.min(255, Math.round(g)));
      data[i + 2] = Math.max(0, Math.min(255, Math.round(b)));
      data[i + 3] = 255;
    }
  }
  return { width: size, height: size, data };
}

/**
 * A grey grating whose stripes run at `degrees` from vertical (0: vertical
 * stripes, intensity varying along x; 90: horizontal), period `period` px:
 * 127.5 + 127.5·cos(2π (x cos θ + y sin θ) / period).
 */
export function grating(degrees: number, period = 16, size = SAMPLE_SIZE): RgbaImage {
  const t = (degrees * Math.PI) / 180;
  const [cx, cy] = [Math.cos(t), Math.sin(t)];
  return image(size, (x, y) => {
    const v = 127.5 + 127.5 * Math.cos((2 * Math.PI * (x * cx + y * cy)) / period);
    return [v, v, v];
  });
}

export function checkerboard(square = 28, size = SAMPLE_SIZE): RgbaImage {
  return image(size, (x, y) => {
    const v = (Math.floor(x / square) + Math.floor(y / square)) % 2 ? 235 : 20;
    return [v, v, v];
  });
}

/** Sky gradient, a sun, two ranges of hills with grass texture, a house with a red roof. */
export function scene(size = SAMPLE_SIZE): RgbaImage {
  const rand = mulberry32(7);
  const noise = Float32Array.from({ length: size * size }, () => rand() - 0.5);
  const s = size / 224;
  return image(size, (x, y) => {
    const X = x / s;
    const Y = y / s;
    const n = noise[y * size + x];
    // Sky: deep blue at the top to pale at the horizon.
    const t = Y / 140;
    let c: [number, number, number] = [70 + 120 * t, 130 + 90 * t, 220 + 25 * t];
    const sun = Math.hypot(X - 165, Y - 45) - 18;
    if (sun < 2) c = sun < 0 ? [255, 230, 120] : [235, 215, 160];
    const far = 120 + 10 * Math.sin(X / 23) + 6 * Math.sin(X / 9 + 1);
    const near = 150 + 14 * Math.sin(X / 37 + 2) + 5 * Math.sin(X / 11);
    if (Y > far) c = [80 + 20 * n, 130 + 25 * n, 90 + 20 * n];
    if (Y > near) c = [60 + 70 * n, 150 + 70 * n, 50 + 40 * n];
    // The house: walls, a door, a window, a triangular roof.
    if (X >= 40 && X < 100 && Y >= 130 && Y < 175) c = [225 + 10 * n, 215 + 10 * n, 190 + 10 * n];
    if (X >= 62 && X < 76 && Y >= 150 && Y < 175) c = [110, 70, 40];
    if (X >= 82 && X < 94 && Y >= 140 && Y < 152) c = [150, 200, 235];
    if (Y >= 100 && Y < 130 && Math.abs(X - 70) <= (Y - 100) * 1.2) c = [180 + 20 * n, 40, 35];
    return c;
  });
}

export const SAMPLES: readonly SampleInfo[] = [
  { file: 'stripes-vertical.png', label: 'Stripes, vertical', make: () => grating(0) },
  { file: 'stripes-horizontal.png', label: 'Stripes, horizontal', make: () => grating(90) },
  { file: 'stripes-diagonal-45.png', label: 'Stripes, 45°', make: () => grating(45) },
  { file: 'stripes-diagonal-135.png', label: 'Stripes, 135°', make: () => grating(135) },
  { file: 'checkerboard.png', label: 'Checkerboard', make: () => checkerboard() },
  { file: 'scene.png', label: 'Scene (synthetic)', make: () => scene() },
];

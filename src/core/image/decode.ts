/**
 * PNG and JPEG images to RGBA pixels (pngjs, jpeg-js: pure JavaScript, no
 * native code), told apart by their first bytes. Images beyond 64
 * megapixels are refused before decoding, so a hostile header cannot make
 * the runtime allocate gigabytes.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';

export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, row-major, straight (not premultiplied) alpha. */
  data: Uint8Array;
}

export class ImageError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
  }
}

export const MAX_MEGAPIXELS = 64;

const isPng = (b: Uint8Array) => b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Uint8Array) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** PNG width and height from the IHDR chunk, before decoding. */
function pngSize(b: Uint8Array): [number, number] | undefined {
  if (b.length < 24) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return [v.getUint32(16), v.getUint32(20)];
}

export function decodeImage(bytes: Uint8Array, file: string): RgbaImage {
  if (isPng(bytes)) {
    const size = pngSize(bytes);
    if (!size) throw new ImageError(file, 'truncated PNG (no image header)');
    if (size[0] * size[1] > MAX_MEGAPIXELS * 1e6) throw new ImageError(file, `${size[0]}×${size[1]} pixels is more than the ${MAX_MEGAPIXELS} megapixels ConvLens decodes`);
    try {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    } catch (e) {
      throw new ImageError(file, `cannot decode the PNG (${(e as Error).message})`);
    }
  }
  if (isJpeg(bytes)) {
    try {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_MEGAPIXELS, maxMemoryUsageInMB: 1024 });
      return { width: img.width, height: img.height, data: img.data };
    } catch (e) {
      throw new ImageError(file, `cannot decode the JPEG (${(e as Error).message})`);
    }
  }
  throw new ImageError(file, 'not a PNG or JPEG image');
}

/** The PNG or JPEG file at `path`, decoded; errors name the file. */
export function readImageFile(path: string): RgbaImage {
  const file = basename(path);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new ImageError(file, 'cannot read the image');
  }
  return decodeImage(bytes, file);
}

/** RGBA pixels as a PNG file (for the bundled samples and exports). */
export function encodePng(img: RgbaImage): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  let opaque = true;
  for (let i = 3; i < img.data.length; i += 4) if (img.data[i] !== 255) { opaque = false; break; }
  return new Uint8Array(PNG.sync.write(png, { colorType: opaque ? 2 : 6 }));
}

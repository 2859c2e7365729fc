/** Compact encodings of sample values for clients that do not want JSON number lists. */
import { endianness } from 'node:os';
import { encodePngScanlines } from '../images/png-encoder.js';

const LITTLE_ENDIAN = endianness() === 'LE';

/** Base64 of `values` as little-endian float32, row-major (what `samplesBase64` promises). */
export function float32ToBase64(values: Float32Array): string {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
  const out = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i] as number, i * 4);
  return out.toString('base64');
}

/** The inverse, for clients and tests. */
export function base64ToFloat32(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/**
 * One image sample (`[channels, height, width]`, planar as the generator writes it) as a PNG
 * data URL, `range` mapped to 0–255. Grayscale for 1 channel, RGB for 3; null otherwise.
 * Pixels go straight into PNG scanlines (interleaved for RGB): no intermediate arrays.
 */
export function imageDataUrl(values: Float32Array, shape: readonly number[], range: readonly [number, number]): string | null {
  if (shape.length !== 3) return null;
  const [channels, height, width] = shape as [number, number, number];
  if (channels !== 1 && channels !== 3) return null;
  const [low, high] = range;
  const scale = 255 / (high - low);
  const plane = width * height;
  const stride = width * channels + 1;
  const scanlines = new Uint8Array(stride * height); // filter bytes stay 0 (None)
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const from = c * plane + y * width;
      let to = y * stride + 1 + c;
      for (let x = 0; x < width; x++, to += channels) {
        const v = Math.round(((values[from + x] as number) - low) * scale);
        scanlines[to] = v > 0 ? (v < 255 ? v : 255) : 0; // clamps; NaN → 0
      }
    }
  }
  return `data:image/png;base64,${encodePngScanlines(width, height, channels, scanlines).toString('base64')}`;
}

/** Compact encodings of sample values for clients that do not want JSON number lists. */
import { endianness } from 'node:os';
import { encodePng, toBytes } from '../images/png-encoder.js';

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
 */
export function imageDataUrl(values: Float32Array, shape: readonly number[], range: readonly [number, number]): string | null {
  if (shape.length !== 3) return null;
  const [channels, height, width] = shape as [number, number, number];
  if (channels !== 1 && channels !== 3) return null;
  const planar = toBytes(values, range[0], range[1]);
  let pixels = planar;
  if (channels === 3) {
    // PNG wants interleaved RGB; the generator writes planes (CHW).
    const plane = width * height;
    pixels = new Uint8Array(plane * 3);
    for (let i = 0; i < plane; i++) {
      pixels[i * 3] = planar[i] as number;
      pixels[i * 3 + 1] = planar[plane + i] as number;
      pixels[i * 3 + 2] = planar[2 * plane + i] as number;
    }
  }
  return `data:image/png;base64,${encodePng(width, height, channels, pixels).toString('base64')}`;
}

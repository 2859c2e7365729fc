/**
 * A minimal PNG encoder (8-bit grayscale, RGB or RGBA; no interlace) on node:zlib, so sample
 * images and plots need no native image library.
 */
import { crc32 as zlibCrc32, deflateSync } from 'node:zlib';

/** CRC-32 as PNG chunks use it (zlib's, native). */
export function crc32(bytes: Uint8Array): number {
  return zlibCrc32(bytes);
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOR_TYPE = { 1: 0, 3: 2, 4: 6 } as const;

/** Writes one chunk (length, type, data, CRC of type + data) at `offset`; returns the offset after it. */
function writeChunk(out: Buffer, offset: number, type: string, data: Uint8Array): number {
  out.writeUInt32BE(data.length, offset);
  out.write(type, offset + 4, 'latin1');
  out.set(data, offset + 8);
  out.writeUInt32BE(crc32(out.subarray(offset + 4, offset + 8 + data.length)), offset + 8 + data.length);
  return offset + 12 + data.length;
}

/**
 * Encodes scanlines already laid out as PNG wants them: per row a filter byte (0, None) and
 * `width × channels` bytes. One output buffer; the hot path of sample images.
 */
export function encodePngScanlines(width: number, height: number, channels: 1 | 3 | 4, scanlines: Uint8Array): Buffer {
  if (!(width > 0 && height > 0) || scanlines.length !== (width * channels + 1) * height) {
    throw new RangeError(`expected ${height} scanlines of 1 + ${width}×${channels} bytes = ${(width * channels + 1) * height} bytes, got ${scanlines.length}`);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = COLOR_TYPE[channels];
  const idat = deflateSync(scanlines);
  const out = Buffer.allocUnsafe(SIGNATURE.length + 3 * 12 + header.length + idat.length);
  out.set(SIGNATURE, 0);
  let offset = writeChunk(out, SIGNATURE.length, 'IHDR', header);
  offset = writeChunk(out, offset, 'IDAT', idat);
  writeChunk(out, offset, 'IEND', new Uint8Array(0));
  return out;
}

/** Encodes `pixels` (row-major, `channels` bytes per pixel: 1 gray, 3 RGB, 4 RGBA) as PNG. */
export function encodePng(width: number, height: number, channels: 1 | 3 | 4, pixels: Uint8Array): Buffer {
  if (!(width > 0 && height > 0) || pixels.length !== width * height * channels) {
    throw new RangeError(`expected ${width}×${height}×${channels} = ${width * height * channels} bytes, got ${pixels.length}`);
  }
  const stride = width * channels;
  const scanlines = new Uint8Array((stride + 1) * height); // filter byte 0 (None) per row
  for (let y = 0; y < height; y++) scanlines.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return encodePngScanlines(width, height, channels, scanlines);
}

/** Maps float values in [low, high] to bytes 0–255 (clamped). */
export function toBytes(values: ArrayLike<number>, low: number, high: number): Uint8Array {
  const out = new Uint8Array(values.length);
  const scale = 255 / (high - low);
  for (let i = 0; i < values.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(((values[i] as number) - low) * scale)));
  return out;
}

import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, encodePng, encodePngScanlines, toBytes } from '../../src/images/png-encoder.js';
import { Raster, scatter } from '../../src/images/plot.js';

/** Decodes our own (filter-0, non-interlaced) PNG output back to pixels. */
function decode(png: Buffer): { width: number; height: number; colorType: number; pixels: Uint8Array } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let offset = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.subarray(offset + 4, offset + 8).toString('latin1');
    const data = png.subarray(offset + 8, offset + 8 + length);
    expect(png.readUInt32BE(offset + 8 + length)).toBe(crc32(png.subarray(offset + 4, offset + 8 + length)));
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      colorType = data[9]!;
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const channels = colorType === 0 ? 1 : colorType === 2 ? 3 : 4;
  const raw = inflateSync(Buffer.concat(idat));
  const pixels = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * channels + 1)]).toBe(0);
    pixels.set(raw.subarray(y * (width * channels + 1) + 1, (y + 1) * (width * channels + 1)), y * width * channels);
  }
  return { width, height, colorType, pixels };
}

describe('PNG encoder', () => {
  it('round-trips grayscale and RGB pixels', () => {
    const gray = Uint8Array.from({ length: 5 * 3 }, (_, i) => i * 17);
    expect(decode(encodePng(5, 3, 1, gray))).toEqual({ width: 5, height: 3, colorType: 0, pixels: gray });
    const rgb = Uint8Array.from({ length: 2 * 2 * 3 }, (_, i) => 255 - i);
    expect(decode(encodePng(2, 2, 3, rgb)).pixels).toEqual(rgb);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('refuses a pixel buffer of the wrong size, naming both sizes', () => {
    expect(() => encodePng(2, 2, 3, new Uint8Array(11))).toThrow('expected 2×2×3 = 12 bytes, got 11');
    expect(() => encodePngScanlines(2, 2, 1, new Uint8Array(5))).toThrow('expected 2 scanlines of 1 + 2×1 bytes = 6 bytes, got 5');
  });

  it('maps a value range to bytes with clamping', () => {
    expect([...toBytes([-1, 0, 1, 2, -5], -1, 1)]).toEqual([0, 128, 255, 255, 0]);
  });
});

describe('scatter plot', () => {
  it('draws points where the data is and marks centres in red', () => {
    const r = new Raster(101, 101);
    scatter(r, 0, 0, 101, Float32Array.from([0, 0, 0, 0, 0, 0]), { extent: [-1, 1], centers: [[0.5, 0.5]] });
    const at = (x: number, y: number) => [...r.pixels.subarray((y * 101 + x) * 3, (y * 101 + x) * 3 + 3)];
    const centre = at(50, 50);
    expect(centre[2]!).toBeGreaterThan(centre[0]!); // bluish after three overlapping points
    expect(at(75, 25)).toEqual([220, 40, 40]); // (0.5, 0.5) is up and to the right
    expect(at(10, 90)).toEqual([255, 255, 255]);
  });
});

import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64ToFloat32, float32ToBase64, imageDataUrl } from '../../src/index.js';
import { crc32 } from '../../src/images/png-encoder.js';
import { gql, startTestServer, type TestServer } from './client.js';

/** Decodes a PNG data URL of ours (8-bit, filter 0, no interlace), checking every chunk's CRC. */
function decodeDataUrl(url: string): { width: number; height: number; channels: number; pixels: Uint8Array } {
  expect(url.startsWith('data:image/png;base64,')).toBe(true);
  const png = Buffer.from(url.slice('data:image/png;base64,'.length), 'base64');
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    expect(png.readUInt32BE(offset + 8 + length)).toBe(crc32(png.subarray(offset + 4, offset + 8 + length)));
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8);
      channels = ({ 0: 1, 2: 3 } as Record<number, number>)[data[9]!]!;
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (stride + 1)]).toBe(0);
    pixels.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, channels, pixels };
}

describe('sample encodings', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it('returns a grayscale PNG per tiny-image sample whose pixels are the values mapped from output.range', async () => {
    const { data, errors } = await gql(
      server,
      `{ sample(input: { modelId: "tiny-image", sampler: { name: "naive" }, count: 4, seed: 2 }) { sampleShape samplesBase64 samples { values png } } }`,
    );
    expect(errors).toBeUndefined();
    expect(data!.sample.sampleShape).toEqual([1, 2, 2]);
    for (const s of data!.sample.samples as { values: number[]; png: string }[]) {
      const image = decodeDataUrl(s.png);
      expect(image).toMatchObject({ width: 2, height: 2, channels: 1 });
      // range [0, 1] → 0–255, row-major as [1, 2, 2]
      expect(Array.from(image.pixels)).toEqual(s.values.map((v) => Math.round(v * 255)));
    }
    expect(base64ToFloat32(data!.sample.samplesBase64)).toHaveLength(16);
  });

  it('interleaves planar RGB and clamps to the range', () => {
    // [3, 1, 2]: R plane, G plane, B plane; range [-1, 1]
    const values = Float32Array.from([-1, 1, 0, 2, 1, -3]);
    const image = decodeDataUrl(imageDataUrl(values, [3, 1, 2], [-1, 1])!);
    expect(image).toMatchObject({ width: 2, height: 1, channels: 3 });
    expect(Array.from(image.pixels)).toEqual([0, 128, 255, 255, 255, 0]);
    expect(imageDataUrl(values, [2, 1, 3], [0, 1])).toBeNull(); // 2 channels: no PNG colour type
  });

  it('base64 float32 is little-endian and round-trips', () => {
    const values = Float32Array.from([1, -2.5, Math.PI, 1e-30]);
    const text = float32ToBase64(values.subarray(1, 3));
    expect(Buffer.from(text, 'base64').readFloatLE(0)).toBe(-2.5);
    expect(Array.from(base64ToFloat32(text))).toEqual([-2.5, Math.fround(Math.PI)]);
  });
});

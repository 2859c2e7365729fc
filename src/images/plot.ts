/** Tiny RGB raster plots for the comparison CLI: 2-D scatter panels and image grids. */
import { toBytes } from './png-encoder.js';

export class Raster {
  readonly pixels: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    background: [number, number, number] = [255, 255, 255],
  ) {
    this.pixels = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.pixels.set(background, i * 3);
  }

  /** Alpha-blends a colour into one pixel (ignored outside the raster). */
  blend(x: number, y: number, rgb: readonly [number, number, number], alpha = 1): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    const o = (yi * this.width + xi) * 3;
    for (let c = 0; c < 3; c++) this.pixels[o + c] = Math.round(this.pixels[o + c]! * (1 - alpha) + rgb[c]! * alpha);
  }

  rect(x0: number, y0: number, w: number, h: number, rgb: readonly [number, number, number]): void {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) this.blend(x, y, rgb);
  }
}

export interface ScatterOptions {
  /** Data range shown on both axes. */
  readonly extent: readonly [number, number];
  readonly centers?: readonly (readonly [number, number])[];
}

/** Draws 2-D points (row-major x, y) into a square panel at (left, top) of side `size`. */
export function scatter(r: Raster, left: number, top: number, size: number, points: Float32Array, options: ScatterOptions): void {
  const [lo, hi] = options.extent;
  const toPx = (v: number): number => ((v - lo) / (hi - lo)) * (size - 1);
  r.rect(left, top, size, 1, [180, 180, 180]);
  r.rect(left, top + size - 1, size, 1, [180, 180, 180]);
  r.rect(left, top, 1, size, [180, 180, 180]);
  r.rect(left + size - 1, top, 1, size, [180, 180, 180]);
  for (let i = 0; i + 1 < points.length; i += 2) {
    r.blend(left + toPx(points[i]!), top + size - 1 - toPx(points[i + 1]!), [31, 78, 160], 0.35);
  }
  for (const [cx, cy] of options.centers ?? []) {
    const x = left + toPx(cx);
    const y = top + size - 1 - toPx(cy);
    for (let d = -3; d <= 3; d++) {
      r.blend(x + d, y, [220, 40, 40]);
      r.blend(x, y + d, [220, 40, 40]);
    }
  }
}

export interface ImageGridOptions {
  /** Top-left corner of the grid in the raster. */
  readonly left: number;
  readonly top: number;
  /** Row-major images, `[channels, h, w]` each, values in `range`. */
  readonly images: Float32Array;
  readonly shape: readonly number[];
  readonly range: readonly [number, number];
  readonly cols: number;
  readonly rows: number;
  /** Pixels per image pixel. Default 2. */
  readonly scale?: number;
}

/** Draws up to cols×rows images as a grid. */
export function imageGrid(r: Raster, { left, top, images, shape, range, cols, rows, scale = 2 }: ImageGridOptions): void {
  const [channels, h, w] = shape as [number, number, number];
  const per = channels * h * w;
  const count = Math.min(cols * rows, Math.floor(images.length / per));
  for (let k = 0; k < count; k++) {
    const bytes = toBytes(images.subarray(k * per, (k + 1) * per), range[0], range[1]);
    const ox = left + (k % cols) * (w * scale + 2);
    const oy = top + Math.floor(k / cols) * (h * scale + 2);
    for (let y = 0; y < h * scale; y++) {
      for (let x = 0; x < w * scale; x++) {
        const p = Math.floor(y / scale) * w + Math.floor(x / scale);
        const rgb: [number, number, number] = channels === 3 ? [bytes[p]!, bytes[h * w + p]!, bytes[2 * h * w + p]!] : [bytes[p]!, bytes[p]!, bytes[p]!];
        r.blend(ox + x, oy + y, rgb);
      }
    }
  }
}

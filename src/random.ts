/**
 * Seeded pseudo-random numbers: xoshiro128** seeded through splitmix32.
 * One generator per stream (latents, acceptance uniforms) so that a request's samples depend
 * only on its own seed, never on what else runs.
 */
import type { LatentDistribution } from './models/manifest.js';

/**
 * A generator's exact position, JSON-serialisable: the four xoshiro words and the spare normal
 * Box–Muller keeps for the next call (null when none). `Random.restore(r.state())` continues
 * exactly where `r` stands.
 */
export interface RandomState {
  readonly s: readonly [number, number, number, number];
  readonly spareNormal: number | null;
}

export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  constructor(seed: number, stream = 0) {
    let x = (Math.trunc(seed) ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    const next = (): number => {
      // splitmix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** This generator's position (a copy: drawing further does not change it). */
  state(): RandomState {
    return { s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spareNormal: this.spareNormal };
  }

  /** A generator at `state`; throws a RangeError on anything that is not a valid position. */
  static restore(state: RandomState): Random {
    const { spareNormal } = state;
    const s: unknown = state.s;
    if (
      !Array.isArray(s) ||
      s.length !== 4 ||
      !s.every((w) => Number.isInteger(w) && (w as number) >= 0 && (w as number) <= 0xffffffff) ||
      s.every((w) => w === 0)
    ) {
      throw new RangeError('random state: expected four 32-bit words, not all zero');
    }
    if (!(spareNormal === null || (typeof spareNormal === 'number' && Number.isFinite(spareNormal)))) {
      throw new RangeError('random state: spareNormal must be a finite number or null');
    }
    const r = new Random(0);
    [r.s0, r.s1, r.s2, r.s3] = (s as number[]).map((w) => w | 0) as [number, number, number, number];
    r.spareNormal = spareNormal;
    return r;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform(); // log(0) guard; P(retry) = 2^-53
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * this.uniform();
    this.spareNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Latents for `rows` proposals: standard normal, or uniform on [-1, 1]. */
  latents(rows: number, dim: number, distribution: LatentDistribution): Float32Array {
    const out = new Float32Array(rows * dim);
    if (distribution === 'normal') this.fillNormal(out);
    else for (let i = 0; i < out.length; i++) out[i] = 2 * this.uniform() - 1;
    return out;
  }

  /** `normal()` for every element, pair by pair: the same numbers, without a call and a spare check per value (the run loop's hottest code). */
  private fillNormal(out: Float32Array): void {
    let i = 0;
    if (this.spareNormal !== null && out.length > 0) out[i++] = this.normal();
    for (; i + 1 < out.length; i += 2) {
      let u = 0;
      while (u === 0) u = this.uniform();
      const r = Math.sqrt(-2 * Math.log(u));
      const theta = 2 * Math.PI * this.uniform();
      out[i] = r * Math.cos(theta);
      out[i + 1] = r * Math.sin(theta);
    }
    if (i < out.length) out[i] = this.normal(); // odd length: the spare waits for the next call
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A 32-bit FNV-1a hash: seeds that depend only on a name (e.g. a model id). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

import { describe, expect, it } from 'vitest';
import { Random } from '../../src/random.js';

describe('Random', () => {
  it('is reproducible per seed and stream, and streams differ', () => {
    const a = Array.from({ length: 5 }, () => 0).map(
      (
        (r) => () =>
          r.nextUint32()
      )(new Random(42, 1)),
    );
    const b = Array.from({ length: 5 }, () => 0).map(
      (
        (r) => () =>
          r.nextUint32()
      )(new Random(42, 1)),
    );
    const c = Array.from({ length: 5 }, () => 0).map(
      (
        (r) => () =>
          r.nextUint32()
      )(new Random(42, 2)),
    );
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('draws uniforms on [0,1) and normals with the right moments (n = 200,000; tolerances ≈ 5 s.e.)', () => {
    const rng = new Random(7);
    const n = 200_000;
    let su = 0,
      min = 1,
      max = 0,
      sn = 0,
      sn2 = 0,
      sn4 = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      su += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
      const z = rng.normal();
      sn += z;
      sn2 += z * z;
      sn4 += z ** 4;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(su / n - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(sn / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(sn2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(sn4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
  });

  it('makes latents of the declared distribution', () => {
    const u = new Random(1).latents(1000, 3, 'uniform');
    expect(u.length).toBe(3000);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...u)).toBeLessThanOrEqual(1);
    expect(Math.min(...new Random(1).latents(1000, 3, 'normal'))).toBeLessThan(-2);
  });

  it('fills normal latents with exactly the numbers normal() gives, across calls of any length', () => {
    const bulk = new Random(5, 1);
    const one = new Random(5, 1);
    for (const length of [7, 1, 4, 3, 2048, 5]) {
      const got = bulk.latents(length, 1, 'normal');
      const want = Float32Array.from({ length }, () => one.normal());
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });

  it('restores from state() exactly, spare normal included, through JSON', () => {
    for (const length of [3, 4]) {
      const r = new Random(99, 1);
      r.latents(length, 1, 'normal'); // odd length leaves a spare normal waiting
      const copy = Random.restore(JSON.parse(JSON.stringify(r.state())));
      expect(Array.from(copy.latents(7, 1, 'normal'))).toEqual(Array.from(r.latents(7, 1, 'normal')));
      expect(copy.uniform()).toBe(r.uniform());
      expect(copy.nextUint32()).toBe(r.nextUint32());
    }
  });

  it('refuses a state that is no position', () => {
    expect(() => Random.restore({ s: [0, 0, 0, 0], spareNormal: null })).toThrow(/not all zero/);
    expect(() => Random.restore({ s: [1, 2, 3], spareNormal: null } as never)).toThrow(/four 32-bit words/);
    expect(() => Random.restore({ s: [1, 2, 3, 2 ** 32], spareNormal: null })).toThrow(/four 32-bit words/);
    expect(() => Random.restore({ s: [1, 2, 3, 4], spareNormal: NaN })).toThrow(/spareNormal/);
  });
});

import { describe, expect, it } from 'vitest';
import { mixtureMetrics, twentyFiveGaussians, type MixtureSpec } from '../../src/evaluation/mixture2d.js';
import { Random } from '../../src/random.js';

const grid = twentyFiveGaussians();

/** Two modes far apart with σ = 0.25, so the 4σ radius is exactly 1 (exact in float64). */
const twoModes: MixtureSpec = {
  centers: [
    [0, 0],
    [10, 0],
  ],
  sigma: 0.25,
};

/** `a` samples at mode 0 and `b` at mode 1 of `twoModes`. */
function split(a: number, b: number): number[][] {
  return [...Array.from({ length: a }, () => [0, 0]), ...Array.from({ length: b }, () => [10, 0])];
}

/** n samples from `spec` with per-coordinate sd `sd`, modes drawn uniformly, as n×2 float32. */
function drawMixture(spec: MixtureSpec, sd: number, n: number, seed: number): Float32Array {
  const rng = new Random(seed);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const [cx, cy] = spec.centers[Math.floor(rng.uniform() * spec.centers.length)] as number[];
    out[2 * i] = (cx as number) + sd * rng.normal();
    out[2 * i + 1] = (cy as number) + sd * rng.normal();
  }
  return out;
}

describe('twentyFiveGaussians', () => {
  it('lists the paper grid {−2,…,2}² with σ = 0.05', () => {
    expect(grid.sigma).toBe(0.05);
    expect(grid.centers).toHaveLength(25);
    expect(grid.centers[0]).toEqual([-2, -2]);
    expect(grid.centers[7]).toEqual([-1, 0]);
    expect(new Set(grid.centers.map((c) => c.join(','))).size).toBe(25);
  });
});

describe('mixtureMetrics', () => {
  it('scores one sample exactly at every centre as perfect: share 1, std 0, KL 0, all recovered', () => {
    const m = mixtureMetrics(Float32Array.from(grid.centers.flat()), grid);
    expect(m).toEqual({
      count: 25,
      highQualityCount: 25,
      highQualityShare: 1,
      recoveredModes: 25,
      modeCount: 25,
      highQualityStd: 0,
      modeKL: 0,
      modeJSD: 0,
      perMode: new Array<number>(25).fill(1),
    });
  });

  it('gives the JS divergence over 25 modes + one off-mode bin against the real data’s histogram', () => {
    // Everything in one mode: JS(one-hot ‖ uniform over 25) in closed form.
    const one = mixtureMetrics(
      Array.from({ length: 10 }, () => [1, 1]),
      grid,
    );
    expect(one.modeJSD).toBeCloseTo(0.5 * Math.log(25 / 13) + 0.5 * ((1 / 25) * Math.log(1 / 13) + (24 / 25) * Math.log(2)), 14);
    // Everything off-mode: disjoint from the target, the maximum ln 2.
    expect(
      mixtureMetrics(
        [
          [0.5, 0.5],
          [3, 3],
        ],
        grid,
      ).modeJSD,
    ).toBeCloseTo(Math.log(2), 14);
    // Balanced modes plus a share of off-mode samples: only the off-mode bin differs.
    const balanced = [...grid.centers, ...grid.centers, ...grid.centers, ...grid.centers, [0.5, 0.5], [0.5, -0.5], [-0.5, 0.5], [-0.5, -0.5], [1.5, 1.5]];
    const m = mixtureMetrics(balanced, grid); // 100 on-mode, 5 off-mode
    const [p, q] = [4 / 105, 1 / 25];
    const mid = (p + q) / 2;
    expect(m.modeJSD).toBeCloseTo(0.5 * 25 * (p * Math.log(p / mid) + q * Math.log(q / mid)) + 0.5 * (5 / 105) * Math.log(2), 14);
    expect(m.modeKL).toBe(0); // KL over HQ samples does not see the off-mode ones; JSD does
    expect(m.modeJSD).toBeGreaterThan(0.01);
  });

  it('gives KL = ln 25 and one recovered mode when every sample lands in one mode', () => {
    const samples = Array.from({ length: 40 }, (_, i) => [1 + (i % 2 ? 0.01 : -0.01), 1]);
    const m = mixtureMetrics(samples, grid);
    expect(m.highQualityCount).toBe(40);
    expect(m.modeKL).toBeCloseTo(Math.log(25), 14);
    expect(m.recoveredModes).toBe(1);
    expect(m.perMode[3 * 5 + 3]).toBe(40); // centre (1, 1)
    expect(m.highQualityStd).toBeCloseTo(Math.sqrt(0.01 ** 2 / 2), 14);
  });

  it('does not count far-away points or points between modes as high quality', () => {
    const m = mixtureMetrics(
      [
        [0, 0],
        [10, 10],
        [0.5, 0.5],
        [-1.5, 2],
        [0, 0.21],
      ],
      grid,
    );
    expect(m.count).toBe(5);
    expect(m.highQualityCount).toBe(1);
    expect(m.highQualityShare).toBeCloseTo(0.2, 15);
    expect(m.perMode[12]).toBe(1); // centre (0, 0)
  });

  it('treats the 4σ radius as inclusive and honours hqRadiusSigmas', () => {
    expect(
      mixtureMetrics(
        [
          [1, 0],
          [0, -1],
          [0.6, 0.8],
        ],
        twoModes,
      ).highQualityCount,
    ).toBe(3); // distance exactly 4σ = 1
    expect(mixtureMetrics([[1 + 1e-12, 0]], twoModes).highQualityCount).toBe(0);
    expect(
      mixtureMetrics(
        [
          [1, 0],
          [0.5, 0],
        ],
        twoModes,
        { hqRadiusSigmas: 2 },
      ).highQualityCount,
    ).toBe(1);
  });

  it('measures highQualityStd as the root mean squared per-coordinate deviation', () => {
    // Deviations (0.1, 0) and (0, 0.3): squared sum 0.1 over 2 samples × 2 coordinates.
    const m = mixtureMetrics(
      [
        [0.1, 0],
        [10, 0.3],
        [5, 5],
      ],
      twoModes,
    );
    expect(m.highQualityCount).toBe(2);
    expect(m.highQualityStd).toBeCloseTo(Math.sqrt((0.01 + 0.09) / 4), 15);
  });

  it('computes KL for a hand-checkable unbalanced histogram', () => {
    const m = mixtureMetrics(split(3, 1), twoModes);
    expect(m.modeKL).toBeCloseTo(0.75 * Math.log(1.5) + 0.25 * Math.log(0.5), 15);
  });

  it('applies the default 10 % recovered rule at its boundary', () => {
    // 200 HQ samples over 2 modes: expected 100 per mode, threshold 10.
    expect(mixtureMetrics(split(190, 10), twoModes).recoveredModes).toBe(2);
    expect(mixtureMetrics(split(191, 9), twoModes).recoveredModes).toBe(1);
  });

  it('applies a custom recoveredShare at its boundary', () => {
    expect(mixtureMetrics(split(150, 50), twoModes, { recoveredShare: 0.5 }).recoveredModes).toBe(2);
    expect(mixtureMetrics(split(151, 49), twoModes, { recoveredShare: 0.5 }).recoveredModes).toBe(1);
    // Share 0 still needs one HQ sample: an empty mode is never recovered.
    expect(mixtureMetrics(split(5, 0), twoModes, { recoveredShare: 0 }).recoveredModes).toBe(1);
  });

  it('counts only high-quality samples towards recovery', () => {
    // Mode 1 is nearest for 20 more samples, but they lie 8σ off: not HQ, so it is not recovered.
    const samples = [...split(100, 0), ...Array.from({ length: 20 }, () => [10, 2])];
    const m = mixtureMetrics(samples, twoModes);
    expect(m.perMode).toEqual([100, 0]);
    expect(m.recoveredModes).toBe(1);
  });

  it('returns NaN std and KL and no recovered mode when nothing is high quality', () => {
    const m = mixtureMetrics(
      [
        [5, 5],
        [3, 3],
      ],
      grid,
    );
    expect(m.highQualityCount).toBe(0);
    expect(m.highQualityShare).toBe(0);
    expect(m.highQualityStd).toBeNaN();
    expect(m.modeKL).toBeNaN();
    expect(m.recoveredModes).toBe(0);
    expect(mixtureMetrics([], grid).highQualityShare).toBeNaN();
  });

  it('counts a non-finite sample but never as high quality', () => {
    const m = mixtureMetrics(Float32Array.from([NaN, 0, 0, Infinity, 0, 0]), grid);
    expect(m.count).toBe(3);
    expect(m.highQualityCount).toBe(1);
  });

  it('gives the same result for Float32Array and number[][] input', () => {
    const flat = drawMixture(grid, 0.05, 500, 3);
    const rows = Array.from({ length: 500 }, (_, i) => [flat[2 * i] as number, flat[2 * i + 1] as number]);
    expect(mixtureMetrics(rows, grid)).toEqual(mixtureMetrics(flat, grid));
  });

  it('rejects malformed samples, specs and options', () => {
    expect(() => mixtureMetrics(new Float32Array(3), grid)).toThrow(/n×2/);
    expect(() => mixtureMetrics([[0, 0, 0]], grid)).toThrow(RangeError);
    expect(() => mixtureMetrics([], { centers: [[0, 0]], sigma: 0 })).toThrow(/sigma/);
    expect(() => mixtureMetrics([], { centers: [], sigma: 1 })).toThrow(/empty/);
    expect(() => mixtureMetrics([], { centers: [[0]], sigma: 1 })).toThrow(/centre 0/);
    expect(() => mixtureMetrics([], grid, { hqRadiusSigmas: -1 })).toThrow(/hqRadiusSigmas/);
    expect(() => mixtureMetrics([], grid, { recoveredShare: NaN })).toThrow(/recoveredShare/);
  });

  it('recovers the true σ on seeded samples from the 25 Gaussians', () => {
    // r²/σ² ~ χ²₂, so P(r > 4σ) = e⁻⁸ ≈ 3.4e-4 (≈ 8 of 25 000 expected outside) and the
    // truncated RMS deviation is σ·√(1 − 8e⁻⁸/(1 − e⁻⁸)) ≈ 0.99933σ. Its sampling sd is ≈ 0.33 %
    // of σ (measured over 100 seeds), so ±1.5 % is over four sds. A balanced multinomial has
    // E[KL] ≈ (K − 1)/(2N) ≈ 5e-4 (sd ≈ 1.4e-4).
    const m = mixtureMetrics(drawMixture(grid, 0.05, 25_000, 2024), grid);
    expect(m.highQualityShare).toBeGreaterThan(0.998);
    expect(m.highQualityShare).toBeLessThan(1);
    expect(Math.abs(m.highQualityStd / (0.05 * 0.99933) - 1)).toBeLessThan(0.015);
    expect(m.modeKL).toBeLessThan(0.003);
    expect(m.recoveredModes).toBe(25);
  });

  it('ranks a tighter generator above a looser one, as DRS should (lower std, higher share)', () => {
    // With sd = 2σ the 4σ radius is 2 sds: P(HQ) = 1 − e⁻² ≈ 0.865 (sd of the share ≈ 0.005).
    const tight = mixtureMetrics(drawMixture(grid, 0.05, 10_000, 11), grid);
    const loose = mixtureMetrics(drawMixture(grid, 0.1, 10_000, 12), grid);
    expect(loose.highQualityShare).toBeCloseTo(1 - Math.exp(-2), 1);
    expect(tight.highQualityShare).toBeGreaterThan(loose.highQualityShare);
    expect(tight.highQualityStd).toBeLessThan(loose.highQualityStd);
    expect(loose.recoveredModes).toBe(25);
  });
});

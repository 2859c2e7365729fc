/**
 * Quality metrics for 2-D Gaussian-mixture toys whose manifest lists the mode centres and σ,
 * such as the DRS paper's 25 Gaussians (docs/sampling.md, "Quality metrics": means on {−2,…,2}²,
 * σ = 0.05, high quality = within 4σ of a mode mean).
 */

/** The target mixture: equal-weight isotropic Gaussians. */
export interface MixtureSpec {
  /** Mode centres, each `[x, y]`. */
  centers: number[][];
  /** Per-coordinate standard deviation of every mode. */
  sigma: number;
}

/** Options for {@link mixtureMetrics}. */
export interface MixtureMetricsOptions {
  /** High-quality radius in units of σ (inclusive). Default 4, as in the paper. */
  hqRadiusSigmas?: number;
  /**
   * Fraction of the expected per-mode high-quality count a mode needs to count as recovered.
   * Default {@link DEFAULT_RECOVERED_SHARE} (0.1).
   */
  recoveredShare?: number;
}

/** Metrics of one sample set against a {@link MixtureSpec}. */
export interface MixtureMetrics {
  /** Number of samples scored. */
  count: number;
  /** Samples within `hqRadiusSigmas · σ` (Euclidean) of their nearest mode centre. */
  highQualityCount: number;
  /** highQualityCount / count (NaN when count = 0). */
  highQualityShare: number;
  /** Modes that pass the recovered rule (see {@link mixtureMetrics}). */
  recoveredModes: number;
  /** Number of modes in the spec (K). */
  modeCount: number;
  /** sqrt(mean over HQ samples and both coordinates of (x − c)²); NaN with no HQ sample. */
  highQualityStd: number;
  /** KL(HQ histogram over modes ‖ uniform), natural log, in [0, ln K]; NaN with no HQ sample. */
  modeKL: number;
  /**
   * Jensen-Shannon divergence (nats, in [0, ln 2]) between the (K + 1)-bin histogram of all
   * samples (one bin per mode for HQ samples, one for the rest) and the real data's (uniform over
   * the modes, nothing off-mode): the MH-GAN paper's 25-Gaussians metric. NaN with no sample.
   */
  modeJSD: number;
  /** High-quality samples per mode, in the order of `spec.centers`. */
  perMode: number[];
}

/** Default share of the expected per-mode HQ count a mode needs to be recovered: 10 %. */
export const DEFAULT_RECOVERED_SHARE = 0.1;

/** Default high-quality radius in σ units, as in the DRS paper. */
export const DEFAULT_HQ_RADIUS_SIGMAS = 4;

/** The paper's 25 Gaussians: centres on {−2,−1,0,1,2}² (x outer, y inner), σ = 0.05. */
export function twentyFiveGaussians(): MixtureSpec {
  const grid = [-2, -1, 0, 1, 2];
  return { centers: grid.flatMap((x) => grid.map((y) => [x, y])), sigma: 0.05 };
}

/** Throws `RangeError` unless the spec and options describe a usable mixture. */
function validate(spec: MixtureSpec, radiusSigmas: number, recoveredShare: number): void {
  if (!(Number.isFinite(spec.sigma) && spec.sigma > 0)) throw new RangeError(`mixtureMetrics: sigma must be finite and > 0, got ${spec.sigma}`);
  if (spec.centers.length === 0) throw new RangeError('mixtureMetrics: spec.centers is empty');
  spec.centers.forEach((c, i) => {
    if (c.length !== 2 || !c.every(Number.isFinite)) throw new RangeError(`mixtureMetrics: centre ${i} must be 2 finite numbers`);
  });
  if (!(Number.isFinite(radiusSigmas) && radiusSigmas > 0)) throw new RangeError(`mixtureMetrics: hqRadiusSigmas must be finite and > 0, got ${radiusSigmas}`);
  if (!(Number.isFinite(recoveredShare) && recoveredShare >= 0))
    throw new RangeError(`mixtureMetrics: recoveredShare must be finite and ≥ 0, got ${recoveredShare}`);
}

/** Reads sample `i` from either input layout. */
function pointReader(samples: Float32Array | number[][]): { count: number; at(i: number): [number, number] } {
  if (samples instanceof Float32Array) {
    if (samples.length % 2 !== 0) throw new RangeError(`mixtureMetrics: typed samples must be n×2, got length ${samples.length}`);
    return { count: samples.length / 2, at: (i) => [samples[2 * i] as number, samples[2 * i + 1] as number] };
  }
  samples.forEach((row, i) => {
    if (row.length !== 2) throw new RangeError(`mixtureMetrics: sample ${i} has ${row.length} coordinates, expected 2`);
  });
  return {
    count: samples.length,
    at: (i) => {
      const row = samples[i] as number[];
      return [row[0] as number, row[1] as number];
    },
  };
}

/**
 * Scores 2-D samples against a mixture spec.
 *
 * - Each sample is assigned to its nearest centre (Euclidean; ties go to the lower index) and is
 *   high quality (HQ) when that distance is ≤ `hqRadiusSigmas · σ` (default 4σ). A non-finite
 *   sample is counted in `count` but is never HQ.
 * - Recovered rule: mode i is recovered when perMode[i] ≥ 1 and
 *   perMode[i] ≥ recoveredShare · highQualityCount / modeCount, i.e. it receives at least
 *   `recoveredShare` (default 0.1 = 10 %) of the count it would get if the HQ samples were
 *   spread evenly over the modes. With no HQ sample no mode is recovered.
 * - highQualityStd = sqrt(Σ over HQ samples of ((x − cx)² + (y − cy)²) / (2 · HQ)), the root
 *   mean squared per-coordinate deviation from the assigned centre: an estimate of σ itself.
 * - modeJSD = JS(h ‖ t) with h = (perMode, count − HQ) / count and t = (1/K, …, 1/K, 0).
 * - modeKL = Σ p_i · ln(p_i · K) with p_i = perMode[i] / HQ and 0 · ln 0 = 0: 0 when balanced,
 *   ln K when every HQ sample is in one mode.
 *
 * Metrics undefined for an empty set (share with count = 0; std and KL with HQ = 0) are NaN.
 * `samples` is n×2 row-major when a `Float32Array`.
 */
export function mixtureMetrics(samples: Float32Array | number[][], spec: MixtureSpec, options: MixtureMetricsOptions = {}): MixtureMetrics {
  const radiusSigmas = options.hqRadiusSigmas ?? DEFAULT_HQ_RADIUS_SIGMAS;
  const recoveredShare = options.recoveredShare ?? DEFAULT_RECOVERED_SHARE;
  validate(spec, radiusSigmas, recoveredShare);
  const points = pointReader(samples);
  const centers = spec.centers as [number, number][];
  const modeCount = centers.length;
  const radius2 = (radiusSigmas * spec.sigma) ** 2;

  const perMode = new Array<number>(modeCount).fill(0);
  let highQualityCount = 0;
  let squaredDeviation = 0;
  for (let i = 0; i < points.count; i++) {
    const [x, y] = points.at(i);
    let best = -1;
    let bestD2 = Infinity;
    centers.forEach(([cx, cy], m) => {
      const d2 = (x - cx) ** 2 + (y - cy) ** 2;
      if (d2 < bestD2) {
        bestD2 = d2;
        best = m;
      }
    });
    if (best < 0 || !(bestD2 <= radius2)) continue; // NaN coordinates never match a centre
    perMode[best] = (perMode[best] as number) + 1;
    highQualityCount++;
    squaredDeviation += bestD2;
  }

  return summarizeMixture({ count: points.count, perMode, squaredDeviation }, recoveredShare);
}

/** Sufficient statistics of a mixture score; tallies of disjoint sample sets add up. */
export interface MixtureTally {
  readonly count: number;
  /** HQ samples per mode. */
  readonly perMode: readonly number[];
  /** Σ over HQ samples of the squared distance to their centre. */
  readonly squaredDeviation: number;
}

/** The tally behind a metrics value (exact up to rounding of the std). */
export function mixtureTally(m: MixtureMetrics): MixtureTally {
  const hq = m.highQualityCount;
  return { count: m.count, perMode: m.perMode, squaredDeviation: hq > 0 ? 2 * hq * m.highQualityStd ** 2 : 0 };
}

export function addMixtureTallies(a: MixtureTally, b: MixtureTally): MixtureTally {
  return { count: a.count + b.count, perMode: a.perMode.map((c, i) => c + (b.perMode[i] ?? 0)), squaredDeviation: a.squaredDeviation + b.squaredDeviation };
}

/** Metrics from a tally, with the recovered rule, std and KL documented on {@link mixtureMetrics}. */
export function summarizeMixture(tally: MixtureTally, recoveredShare = DEFAULT_RECOVERED_SHARE): MixtureMetrics {
  const perMode = [...tally.perMode];
  const modeCount = perMode.length;
  const highQualityCount = perMode.reduce((a, b) => a + b, 0);
  // count·K ≥ share·HQ is the rule above without a division that could round across the boundary.
  const recoveredModes = perMode.filter((c) => c >= 1 && c * modeCount >= recoveredShare * highQualityCount).length;
  let modeKL = NaN;
  if (highQualityCount > 0) {
    modeKL = 0;
    for (const c of perMode) {
      if (c > 0) {
        const p = c / highQualityCount;
        modeKL += p * Math.log(p * modeCount);
      }
    }
    modeKL = Math.max(0, modeKL); // rounding can give −1e-17 for a balanced histogram
  }
  const target = [...perMode.map(() => 1 / modeCount), 0];

  return {
    count: tally.count,
    highQualityCount,
    highQualityShare: tally.count > 0 ? highQualityCount / tally.count : NaN,
    recoveredModes,
    modeCount,
    highQualityStd: highQualityCount > 0 ? Math.sqrt(tally.squaredDeviation / (2 * highQualityCount)) : NaN,
    modeKL,
    modeJSD:
      tally.count > 0
        ? jensenShannon(
            [...perMode, tally.count - highQualityCount].map((c) => c / tally.count),
            target,
          )
        : NaN,
    perMode,
  };
}

/** JS(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m) with m = (p + q)/2, natural log, 0 · ln 0 = 0. */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]!;
    const b = q[i]!;
    const m = (a + b) / 2;
    if (a > 0) js += 0.5 * a * Math.log(a / m);
    if (b > 0) js += 0.5 * b * Math.log(b / m);
  }
  return Math.max(0, js);
}

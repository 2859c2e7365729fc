/**
 * Isotonic calibration: pool-adjacent-violators on (D̃, label) gives a non-decreasing step
 * function of the logit. Steps are a poor input for samplers that take ratios of probabilities:
 * the saturated top block gives every proposal in it the same maximal ratio, which made exact
 * DRS collapse onto a few modes. So the fit is read by linear interpolation between the blocks'
 * centres (their mean logit), constant beyond the outermost centres, and clipped to
 * [1/(2n), 1 − 1/(2n)] (n = fitting set size) so that a block of all-real or all-generated
 * samples still has a finite logit (docs/sampling.md, "Calibration").
 */

export interface IsotonicFit {
  /** Mean logit of each block, increasing. */
  readonly centres: Float64Array;
  /** Share of real samples in each block, non-decreasing, already clipped. */
  readonly values: Float64Array;
}

/**
 * PAV on finite logits with labels 1 (real) or 0 (generated); equal logits are pooled first.
 * Blocks lighter than `minBlock` samples (default ⌈√n⌉) are then merged into a neighbour: PAV's
 * end blocks often hold a handful of samples that all happen to be real, and such a block's
 * share (1, clipped to 1 − 1/(2n)) would set every ratio-based sampler's maximum by chance.
 */
export function fitIsotonic(logits: ArrayLike<number>, labels: ArrayLike<number>, minBlock?: number): IsotonicFit {
  const n = logits.length;
  if (n === 0 || labels.length !== n) throw new RangeError(`fitIsotonic: need as many labels as logits (got ${n} and ${labels.length}), at least one`);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (logits[i] as number) - (logits[j] as number));
  // Blocks as a stack: summed x, summed y, weight.
  const sx: number[] = [];
  const sy: number[] = [];
  const w: number[] = [];
  const lastX: number[] = [];
  for (const i of order) {
    const x = logits[i] as number;
    const y = labels[i] as number;
    const top = w.length - 1;
    if (top >= 0 && lastX[top] === x) {
      sx[top]! += x;
      sy[top]! += y;
      w[top]! += 1;
    } else {
      sx.push(x);
      sy.push(y);
      w.push(1);
      lastX.push(x);
    }
    // Merge while the last block's mean is below the previous one's (a violation).
    while (w.length > 1) {
      const t = w.length - 1;
      if (sy[t - 1]! / w[t - 1]! <= sy[t]! / w[t]!) break;
      sx[t - 1]! += sx[t]!;
      sy[t - 1]! += sy[t]!;
      w[t - 1]! += w[t]!;
      lastX[t - 1] = lastX[t]!;
      sx.pop();
      sy.pop();
      w.pop();
      lastX.pop();
    }
  }
  mergeLightBlocks({ sx, sy, w }, minBlock ?? Math.ceil(Math.sqrt(n)));
  const lo = 1 / (2 * n);
  const hi = 1 - lo;
  return {
    centres: Float64Array.from(sx, (s, k) => s / w[k]!),
    values: Float64Array.from(sy, (s, k) => Math.min(hi, Math.max(lo, s / w[k]!))),
  };
}

/**
 * Pools blocks from the bottom up until each weighs at least `min`; a light last block joins the
 * one below it. Pooling adjacent blocks of a non-decreasing sequence keeps it non-decreasing.
 */
function mergeLightBlocks(blocks: { sx: number[]; sy: number[]; w: number[] }, min: number): void {
  const { sx, sy, w } = blocks;
  const out = { sx: [] as number[], sy: [] as number[], w: [] as number[] };
  let open = false;
  for (let k = 0; k < w.length; k++) {
    const top = out.w.length - 1;
    if (open) {
      out.sx[top]! += sx[k]!;
      out.sy[top]! += sy[k]!;
      out.w[top]! += w[k]!;
    } else {
      out.sx.push(sx[k]!);
      out.sy.push(sy[k]!);
      out.w.push(w[k]!);
    }
    open = out.w[out.w.length - 1]! < min;
  }
  const last = out.w.length - 1;
  if (open && last > 0) {
    out.sx[last - 1]! += out.sx[last]!;
    out.sy[last - 1]! += out.sy[last]!;
    out.w[last - 1]! += out.w[last]!;
    out.sx.pop();
    out.sy.pop();
    out.w.pop();
  }
  sx.splice(0, sx.length, ...out.sx);
  sy.splice(0, sy.length, ...out.sy);
  w.splice(0, w.length, ...out.w);
}

/** The calibrated probability at logit `x`: linear between block centres, constant outside. */
export function isotonicProbability(fit: IsotonicFit, x: number, interpolate = true): number {
  const { centres, values } = fit;
  const last = centres.length - 1;
  if (!(x > centres[0]!)) return values[0]!;
  if (x >= centres[last]!) return values[last]!;
  // The last centre ≤ x (binary search).
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (centres[mid]! <= x) lo = mid;
    else hi = mid;
  }
  if (!interpolate) return values[lo]!;
  const t = (x - centres[lo]!) / (centres[hi]! - centres[lo]!);
  return values[lo]! + t * (values[hi]! - values[lo]!);
}

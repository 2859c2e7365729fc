/**
 * How well D's probabilities are calibrated on labelled samples (1 = real, 0 = generated):
 * the MH-GAN paper's Z statistic and the expected calibration error.
 */

/** `Z = Σ(y − p) / √(Σ p(1 − p))`: about standard normal when p is calibrated. */
export function zStatistic(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i] as number;
    num += (labels[i] as number) - p;
    den += p * (1 - p);
  }
  return den > 0 ? num / Math.sqrt(den) : num === 0 ? 0 : Math.sign(num) * Infinity;
}

/** Expected calibration error over `bins` equal-width bins of p: Σ (n_b / n)·|mean y − mean p|. */
export function expectedCalibrationError(probabilities: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): number {
  const n = probabilities.length;
  if (n === 0) return NaN;
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const p = probabilities[i] as number;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    count[b]!++;
    sumP[b]! += p;
    sumY[b]! += labels[i] as number;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b]! > 0) ece += Math.abs(sumY[b]! - sumP[b]!) / n;
  return ece;
}

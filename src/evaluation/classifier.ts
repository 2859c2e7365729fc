/**
 * Class-coverage metrics from a classifier's logits on generated samples: which classes the
 * generator produces (histogram, entropy) and how confidently they are recognised.
 */

/** Metrics of n logit rows over k classes. */
export interface ClassifierMetrics {
  /** Samples whose arg-max class is j, for j = 0…k−1. */
  classHistogram: number[];
  /**
   * Entropy of `classHistogram / n`, natural log, 0 ≤ H ≤ ln k (ln k when every class is
   * predicted equally often). NaN when n = 0.
   */
  classEntropy: number;
  /** Mean over samples of the largest softmax probability, in [1/k, 1]. NaN when n = 0. */
  meanConfidence: number;
  /** Arg-max class of each row (ties go to the lower class index). */
  predictedClasses: Int32Array;
}

/**
 * Softmax probability of the arg-max class of one row, and that class.
 *
 * Stable form: with m = max logit, p_max = 1 / Σ_j exp(l_j − m), so no exponent exceeds 0 and
 * nothing overflows however large the logits are (docs/sampling.md, "Pitfalls": `exp(logit)` overflows).
 */
function topClass(logits: Float32Array, offset: number, k: number): { index: number; probability: number } {
  let index = 0;
  let max = logits[offset] as number;
  for (let j = 1; j < k; j++) {
    const l = logits[offset + j] as number;
    if (l > max) {
      max = l;
      index = j;
    }
  }
  let sum = 0;
  for (let j = 0; j < k; j++) sum += Math.exp((logits[offset + j] as number) - max);
  return { index, probability: 1 / sum };
}

/**
 * Class histogram, class entropy and mean confidence of n rows of k logits (`logits` is n×k
 * row-major). Throws `RangeError` on a wrong length, k < 1, or a non-finite logit.
 */
export function classifierMetrics(logits: Float32Array, n: number, k: number): ClassifierMetrics {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(k) || k < 1) {
    throw new RangeError(`classifierMetrics: need integers n ≥ 0 and k ≥ 1, got n = ${n}, k = ${k}`);
  }
  if (logits.length !== n * k) throw new RangeError(`classifierMetrics: expected ${n}×${k} = ${n * k} logits, got ${logits.length}`);
  for (let i = 0; i < logits.length; i++) {
    if (!Number.isFinite(logits[i])) throw new RangeError(`classifierMetrics: logit ${i} (row ${Math.floor(i / k)}) is not finite`);
  }

  const classHistogram = new Array<number>(k).fill(0);
  const predictedClasses = new Int32Array(n);
  let confidenceSum = 0;
  for (let r = 0; r < n; r++) {
    const { index, probability } = topClass(logits, r * k, k);
    predictedClasses[r] = index;
    classHistogram[index] = (classHistogram[index] as number) + 1;
    confidenceSum += probability;
  }

  let classEntropy = NaN;
  if (n > 0) {
    classEntropy = 0;
    for (const c of classHistogram) {
      if (c > 0) {
        const p = c / n;
        classEntropy -= p * Math.log(p);
      }
    }
  }
  return { classHistogram, classEntropy, meanConfidence: n > 0 ? confidenceSum / n : NaN, predictedClasses };
}

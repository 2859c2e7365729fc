import { describe, expect, it } from 'vitest';
import { classifierMetrics } from '../../src/evaluation/classifier.js';

describe('classifierMetrics', () => {
  it('computes confidence, predictions and histogram on hand-made logits', () => {
    // Row 0: tie → class 0, p = 1/2. Row 1: softmax(0, ln 3) → class 1, p = 3/4.
    // Row 2: softmax(ln 4, 0) → class 0, p = 4/5. (ln 3, ln 4 rounded to float32: ~1e-7 off.)
    const m = classifierMetrics(Float32Array.from([0, 0, 0, Math.log(3), Math.log(4), 0]), 3, 2);
    expect(Array.from(m.predictedClasses)).toEqual([0, 1, 0]);
    expect(m.classHistogram).toEqual([2, 1]);
    expect(m.meanConfidence).toBeCloseTo((0.5 + 0.75 + 0.8) / 3, 6);
    expect(m.classEntropy).toBeCloseTo(-(2 / 3) * Math.log(2 / 3) - (1 / 3) * Math.log(1 / 3), 14);
  });

  it('reaches the maximum entropy ln k when every class is predicted equally often', () => {
    const k = 4;
    const logits = new Float32Array(8 * k);
    for (let r = 0; r < 8; r++) logits[r * k + (r % k)] = 5;
    const m = classifierMetrics(logits, 8, k);
    expect(m.classHistogram).toEqual([2, 2, 2, 2]);
    expect(m.classEntropy).toBeCloseTo(Math.log(4), 14);
    // Each row: e⁵ / (e⁵ + 3).
    expect(m.meanConfidence).toBeCloseTo(Math.exp(5) / (Math.exp(5) + 3), 12);
  });

  it('gives entropy 0 when one class takes every sample', () => {
    const m = classifierMetrics(Float32Array.from([1, 9, 2, 0, 7, -3]), 2, 3);
    expect(m.classHistogram).toEqual([0, 2, 0]);
    expect(m.classEntropy).toBe(0);
  });

  it('computes a hand-checkable three-class entropy', () => {
    const m = classifierMetrics(Float32Array.from([1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]), 4, 3);
    expect(m.classHistogram).toEqual([2, 1, 1]);
    expect(m.classEntropy).toBeCloseTo(-(0.5 * Math.log(0.5) + 2 * 0.25 * Math.log(0.25)), 14);
  });

  it('stays finite for huge logits (stable softmax, no exp overflow)', () => {
    const m = classifierMetrics(Float32Array.from([1000, 0, -1000, 1e30, 1e30, -1e30]), 2, 3);
    expect(m.meanConfidence).toBeCloseTo((1 + 0.5) / 2, 15);
    expect(Array.from(m.predictedClasses)).toEqual([0, 0]);
  });

  it('is invariant to adding a constant to a row', () => {
    const base = classifierMetrics(Float32Array.from([0.5, -1, 2]), 1, 3);
    const shifted = classifierMetrics(Float32Array.from([80.5, 79, 82]), 1, 3);
    expect(shifted.meanConfidence).toBeCloseTo(base.meanConfidence, 6);
    expect(shifted.predictedClasses[0]).toBe(2);
  });

  it('handles k = 1 (confidence 1, entropy 0) and n = 0 (NaN metrics, empty histogram counts)', () => {
    const one = classifierMetrics(Float32Array.from([3, -2]), 2, 1);
    expect(one.meanConfidence).toBe(1);
    expect(one.classEntropy).toBe(0);
    const none = classifierMetrics(new Float32Array(0), 0, 3);
    expect(none.classHistogram).toEqual([0, 0, 0]);
    expect(none.classEntropy).toBeNaN();
    expect(none.meanConfidence).toBeNaN();
  });

  it('rejects a wrong length, k < 1 and non-finite logits', () => {
    expect(() => classifierMetrics(new Float32Array(5), 2, 3)).toThrow(/expected 2×3/);
    expect(() => classifierMetrics(new Float32Array(0), 0, 0)).toThrow(RangeError);
    expect(() => classifierMetrics(Float32Array.from([0, NaN]), 1, 2)).toThrow(/not finite/);
    expect(() => classifierMetrics(Float32Array.from([Infinity, 0]), 1, 2)).toThrow(/not finite/);
  });
});

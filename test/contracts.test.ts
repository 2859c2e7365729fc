/** `percentile` selects instead of sorting: it must give exactly what sorting gives. */
import { describe, expect, it } from 'vitest';
import { percentile } from '../src/contracts.js';
import { Random } from '../src/random.js';

/** The definition: sort (NaN last, as Float64Array sorts), then numpy's linear interpolation. */
function sortedPercentile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const rank = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return rank === lo ? sorted[lo]! : sorted[lo]! + (rank - lo) * (sorted[hi]! - sorted[lo]!);
}

describe('percentile', () => {
  it('equals the sort-based definition bit for bit, on many shapes of input', () => {
    const rng = new Random(42);
    const shapes: ((n: number) => number)[] = [
      () => rng.normal(), // distinct
      () => Math.floor(rng.uniform() * 5), // many ties
      (i) => i, // sorted
      (i) => -i, // reversed
      () => 7, // constant
      (i) => (i % 2 === 0 ? rng.normal() : Number.NaN), // NaN mixed in
    ];
    for (const shape of shapes) {
      for (const n of [1, 2, 3, 10, 511, 512, 2048]) {
        const values = Float64Array.from({ length: n }, (_, i) => shape(i));
        for (const q of [0, 5, 37.5, 50, 95, 99.9, 100, rng.uniform() * 100]) {
          expect(Object.is(percentile(values, q), sortedPercentile(values, q)), `n ${n}, q ${q}`).toBe(true);
        }
      }
    }
  });

  it('leaves its input alone and keeps numpy’s examples', () => {
    const input = [3, 1, 2];
    expect(percentile(input, 50)).toBe(2);
    expect(input).toEqual([3, 1, 2]);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 7, 4, 3, 2, 1], 25)).toBe(2.25);
    expect(() => percentile([], 50)).toThrow('percentile of an empty set');
    expect(() => percentile([1], -1)).toThrow('percentile must be in [0, 100], got -1');
  });
});

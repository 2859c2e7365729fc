/**
 * RunTally's distinct-output count: a fast path while every output is a new proposal above the
 * last (naive, DRS), and a per-id count once ids repeat (chains, held rows). Both must agree with
 * counting the multiset of outputs directly, through repeats, retractions and snapshots.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/random.js';
import { RunTally } from '../../src/sampling/tally.js';

const state = { report: () => ({}) };
const round = (ids: number[]) => ({ rounds: 1, batchRowsTotal: ids.length, considered: ids.length, invalid: 0, ids: Float64Array.from(ids), decided: true });

/** The reference: outputs as a multiset, distinct = ids with a positive count. */
class Reference {
  readonly counts = new Map<number, number>();
  add(ids: number[]): void {
    for (const id of ids) this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }
  retract(ids: number[]): void {
    for (const id of ids) {
      const n = this.counts.get(id) ?? 0;
      if (n <= 1) this.counts.delete(id);
      else this.counts.set(id, n - 1);
    }
  }
  get distinct(): number {
    return this.counts.size;
  }
}

describe('RunTally distinct outputs', () => {
  it('counts every output of ascending fresh ids, across rounds bigger than its initial buffer', () => {
    const tally = new RunTally(1, state);
    let next = 0;
    for (let r = 0; r < 5; r++) tally.add(round(Array.from({ length: 3000 }, () => next++)));
    expect(tally.stats()).toMatchObject({ accepted: 15_000, distinctOutputs: 15_000 });
  });

  it('agrees with the multiset through gaps, repeats, held ids, retractions and re-additions (fixed seed)', () => {
    const rng = new Random(7, 1);
    for (let trial = 0; trial < 20; trial++) {
      const tally = new RunTally(1, state);
      const ref = new Reference();
      let next = 0;
      const output: number[] = [];
      for (let r = 0; r < 30; r++) {
        const u = rng.uniform();
        if (u < 0.2 && output.length > 0) {
          // Take back a few outputs (re-thinning), each once.
          const k = Math.min(output.length, 1 + Math.floor(rng.uniform() * 3));
          const dropped = output.splice(output.length - k, k);
          tally.retract(dropped);
          ref.retract(dropped);
          continue;
        }
        const ids: number[] = [];
        for (let i = 0; i < 8; i++) {
          const v = rng.uniform();
          // Mostly fresh ascending ids with gaps (DRS); sometimes a repeat (a chain) or an older id (a held row).
          if (trial % 2 === 0 || v < 0.9) ids.push((next += 1 + Math.floor(rng.uniform() * 3)));
          else ids.push(output.length > 0 ? output[Math.floor(rng.uniform() * output.length)]! : next);
        }
        tally.add(round(ids));
        ref.add(ids);
        output.push(...ids);
        expect(tally.stats().distinctOutputs).toBe(ref.distinct);
        expect(tally.snapshot().distinct).toBe(ref.distinct);
      }
    }
  });

  it('re-adding an id retracted on the fast path counts it again once', () => {
    const tally = new RunTally(1, state);
    tally.add(round([0, 1, 2]));
    tally.retract([2]);
    expect(tally.stats().distinctOutputs).toBe(2);
    tally.add(round([2, 2, 5]));
    expect(tally.stats()).toMatchObject({ accepted: 5, distinctOutputs: 4 });
  });

  it('continues from a snapshot: distinct outputs before the resume add to those after', () => {
    const first = new RunTally(1, state);
    first.add(round([0, 1, 2, 2]));
    const resumed = new RunTally(1, state, first.snapshot());
    resumed.add(round([3, 4]));
    expect(resumed.stats()).toMatchObject({ accepted: 6, distinctOutputs: 5 });
  });
});

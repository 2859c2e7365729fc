/** The acceptance step's output gathering: packed copies, or the round's own arrays when every row is output in order. */
import { describe, expect, it } from 'vitest';
import type { Round, SamplerState } from '../../src/contracts.js';
import { decideRound, type HeldRow } from '../../src/sampling/accept.js';

/** A sampler that outputs the rows `pick` chooses, each with probability 0.5. */
const picking = (pick: (n: number) => number[]): SamplerState => ({
  step(round: Round) {
    for (const k of pick(round.logits.length)) round.emit(k, 0.5);
  },
  report: () => ({}),
});

function decide(state: SamplerState, logits: Float64Array, needed = 100) {
  const samples = Float32Array.from({ length: logits.length * 2 }, (_, i) => i); // rows of 2
  const decision = decideRound({
    logits,
    samples,
    sampleSize: 2,
    state,
    uniforms: { uniform: () => 0.25 },
    needed,
    held: new Map<number, HeldRow>(),
    real: null,
    firstId: 10,
    samplerName: 'test',
  });
  return { samples, outputs: decision.outputs };
}

describe('decideRound outputs', () => {
  const logits = Float64Array.of(0.5, 1.5, 2.5, 3.5);

  it('pack the chosen rows in order, with their logits, probabilities and run-wide ids', () => {
    const { samples, outputs } = decide(
      picking(() => [1, 3]),
      logits,
    );
    expect(Array.from(outputs.samples)).toEqual([2, 3, 6, 7]);
    expect(Array.from(outputs.logits)).toEqual([1.5, 3.5]);
    expect(Array.from(outputs.probabilities)).toEqual([0.5, 0.5]);
    expect(Array.from(outputs.ids)).toEqual([11, 13]);
    expect(outputs.samples.buffer).not.toBe(samples.buffer);
  });

  it("hand on the round's arrays uncopied when every row is output in order", () => {
    const { samples, outputs } = decide(
      picking((n) => Array.from({ length: n }, (_, k) => k)),
      logits,
    );
    expect(outputs.samples.buffer).toBe(samples.buffer);
    expect(outputs.logits).toBe(logits);
    expect(Array.from(outputs.samples)).toEqual(Array.from(samples));
    expect(Array.from(outputs.ids)).toEqual([10, 11, 12, 13]);
  });

  it('copy when every row is output but not in order, or when fewer are needed', () => {
    const reversed = decide(
      picking((n) => Array.from({ length: n }, (_, k) => n - 1 - k)),
      logits,
    );
    expect(reversed.outputs.samples.buffer).not.toBe(reversed.samples.buffer);
    expect(Array.from(reversed.outputs.samples)).toEqual([6, 7, 4, 5, 2, 3, 0, 1]);
    const capped = decide(
      picking((n) => Array.from({ length: n }, (_, k) => k)),
      logits,
      3,
    );
    expect(capped.outputs.count).toBe(3);
    expect(Array.from(capped.outputs.samples)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

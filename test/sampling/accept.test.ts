/** The acceptance step's output gathering: packed copies, appended to a run's columns batch after batch, and the arrays reused between batches. */
import { describe, expect, it } from 'vitest';
import type { Round, SamplerState } from '../../src/contracts.js';
import { DecisionScratch, decideRound, type HeldRow } from '../../src/sampling/accept.js';
import { OutputColumns } from '../../src/sampling/outputs.js';

/** A sampler that outputs the rows `pick` chooses, each with probability 0.5. */
const picking = (pick: (n: number) => number[]): SamplerState => ({
  step(round: Round) {
    for (const k of pick(round.logits.length)) round.emit(k, 0.5);
  },
  report: () => ({}),
});

function decide(state: SamplerState, logits: Float64Array, needed = 100, scratch?: DecisionScratch, sink?: OutputColumns, firstId = 10) {
  const samples = Float32Array.from({ length: logits.length * 2 }, (_, i) => i); // rows of 2
  const decision = decideRound(
    {
      logits,
      samples,
      sampleSize: 2,
      state,
      uniforms: { uniform: () => 0.25 },
      needed,
      held: new Map<number, HeldRow>(),
      real: null,
      firstId,
      samplerName: 'test',
    },
    scratch,
    sink,
  );
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

  it("append batch after batch to a run's columns, whole blocks when every row is output in order, reusing the same arrays", () => {
    const sink = new OutputColumns(2, 1); // room for 1 row: appending must grow it
    const scratch = new DecisionScratch();
    const seen: Float64Array[] = [];
    const all: SamplerState = {
      step(round: Round) {
        seen.push(round.uniforms);
        for (let k = 0; k < round.logits.length; k++) round.emit(k, 0.5);
      },
      report: () => ({}),
    };
    const first = decide(all, logits, 100, scratch, sink, 10);
    expect(Array.from(first.outputs.samples)).toEqual(Array.from(first.samples));
    const second = decide(
      picking(() => [2]),
      logits,
      100,
      scratch,
      sink,
      20,
    );
    expect(sink.count).toBe(5);
    expect(Array.from(sink.view().ids)).toEqual([10, 11, 12, 13, 22]);
    expect(Array.from(sink.view().logits)).toEqual([0.5, 1.5, 2.5, 3.5, 2.5]);
    expect(Array.from(sink.view().samples)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 4, 5]);
    // What each decision returns is the part it appended, as views of the columns.
    expect(second.outputs.ids.buffer).toBe(sink.ids.buffer);
    expect(Array.from(second.outputs.ids)).toEqual([22]);
    // The run's scratch is reused: no fresh arrays per batch.
    expect(seen[0]!.buffer).toBe(scratch.uniforms.buffer);
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

/**
 * A run reads a round as its batches come back: a decision batch inside one piece is a view of
 * it, one across pieces a copy; each piece's batch stats are counted once; the reader waits only
 * for the pieces it needs, and a wait rejects as soon as the run is cancelled.
 */
import { describe, expect, it } from 'vitest';
import { AbortableWaits } from '../../src/abort.js';
import type { RoundPiece } from '../../src/inference/batcher.js';
import { RoundReader, type PipelineRound } from '../../src/sampling/pipeline.js';

/** A round of `sizes` pieces (sample size 2: row r holds r and −r; logit r), each settled by hand. */
function round(sizes: number[]) {
  const settle: ((piece: RoundPiece) => void)[] = [];
  const arrivals: number[] = [];
  let row = 0;
  const made = sizes.map((n) => {
    const samples = Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? row + i / 2 : -(row + (i - 1) / 2)));
    const logits = Float32Array.from({ length: n }, (_, i) => row + i);
    row += n;
    return { samples, logits, rounds: 1, batchRowsTotal: 100 + n, inferenceMs: n };
  });
  const pieces = made.map((piece) => new Promise<RoundPiece>((resolve) => settle.push(() => resolve(piece))));
  const r: PipelineRound = {
    rows: row,
    pieces,
    arrived: (p) => arrivals.push(p.logits.length),
    output: Promise.reject(new Error('unused')),
    latents: null,
    latentsAfter: null,
    drawnAfter: row,
  };
  r.output.catch(() => undefined);
  return { r, settle: (k: number) => settle[k]!(made[k]!), made, arrivals };
}

describe('RoundReader', () => {
  it('gives views inside a piece and copies across pieces, counting each piece once', async () => {
    const { r, settle, made, arrivals } = round([6, 6]);
    const reader = new RoundReader(r, 2);
    const waits = new AbortableWaits(new AbortController().signal);
    expect(reader.ready(0, 4)).toBeNull(); // nothing back yet
    settle(0);
    const a = await reader.wait(0, 4, waits);
    expect(a.raw.buffer).toBe(made[0]!.logits.buffer); // a view
    expect(Array.from(a.raw)).toEqual([0, 1, 2, 3]);
    expect([a.rounds, a.batchRowsTotal]).toEqual([1, 106]);
    expect(reader.ready(4, 8)).toBeNull(); // needs the second piece
    settle(1);
    const b = await reader.wait(4, 8, waits);
    expect(b.raw.buffer).not.toBe(made[0]!.logits.buffer); // across the two pieces: a copy
    expect(Array.from(b.raw)).toEqual([4, 5, 6, 7]);
    expect(Array.from(b.samples)).toEqual([4, -4, 5, -5, 6, -6, 7, -7]);
    expect([b.rounds, b.batchRowsTotal]).toEqual([1, 106]); // only the second piece is new
    const c = reader.ready(8, 12)!;
    expect(Array.from(c.raw)).toEqual([8, 9, 10, 11]);
    expect([c.rounds, c.batchRowsTotal]).toEqual([0, 0]);
    expect(arrivals).toEqual([6, 6]); // the pipeline heard of each piece once
  });

  it('rejects a wait at once when the run is cancelled, whatever the piece does later', async () => {
    const { r, settle } = round([4]);
    const reader = new RoundReader(r, 2);
    const controller = new AbortController();
    const waits = new AbortableWaits(controller.signal);
    const waiting = reader.wait(0, 4, waits);
    controller.abort(new DOMException('stopped', 'AbortError'));
    await expect(waiting).rejects.toThrow('stopped');
    settle(0);
    await expect(reader.wait(0, 4, waits)).rejects.toThrow('stopped'); // a cancelled run waits no more
  });
});

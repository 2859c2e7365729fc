/**
 * How a run sizes its rounds: whole batches, one until the model's speed is known, then as many
 * as take about roundTargetMs, never more than the request still needs, and a fixed batchSize
 * when rounds may not grow. The round function here reports a fixed inference time per row.
 */
import { describe, expect, it } from 'vitest';
import type { RoundOutput } from '../../src/inference/batcher.js';
import { Random } from '../../src/random.js';
import { RoundPipeline, type PipelineOptions } from '../../src/sampling/pipeline.js';

function pipeline(options: Partial<PipelineOptions> & { msPerRow: number }) {
  const sizes: number[] = [];
  const round = (latents: Float32Array, rows: number): Promise<RoundOutput> => {
    sizes.push(rows);
    return Promise.resolve({ samples: latents, logits: new Float32Array(rows), rounds: 1, batchRowsTotal: rows, inferenceMs: rows * options.msPerRow });
  };
  const p = new RoundPipeline({
    round,
    depth: 1,
    batchSize: 10,
    maxRoundRows: 1000,
    roundTargetMs: 20,
    maxProposals: 1e9,
    latents: { rng: new Random(1), dim: 1, distribution: 'uniform' },
    signal: new AbortController().signal,
    ...options,
  });
  return { p, sizes };
}

const allAccepted = (proposed: number, count: number) => ({ proposed, accepted: proposed, acceptanceRate: proposed > 0 ? 1 : 0, count });

/** Runs `rounds` rounds, everything accepted. */
async function drive(p: RoundPipeline, rounds: number, count: number): Promise<void> {
  let proposed = 0;
  for (let i = 0; i < rounds; i++) {
    p.fill(allAccepted(proposed, count));
    proposed += (await p.next()!.output).logits.length;
  }
}

describe('RoundPipeline round sizes', () => {
  it('starts with one batch, then sizes rounds for roundTargetMs of inference, in whole batches', async () => {
    const { p, sizes } = pipeline({ msPerRow: 0.1 }); // 20 ms = 200 rows
    await drive(p, 3, 1e6);
    expect(sizes).toEqual([10, 200, 200]);
  });

  it('never exceeds maxRoundRows nor what the request still needs', async () => {
    const fast = pipeline({ msPerRow: 0.001 }); // 20 ms = 20,000 rows: capped at 1000
    await drive(fast.p, 2, 1e6);
    expect(fast.sizes).toEqual([10, 1000]);
    const small = pipeline({ msPerRow: 0.001 });
    await drive(small.p, 2, 55); // 10 drawn, 45 more needed: 5 batches
    expect(small.sizes).toEqual([10, 50]);
  });

  it('keeps the batch size when rounds may not grow (a request that set batchSize)', async () => {
    const { p, sizes } = pipeline({ msPerRow: 0.001, maxRoundRows: 10 });
    await drive(p, 3, 1e6);
    expect(sizes).toEqual([10, 10, 10]);
  });
});

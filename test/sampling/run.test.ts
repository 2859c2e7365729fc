import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SamplingError } from '../../src/errors.js';
import type { BatchRecord } from '../../src/inference/batcher.js';
import type { SamplingEngine } from '../../src/sampling/engine.js';
import { collect, createTestEngine } from '../helpers/engine.js';

let engine: SamplingEngine;
let batches: BatchRecord[];

beforeAll(async () => {
  ({ engine, batches } = await createTestEngine());
});
afterAll(() => engine.close());

describe('a sampling run', () => {
  it('is reproducible from its seed and differs across seeds', async () => {
    const request = { modelId: 'gaussian-mixture-1d', sampler: { name: 'drs', params: { gamma: 0 } }, count: 300 };
    const a = await engine.sampleAll({ ...request, seed: 5 });
    const b = await engine.sampleAll({ ...request, seed: 5 });
    const c = await engine.sampleAll({ ...request, seed: 6 });
    expect(Array.from(b.samples)).toEqual(Array.from(a.samples));
    expect(Array.from(b.acceptanceProbabilities)).toEqual(Array.from(a.acceptanceProbabilities));
    expect(b.stats.proposed).toBe(a.stats.proposed);
    expect(Array.from(c.samples)).not.toEqual(Array.from(a.samples));
  });

  it('sizes its own rounds when the request sets no batchSize, with the samples of batchSize 512', async () => {
    // Default γ: the 95th percentile of each batch, so any change in how proposals are batched for decisions would show.
    const request = { modelId: 'gaussian-mixture-1d', sampler: { name: 'drs' }, count: 3000, seed: 9 };
    const pinned = await engine.sampleAll({ ...request, batchSize: 512 });
    const adaptive = await engine.sampleAll(request);
    expect(Array.from(adaptive.samples)).toEqual(Array.from(pinned.samples));
    expect(Array.from(adaptive.acceptanceProbabilities)).toEqual(Array.from(pinned.acceptanceProbabilities));
    expect(adaptive.stats).toMatchObject({ proposed: pinned.stats.proposed, gammaMean: pinned.stats.gammaMean, logitMaxEnd: pinned.stats.logitMaxEnd });
    // Pinned: one round per 512 proposals. Adaptive: rounds of up to maxBatchSize (2048), so far fewer.
    expect(pinned.stats.rounds).toBeGreaterThanOrEqual(Math.ceil(pinned.stats.proposed / 512));
    expect(adaptive.stats.rounds).toBeLessThanOrEqual(Math.ceil(pinned.stats.rounds / 2));
    expect(adaptive.stats.meanBatchSize).toBeGreaterThan(1024);
  });

  it('streams chunks and stops at exactly count', async () => {
    const chunks = await collect(
      engine.sample({ modelId: 'uniform-gaussian-1d', sampler: { name: 'drs', params: { gamma: 0 } }, count: 1000, seed: 1, batchSize: 128 }),
    );
    expect(chunks.length).toBeGreaterThan(5); // ~0.42 × 128 accepted per round
    expect(chunks.reduce((n, c) => n + c.count, 0)).toBe(1000);
    expect(chunks.map((c) => c.done)).toEqual([...chunks.slice(1).map(() => false), true]);
    const last = chunks.at(-1)!.stats;
    expect(last.accepted).toBe(1000);
    expect(last.acceptanceRate).toBeCloseTo(1000 / last.proposed, 12);
    // stats grow monotonically across chunks
    const proposed = chunks.map((c) => c.stats.proposed);
    expect([...proposed].sort((x, y) => x - y)).toEqual(proposed);
    expect(last.rounds).toBeGreaterThanOrEqual(Math.ceil(last.proposed / 128));
    expect(last.elapsedMs).toBeGreaterThan(0);
  });

  it('each accepted sample carries its logit and acceptance probability', async () => {
    const r = await engine.sampleAll({ modelId: 'uniform-gaussian-1d', sampler: { name: 'drs', params: { gamma: 0 } }, count: 200, seed: 2 });
    const logM = r.stats.logitMaxEnd!;
    for (let i = 0; i < r.count; i++) {
      const x = r.samples[i]!;
      const exactLogit = -0.5 * x * x - 0.5 * Math.log(2 * Math.PI) + Math.log(6);
      expect(r.logits[i]).toBeCloseTo(exactLogit, 5);
      // γ = 0: p = exp(D̃ − D̃_M) up to ε and the running max at the time (≤ the final one)
      expect(r.acceptanceProbabilities[i]).toBeGreaterThanOrEqual(Math.exp(exactLogit - logM) * (1 - 1e-4));
      expect(r.acceptanceProbabilities[i]).toBeLessThanOrEqual(1);
    }
  });

  it('ends with an error naming the acceptance rate when the proposal budget runs out', async () => {
    const run = engine.sample({
      modelId: 'uniform-gaussian-1d',
      sampler: { name: 'threshold', params: { logitThreshold: 0.8 } },
      count: 10_000,
      seed: 3,
      maxProposals: 5000,
    });
    const error = await collect(run).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SamplingError);
    expect((error as SamplingError).code).toBe('PROPOSAL_BUDGET_EXHAUSTED');
    expect((error as Error).message).toMatch(/proposal budget of 5000 exhausted after accepting \d+ of 10000 samples \(acceptance rate [\d.]+%\)/);
    expect(run.stats.proposed).toBe(5000);
    expect(engine.load.activeRuns).toBe(0);
  });

  it('never spins on a sampler that accepts nothing', async () => {
    const run = engine.sample({
      modelId: 'uniform-gaussian-1d',
      sampler: { name: 'threshold', params: { logitThreshold: 100 } },
      count: 1,
      seed: 3,
      maxProposals: 2000,
    });
    await expect(collect(run)).rejects.toThrow(/acceptance rate 0\.00+%/);
  });

  it('counts NaN and -Inf logits as rejections', async () => {
    // D = log(x) on x ~ U[-3, 3]: NaN for half of the proposals.
    const r = await engine.sampleAll({ modelId: 'nan-logits-1d', sampler: { name: 'drs', params: { gamma: 0 } }, count: 2000, seed: 4 });
    expect(r.count).toBe(2000);
    expect(Array.from(r.samples).every((x) => x > 0)).toBe(true);
    expect(r.stats.invalidLogits / r.stats.proposed).toBeGreaterThan(0.45);
    expect(r.stats.invalidLogits / r.stats.proposed).toBeLessThan(0.55);
    expect(Number.isFinite(r.stats.logitMaxEnd)).toBe(true);
    // accepted density ∝ x on (0, 3]: acceptance = ½ · E[x/3 | x > 0] = ¼ (±10% for ~8000 proposals)
    expect(r.stats.acceptanceRate).toBeGreaterThan(0.225);
    expect(r.stats.acceptanceRate).toBeLessThan(0.275);
  });

  it('stops within one round when cancelled, leaving nothing running', async () => {
    const controller = new AbortController();
    const run = engine.sample(
      { modelId: 'uniform-gaussian-1d', sampler: { name: 'naive' }, count: 100_000, seed: 1, batchSize: 64 },
      { signal: controller.signal },
    );
    let chunks = 0;
    const consumed = (async () => {
      for await (const _ of run) if (++chunks === 3) controller.abort();
    })();
    await expect(consumed).rejects.toThrow(/abort/i);
    expect(chunks).toBe(3);
    expect(run.stats.accepted).toBe(3 * 64);
    expect(engine.load.activeRuns).toBe(0);
    const roundsAtCancel = engine.load.inferenceRounds;
    await new Promise((r) => setTimeout(r, 50));
    expect(engine.load.inferenceRounds - roundsAtCancel).toBeLessThanOrEqual(1); // at most the prefetched round finishes
  });

  it('stops when the consumer breaks out of the loop', async () => {
    const run = engine.sample({ modelId: 'uniform-gaussian-1d', sampler: { name: 'naive' }, count: 100_000, seed: 1, batchSize: 64 });
    for await (const chunk of run) if (chunk.stats.accepted >= 128) break;
    expect(run.signal.aborted).toBe(true);
    expect(engine.load.activeRuns).toBe(0);
  });

  it('computes a burn-in once per model and count, whatever asks for it', async () => {
    const before = batches.length;
    const req = (name: string, params: object, seed: number) =>
      engine.sampleAll({ modelId: 'gaussian-mixture-1d', sampler: { name, params }, count: 10, seed });
    const [a] = await Promise.all([
      req('drs', { burnInSamples: 3000, gamma: 0 }, 1),
      req('drs', { burnInSamples: 3000 }, 2),
      req('threshold', { burnInSamples: 3000 }, 3),
    ]);
    const after = batches.length;
    await req('drs', { burnInSamples: 3000, gamma: 0 }, 4);
    const burnInRows = batches.slice(before, after).reduce((n, b) => n + b.rows, 0);
    expect(burnInRows).toBeGreaterThanOrEqual(3000);
    expect(burnInRows).toBeLessThan(6000); // once, not three times
    const facts = await engine.burnInFacts('gaussian-mixture-1d');
    expect(facts.find((f) => f.count === 3000)?.logitMax).toBe(a.stats.logitMaxStart);
    // the fourth request paid no burn-in: only its own small rounds ran
    expect(batches.slice(after).reduce((n, b) => n + b.rows, 0)).toBeLessThan(3000);
  });
});

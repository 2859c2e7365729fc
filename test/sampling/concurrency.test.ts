/**
 * vLLM-style mixed batch: requests with different models, samplers and seeds run at once,
 * share inference rounds, and each gets exactly what it gets alone (row by row).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchRecord } from '../../src/inference/batcher.js';
import type { SampleRequest, SamplingEngine } from '../../src/sampling/engine.js';
import type { RunResult } from '../../src/sampling/run.js';
import { createTestEngine } from '../helpers/engine.js';

let engine: SamplingEngine;
let batches: BatchRecord[];

beforeAll(async () => {
  ({ engine, batches } = await createTestEngine({ batching: { maxBatchSize: 4096, maxQueueDelayMs: 5 } }));
});
afterAll(() => engine.close());

const requests: SampleRequest[] = [
  { modelId: 'uniform-gaussian-1d', sampler: { name: 'drs', params: { gamma: 0 } }, count: 1500, seed: 1, batchSize: 256 },
  { modelId: 'uniform-gaussian-1d', sampler: { name: 'drs', params: { gammaPercentile: 80 } }, count: 700, seed: 2, batchSize: 200 },
  { modelId: 'uniform-gaussian-1d', sampler: { name: 'threshold', params: { percentile: 30 } }, count: 900, seed: 3, batchSize: 128 },
  { modelId: 'uniform-gaussian-1d', sampler: { name: 'naive' }, count: 2000, seed: 1, batchSize: 300 },
  { modelId: 'gaussian-mixture-1d', sampler: { name: 'drs', params: { gamma: 0 } }, count: 1200, seed: 4, batchSize: 256 },
  { modelId: 'gaussian-mixture-1d', sampler: { name: 'threshold', params: { logitThreshold: 0 } }, count: 800, seed: 5, batchSize: 100 },
  { modelId: 'tiny-image', sampler: { name: 'drs', params: {} }, count: 300, seed: 6, batchSize: 256 },
  { modelId: 'uniform-gaussian-1d-prob', sampler: { name: 'drs', params: { gamma: 0 } }, count: 1000, seed: 1, batchSize: 256 },
];

describe('concurrent mixed requests', () => {
  it('share batches and each gets exactly its solo result', async () => {
    // Warm the burn-in cache so the solo and concurrent runs start from the same D̃_M.
    const solo: RunResult[] = [];
    for (const r of requests) solo.push(await engine.sampleAll(r));

    const before = batches.length;
    // Shuffled start order: results must not depend on it.
    const order = [5, 2, 7, 0, 3, 6, 1, 4];
    const together: RunResult[] = new Array(requests.length);
    await Promise.all(order.map(async (i) => (together[i] = await engine.sampleAll(requests[i]!))));
    const shared = batches.slice(before);

    expect(shared.some((b) => b.pieces.length >= 3)).toBe(true);
    requests.forEach((r, i) => {
      const a = solo[i]!;
      const b = together[i]!;
      expect(b.count, r.sampler.name).toBe(r.count);
      expect(Array.from(b.samples)).toEqual(Array.from(a.samples));
      expect(Array.from(b.acceptanceProbabilities)).toEqual(Array.from(a.acceptanceProbabilities));
      expect(b.stats.proposed).toBe(a.stats.proposed);
      expect(b.stats.logitMaxEnd).toBe(a.stats.logitMaxEnd);
    });
    // Coalescing shows in the stats: most requests ran in batches larger than their own.
    const grew = requests.filter((r, i) => together[i]!.stats.meanBatchSize > r.batchSize!).length;
    expect(grew).toBeGreaterThanOrEqual(6);
  });
});

/**
 * Dynamic batching: concurrent callers share rounds, full batches leave at once, partial ones
 * after the queue delay, every caller gets exactly its own rows, and aborted callers leave the
 * queue without costing inference. G(z) = 3z on these fixtures, so rows are checkable exactly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InferenceBatcher, type BatchRecord } from '../../src/inference/batcher.js';
import { WorkerPool } from '../../src/inference/pool.js';
import { loadModelRepository, type ReadyModel } from '../../src/models/repository.js';
import { workerSpec } from '../../src/inference/round.js';
import { FIXTURE_MODELS_DIR } from '../helpers/engine.js';

const repo = await loadModelRepository(FIXTURE_MODELS_DIR);
const model = workerSpec(repo.get('uniform-gaussian-1d') as ReadyModel);
const image = workerSpec(repo.get('tiny-image') as ReadyModel);

let pool: WorkerPool | undefined;
afterEach(() => pool?.close());

function setup(maxBatchSize: number, maxQueueDelayMs: number) {
  pool = new WorkerPool({ workers: 1, intraOpNumThreads: 1 });
  const batches: BatchRecord[] = [];
  const batcher = new InferenceBatcher(pool, { maxBatchSize, maxQueueDelayMs, onBatch: (b) => batches.push(b) });
  return { batcher, batches };
}

/** Latents k, k+1, … scaled into [-1, 1] so every caller's rows are distinct. */
const latents = (rows: number, offset: number) => Float32Array.from({ length: rows }, (_, i) => ((offset + i) % 1000) / 1000);

describe('InferenceBatcher', () => {
  it('coalesces concurrent callers into one round and hands each its own rows', async () => {
    const { batcher, batches } = setup(1024, 5);
    const outputs = await Promise.all([0, 1, 2, 3].map((k) => batcher.run(model, latents(16 + k, 100 * k), 16 + k)));
    expect(batches.map((b) => b.pieces)).toEqual([[16, 17, 18, 19]]);
    outputs.forEach((out, k) => {
      expect(out.rounds).toBe(1);
      expect(out.batchRowsTotal).toBe(70);
      expect(Array.from(out.samples)).toEqual(Array.from(latents(16 + k, 100 * k), (z) => Math.fround(3 * z)));
      expect(out.logits.length).toBe(16 + k);
    });
  });

  it('dispatches a full batch at once instead of waiting for the queue delay', async () => {
    const { batcher, batches } = setup(64, 60_000);
    const full = Promise.all([0, 1, 2, 3].map((k) => batcher.run(model, latents(16, 16 * k), 16)));
    const controller = new AbortController();
    const partial = batcher.run(model, latents(16, 999), 16, controller.signal);
    await full; // would hang for a minute with plain dataloader scheduling
    expect(batches.map((b) => b.pieces)).toEqual([[16, 16, 16, 16]]);
    controller.abort();
    await expect(partial).rejects.toThrow(/abort/i);
  });

  it('sends a partial batch after maxQueueDelayMs', async () => {
    const { batcher, batches } = setup(1024, 30);
    const started = performance.now();
    await batcher.run(model, latents(8, 0), 8);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(batches.map((b) => b.rows)).toEqual([8]);
  });

  it('splits a caller that does not fit the open batch, and reassembles its rows in order', async () => {
    const { batcher, batches } = setup(64, 5);
    const [small, big] = await Promise.all([batcher.run(model, latents(40, 0), 40), batcher.run(model, latents(100, 500), 100)]);
    expect(batches.map((b) => b.pieces)).toEqual([[40, 24], [64], [12]]);
    expect(small.rounds).toBe(1);
    expect(big.rounds).toBe(3);
    expect(big.batchRowsTotal).toBe(64 + 64 + 12);
    expect(Array.from(big.samples)).toEqual(Array.from(latents(100, 500), (z) => Math.fround(3 * z)));
  });

  it('keeps models in separate queues', async () => {
    const { batcher, batches } = setup(1024, 5);
    const [a, b] = await Promise.all([batcher.run(model, latents(4, 0), 4), batcher.run(image, new Float32Array(3 * 4).fill(0), 3)]);
    expect(batches.map((x) => [x.modelId, x.rows]).sort(([m], [n]) => String(m).localeCompare(String(n)))).toEqual([
      ['tiny-image', 3],
      ['uniform-gaussian-1d', 4],
    ]);
    expect(a.samples.length).toBe(4);
    expect(Array.from(b.samples)).toEqual(new Array(12).fill(0.5)); // sigmoid(0) per pixel
  });

  it('releases an aborted caller from the queue: no inference for its rows', async () => {
    const { batcher, batches } = setup(1024, 20);
    const controller = new AbortController();
    const kept = batcher.run(model, latents(10, 0), 10);
    const dropped = batcher.run(model, latents(30, 0), 30, controller.signal);
    controller.abort();
    await expect(dropped).rejects.toThrow(/abort/i);
    await kept;
    expect(batches.map((b) => b.pieces)).toEqual([[10]]);
  });

  it('rejects latents of the wrong size with a message naming both sizes', async () => {
    const { batcher } = setup(1024, 1);
    await expect(batcher.run(model, new Float32Array(5), 4)).rejects.toThrow('expected 4×1 latents, got 5');
  });
});

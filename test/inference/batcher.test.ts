/**
 * Continuous batching: a round goes to a worker with room at once; while every worker is busy,
 * concurrent callers share rounds, full batches leave at once and partial ones when a worker
 * frees up or after the queue delay; every caller gets exactly its own rows, and aborted
 * callers leave the queue without costing inference. G(z) = 3z on these fixtures, so rows are
 * checkable exactly. A worker's reply is handled only after the current tick, so rounds sent
 * to the pool in the same tick as the callers keep it busy for them, deterministically.
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
  pool = new WorkerPool({ workers: 1, intraOpNumThreads: 1, maxInFlightPerWorker: 2 });
  const p = pool;
  const batches: (BatchRecord & { capacity: number })[] = [];
  const batcher = new InferenceBatcher(p, { maxBatchSize, maxQueueDelayMs, onBatch: (b) => batches.push({ ...b, capacity: p.capacity }) });
  /** Fills the worker's places with rounds of `rows` (outside the batcher). */
  const occupy = (rows = 1) => Promise.all([p.run(model, new Float32Array(rows), rows), p.run(model, new Float32Array(rows), rows)]);
  return { batcher, batches, occupy };
}

/** Latents k, k+1, … scaled into [-1, 1] so every caller's rows are distinct. */
const latents = (rows: number, offset: number) => Float32Array.from({ length: rows }, (_, i) => ((offset + i) % 1000) / 1000);

describe('InferenceBatcher', () => {
  it('sends rounds to an idle worker at the end of the tick, without waiting for the queue delay', async () => {
    const { batcher, batches } = setup(1024, 60_000);
    // Asked for in the same tick: they leave together, at once (a minute's delay would time out).
    const [a, b] = await Promise.all([batcher.run(model, latents(8, 0), 8), batcher.run(model, latents(5, 50), 5)]);
    expect(batches.map((x) => x.pieces)).toEqual([[8, 5]]);
    expect(Array.from(a.samples)).toEqual(Array.from(latents(8, 0), (z) => Math.fround(3 * z)));
    expect(b.batchRowsTotal).toBe(13);
    const c = await batcher.run(model, latents(3, 0), 3); // alone, the worker idle: its own round, at once
    expect(batches.map((x) => x.pieces)).toEqual([[8, 5], [3]]);
    expect(c.rounds).toBe(1);
  });

  it('coalesces callers while the worker is busy into one round and hands each its own rows', async () => {
    const { batcher, batches, occupy } = setup(1024, 60_000);
    const busy = occupy();
    const outputs = await Promise.all([0, 1, 2, 3].map((k) => batcher.run(model, latents(16 + k, 100 * k), 16 + k)));
    await busy;
    expect(batches.map((b) => b.pieces)).toEqual([[16, 17, 18, 19]]); // left when the worker freed up, not after a minute
    outputs.forEach((out, k) => {
      expect(out.rounds).toBe(1);
      expect(out.batchRowsTotal).toBe(70);
      expect(Array.from(out.samples)).toEqual(Array.from(latents(16 + k, 100 * k), (z) => Math.fround(3 * z)));
      expect(out.logits.length).toBe(16 + k);
    });
  });

  it('sends a full batch ahead at once, even while the worker is busy', async () => {
    const { batcher, batches, occupy } = setup(64, 60_000);
    const busy = occupy();
    const full = Promise.all([0, 1, 2, 3].map((k) => batcher.run(model, latents(16, 16 * k), 16)));
    const partial = batcher.run(model, latents(16, 999), 16);
    expect(batches.map((b) => b.pieces)).toEqual([[16, 16, 16, 16]]); // already sent, in this tick
    await Promise.all([busy, full, partial]);
    expect(batches.map((b) => b.pieces)).toEqual([[16, 16, 16, 16], [16]]);
  });

  it('sends a partial batch after maxQueueDelayMs while the worker stays busy', async () => {
    const { batcher, batches, occupy } = setup(1024, 5);
    await occupy(8); // sessions open
    // Two rounds of 1M rows keep the worker busy far longer than the 5 ms delay (≈ 300 ms in all here).
    const busy = occupy(1_000_000);
    const started = performance.now();
    const partial = batcher.run(model, latents(8, 0), 8);
    await new Promise((r) => setTimeout(r, 0));
    expect(batches).toEqual([]); // held: no worker has room
    await partial;
    expect(performance.now() - started).toBeGreaterThanOrEqual(4);
    expect(batches.map((b) => [b.rows, b.capacity])).toEqual([[8, 0]]); // sent by the delay, with every place still taken
    await busy;
  });

  it('splits a caller that does not fit the open batch, and reassembles its rows in order', async () => {
    const { batcher, batches, occupy } = setup(64, 5);
    const busy = occupy();
    const [small, big] = await Promise.all([batcher.run(model, latents(40, 0), 40), batcher.run(model, latents(100, 500), 100)]);
    await busy;
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
    const { batcher, batches, occupy } = setup(1024, 20);
    const busy = occupy();
    const controller = new AbortController();
    const kept = batcher.run(model, latents(10, 0), 10);
    const dropped = batcher.run(model, latents(30, 0), 30, controller.signal);
    controller.abort();
    await expect(dropped).rejects.toThrow(/abort/i);
    await Promise.all([kept, busy]);
    expect(batches.map((b) => b.pieces)).toEqual([[10]]);
  });

  it('drops a round already sent to the worker when every caller gives up before it starts', async () => {
    const { batcher, batches } = setup(8, 60_000);
    const p = pool!;
    await p.run(model, new Float32Array(8), 8); // sessions open
    const roundsBefore = p.rounds;
    const blocker = p.run(model, new Float32Array(1_000_000), 1_000_000); // ≈ 150 ms on the worker
    const controller = new AbortController();
    const dropped = batcher.run(model, latents(8, 0), 8, controller.signal);
    expect(batches.map((b) => b.pieces)).toEqual([[8]]); // full, so sent ahead to the busy worker's second place
    controller.abort();
    await expect(dropped).rejects.toThrow(/abort/i);
    await blocker;
    await new Promise((r) => setTimeout(r, 20));
    expect(p.rounds - roundsBefore).toBe(1); // the blocker only: the worker dropped the round it had not started
    expect(p.capacity).toBe(2);
  });

  it('rejects latents of the wrong size with a message naming both sizes', async () => {
    const { batcher } = setup(1024, 1);
    await expect(batcher.run(model, new Float32Array(5), 4)).rejects.toThrow('expected 4×1 latents, got 5');
  });
});

describe('InferenceBatcher.start (a round piece by piece)', () => {
  it("sends a big round's last partial batch with it, not after the queue delay, and draws latents batch by batch", async () => {
    const { batcher, batches, occupy } = setup(8, 60_000);
    const busy = occupy(); // every place taken: a partial batch would otherwise wait for a worker or the minute
    const asked: number[] = [];
    let next = 0;
    const pieces = batcher.start(model, 20, (n) => {
      asked.push(n);
      const z = latents(n, next);
      next += n;
      return z;
    });
    expect(asked).toEqual([8, 8, 4]); // one draw per batch, in order
    expect(batches.map((b) => b.pieces)).toEqual([[8], [8], [4]]); // all three left at once, the partial one too
    const out = await Promise.all(pieces);
    await busy;
    expect(out.map((p) => p.logits.length)).toEqual([8, 8, 4]);
    expect(out.flatMap((p) => Array.from(p.samples))).toEqual(Array.from(latents(20, 0), (z) => Math.fround(3 * z)));
    expect(out.map((p) => p.rounds)).toEqual([1, 1, 1]);
  });
});

/**
 * The worker pool: a model's spec reaches each worker once (and again a worker that replaced a
 * dead one), and a round whose signal aborts before a worker starts it never runs.
 * G(z) = 3z on the fixture, so outputs are checkable exactly.
 */
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/inference/pool.js';
import { workerSpec } from '../../src/inference/round.js';
import { loadModelRepository, type ReadyModel } from '../../src/models/repository.js';
import { FIXTURE_MODELS_DIR } from '../helpers/engine.js';

const repo = await loadModelRepository(FIXTURE_MODELS_DIR);
const model = workerSpec(repo.get('uniform-gaussian-1d') as ReadyModel);

let pool: WorkerPool | undefined;
afterEach(() => pool?.close());

const latents = (rows: number) => Float32Array.from({ length: rows }, (_, i) => i / rows);

describe('WorkerPool', () => {
  it('keeps serving a model after its worker died and was replaced (the new worker gets the spec)', async () => {
    pool = new WorkerPool({ workers: 1, intraOpNumThreads: 1 });
    expect(Array.from((await pool.run(model, latents(4), 4)).samples)).toEqual(Array.from(latents(4), (z) => Math.fround(3 * z)));
    const worker = (pool as unknown as { slots: { worker: Worker }[] }).slots[0]!.worker;
    const replaced = new Promise((resolve) => worker.once('exit', resolve));
    await worker.terminate();
    await replaced;
    const again = await pool.run(model, latents(5), 5);
    expect(Array.from(again.samples)).toEqual(Array.from(latents(5), (z) => Math.fround(3 * z)));
  });

  it('drops a round still queued in the pool when its signal aborts', async () => {
    pool = new WorkerPool({ workers: 1, intraOpNumThreads: 1, maxInFlightPerWorker: 1 });
    await pool.run(model, latents(4), 4);
    const rounds = pool.rounds;
    const running = pool.run(model, latents(8), 8);
    const controller = new AbortController();
    const queued = pool.run(model, latents(8), 8, controller.signal);
    expect(pool.queued).toBe(1);
    controller.abort();
    await expect(queued).rejects.toThrow(/abort/i);
    expect(pool.queued).toBe(0);
    await running;
    expect(pool.rounds - rounds).toBe(1);
  });
});

/**
 * The worker pool's shutdown. Terminating a worker thread (or exiting the process) while
 * onnxruntime's native run is in progress aborts the whole process ("terminate called after
 * throwing an instance of 'Napi::Error'"), so close() must wait for the native runs already
 * started, start no new ones, and only then release the sessions and stop the thread.
 */
import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/inference/pool.js';
import { workerSpec } from '../../src/inference/round.js';
import { loadModelRepository, type ReadyModel } from '../../src/models/repository.js';
import { FIXTURE_MODELS_DIR } from '../helpers/engine.js';

const repo = await loadModelRepository(FIXTURE_MODELS_DIR);
const spec = workerSpec(repo.get('uniform-gaussian-1d') as ReadyModel);

/** A round's outcome: its first sample, or why it failed. */
const outcome = (round: Promise<{ samples: Float32Array }>) =>
  round.then(
    (r) => r.samples[0],
    (e: Error) => e.message,
  );

describe('WorkerPool.close', () => {
  it('lets a round whose native run has started finish before it releases the sessions', async () => {
    const pool = new WorkerPool({ workers: 1, intraOpNumThreads: 1 });
    await pool.run(spec, new Float32Array(8), 8); // sessions open
    const rows = 5_000_000; // G and D take a while on one thread
    const order: string[] = [];
    const round = outcome(pool.run(spec, new Float32Array(rows).fill(0.1), rows)).finally(() => order.push('round'));
    await new Promise((r) => setTimeout(r, 100)); // inside G's native run by now
    await pool.close();
    order.push('closed');
    // The old worker released its sessions under D (the round failed); terminating the thread
    // under a native run, as the old pool did after 2 s, aborted the process.
    expect(await round).toBeCloseTo(0.3, 6); // G(z) = 3z
    expect(order).toEqual(['round', 'closed']);
  });

  it('rejects queued rounds, answers the ones in the worker, and refuses new ones', async () => {
    const pool = new WorkerPool({ workers: 1, intraOpNumThreads: 1, maxInFlightPerWorker: 2 });
    await pool.run(spec, new Float32Array(8), 8);
    const rows = 200_000;
    // Two rounds go to the worker at once (maxInFlightPerWorker), the third waits in the pool's queue.
    const rounds = [0, 1, 2].map((k) => outcome(pool.run(spec, new Float32Array(rows).fill(k / 10), rows)));
    await pool.close();
    const [first, second, queued] = await Promise.all(rounds);
    // Each round in the worker either completed (G(z) = 3z) or was refused before a native run it had not started.
    expect([expect.closeTo(0, 6), 'inference failed on model "uniform-gaussian-1d": the worker is closing']).toContainEqual(first);
    expect([expect.closeTo(0.3, 6), 'inference failed on model "uniform-gaussian-1d": the worker is closing']).toContainEqual(second);
    expect(queued).toBe('worker pool is closed');
    await expect(pool.run(spec, new Float32Array(8), 8)).rejects.toThrow(/worker pool is closed/);
  });
});

describe('WorkerPool work ahead', () => {
  it('gives a worker short jobs beyond two while their estimated time stays under queueAheadMs, long ones two at a time', async () => {
    const pool = new WorkerPool({ workers: 1, intraOpNumThreads: 1, queueAheadMs: 1000 });
    try {
      await pool.run(spec, new Float32Array(4), 4); // the model's speed is learned from this one
      const short = Array.from({ length: 6 }, () => pool.run(spec, new Float32Array(4), 4));
      expect(pool.queued).toBe(0); // all six went to the worker: far under a second of work
      await Promise.all(short);
    } finally {
      await pool.close();
    }
    const strict = new WorkerPool({ workers: 1, intraOpNumThreads: 1, queueAheadMs: 0 });
    try {
      await strict.run(spec, new Float32Array(4), 4);
      const held = Array.from({ length: 5 }, () => strict.run(spec, new Float32Array(4), 4));
      expect(strict.queued).toBe(3); // no time ahead allowed: two at the worker, the rest wait in the pool
      await Promise.all(held);
    } finally {
      await strict.close();
    }
  });
});

/** The worker pool's shutdown: rounds already inside a worker finish before its sessions are released. */
import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/inference/pool.js';
import { workerSpec } from '../../src/inference/round.js';
import { loadModelRepository, type ReadyModel } from '../../src/models/repository.js';
import { FIXTURE_MODELS_DIR } from '../helpers/engine.js';

const repo = await loadModelRepository(FIXTURE_MODELS_DIR);
const spec = workerSpec(repo.get('uniform-gaussian-1d') as ReadyModel);

describe('WorkerPool.close', () => {
  it('lets the rounds inside a worker finish, rejects the queued ones, then stops', async () => {
    const pool = new WorkerPool({ workers: 1, intraOpNumThreads: 1, maxInFlightPerWorker: 2 });
    await pool.run(spec, new Float32Array(8), 8); // sessions open
    const rows = 500_000;
    // Two rounds go to the worker at once (maxInFlightPerWorker), the third waits in the pool's queue.
    const rounds = [0, 1, 2].map((k) => pool.run(spec, new Float32Array(rows).fill(k / 10), rows));
    const settled = Promise.allSettled(rounds);
    await pool.close();
    const [first, second, queued] = await settled;
    // Releasing the sessions under these rounds used to fail them (or abort the process).
    expect(first).toMatchObject({ status: 'fulfilled', value: { samples: expect.any(Float32Array) } });
    expect(second).toMatchObject({ status: 'fulfilled' });
    expect((first as PromiseFulfilledResult<{ samples: Float32Array }>).value.samples.length).toBe(rows);
    expect((second as PromiseFulfilledResult<{ samples: Float32Array }>).value.samples[0]).toBeCloseTo(0.3, 6); // G(z) = 3z
    expect(queued).toMatchObject({ status: 'rejected', reason: new Error('worker pool is closed') });
    await expect(pool.run(spec, new Float32Array(8), 8)).rejects.toThrow(/worker pool is closed/);
  });
});

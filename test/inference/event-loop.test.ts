/**
 * onnxruntime-node's run() blocks its thread. Measured here: the same large round blocks the
 * event loop for its full duration when run on the main thread, and barely at all through the
 * worker pool. The bound is relative to the measured blocking time, so a slow machine does
 * not fail it; a pool that ran inference on the main thread would.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/inference/pool.js';
import { loadModelRepository, type ReadyModel } from '../../src/models/repository.js';
import { workerSpec } from '../../src/inference/round.js';
import { FIXTURE_MODELS_DIR } from '../helpers/engine.js';

const ROWS = 3_000_000;
const repo = await loadModelRepository(FIXTURE_MODELS_DIR);
const model = repo.get('gaussian-mixture-1d') as ReadyModel;
const pool = new WorkerPool({ workers: 1, intraOpNumThreads: 1 });
afterAll(() => pool.close());

/** Longest gap between 1 ms timer ticks while `work` runs. */
async function maxTimerGap(work: () => Promise<unknown>): Promise<{ gapMs: number; durationMs: number; p99Ms: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let gap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 1);
  histogram.enable();
  const started = performance.now();
  await work();
  const durationMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, 5));
  histogram.disable();
  clearInterval(timer);
  return { gapMs: gap, durationMs, p99Ms: histogram.percentile(99) / 1e6 };
}

describe('event loop under inference load', () => {
  it('stays responsive through the worker pool, unlike a main-thread run', async () => {
    const latents = () => Float32Array.from({ length: ROWS }, (_, i) => ((i % 2001) - 1000) / 500);
    const spec = workerSpec(model);
    await pool.run(spec, latents().subarray(0, 8).slice(), 8); // open sessions first

    const g = await ort.InferenceSession.create(model.generatorPath, { intraOpNumThreads: 1 });
    const d = await ort.InferenceSession.create(model.discriminatorPath, { intraOpNumThreads: 1 });
    const z = latents();
    const blocking = await maxTimerGap(async () => {
      const x = (await g.run({ z: new ort.Tensor('float32', z, [ROWS, 1]) })).x!;
      await d.run({ x });
    });
    await Promise.all([g.release(), d.release()]);

    const [z1, z2] = [latents(), latents()];
    const pooled = await maxTimerGap(() => Promise.all([pool.run(spec, z1, ROWS), pool.run(spec, z2, ROWS)]));
    // Sanity: the main-thread round really blocked for most of its duration …
    expect(blocking.gapMs).toBeGreaterThan(0.4 * blocking.durationMs); // G and D block separately
    expect(blocking.gapMs).toBeGreaterThan(30);
    // … and the pooled rounds (two of them, longer in total) did not: the loop kept ticking.
    expect(pooled.durationMs).toBeGreaterThan(blocking.durationMs);
    expect(pooled.gapMs).toBeLessThan(Math.max(25, 0.3 * blocking.gapMs));
    console.log(`main-thread round: ${blocking.durationMs.toFixed(0)} ms, max gap ${blocking.gapMs.toFixed(0)} ms; pooled: ${pooled.durationMs.toFixed(0)} ms, max gap ${pooled.gapMs.toFixed(1)} ms, p99 ${pooled.p99Ms.toFixed(1)} ms`);
  });
});

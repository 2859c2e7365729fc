/** The run gateway: lifecycle codes, server-wide limits, counting, and what it leaves behind. */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, SamplingError } from '../../src/errors.js';
import { loadModelRepository, ModelRepository, type ReadyModel } from '../../src/models/repository.js';
import { SamplingEngine } from '../../src/sampling/engine.js';
import { SamplingGateway } from '../../src/sampling/gateway.js';
import { allSamplers, collect, FIXTURE_MODELS_DIR } from '../helpers/engine.js';

const FAULTY_MODELS_DIR = fileURLToPath(new URL('../fixtures/faulty-models', import.meta.url));
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const naive = (count: number, seed = 1) => ({ modelId: 'uniform-gaussian-1d', sampler: { name: 'naive' }, count, seed, batchSize: 64 });

let gateway: SamplingGateway | undefined;
afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
});

async function startGateway(limits = {}): Promise<SamplingGateway> {
  gateway = new SamplingGateway({ modelsDir: FIXTURE_MODELS_DIR, pool: { workers: 1, intraOpNumThreads: 1 }, limits }, allSamplers());
  await gateway.start(quiet);
  return gateway;
}

const codeOf = async (work: () => unknown): Promise<string | undefined> => {
  try {
    await work();
  } catch (error) {
    return (error as SamplingError).code;
  }
  return undefined;
};

describe('the run gateway', () => {
  it('answers NOT_STARTED before start and SHUTTING_DOWN once draining, with the documented codes', async () => {
    gateway = new SamplingGateway({ modelsDir: FIXTURE_MODELS_DIR, pool: { workers: 1, intraOpNumThreads: 1 } }, allSamplers());
    expect(await codeOf(() => gateway!.sample(naive(1)))).toBe(ErrorCode.NOT_STARTED);
    await gateway.start(quiet);
    expect((await gateway.sample(naive(3))).count).toBe(3);
    gateway.drain();
    expect(await codeOf(() => gateway!.sample(naive(1)))).toBe(ErrorCode.SHUTTING_DOWN);
    expect(await codeOf(() => gateway!.stream(naive(1)))).toBe(ErrorCode.SHUTTING_DOWN);
  });

  it('cancels an in-flight comparison when the server drains (SHUTTING_DOWN), and counts compared samples', async () => {
    const g = await startGateway();
    const before = g.counters.samplesReturned;
    const done = await g.compare({ modelId: 'uniform-gaussian-1d', samplers: [{ name: 'naive' }, { name: 'drs', params: { gamma: 0 } }], count: 50, seed: 3 });
    expect(done.map((e) => e.outcome?.count)).toEqual([50, 50]);
    expect(g.counters.samplesReturned - before).toBe(100);

    const running = g.compare({
      modelId: 'uniform-gaussian-1d',
      samplers: [{ name: 'threshold', params: { logitThreshold: 100 } }],
      count: 1,
      maxProposals: 20_000_000,
      batchSize: 64,
    });
    await new Promise((r) => setTimeout(r, 100));
    g.drain();
    expect(await codeOf(() => running)).toBe(ErrorCode.SHUTTING_DOWN);
    await g.stop();
    expect(g.activeRuns).toBe(0);
  });

  it('refuses more compared configurations than maxComparedSamplers and more streams than maxStreams (LIMIT_EXCEEDED naming the limit)', async () => {
    const g = await startGateway({ maxComparedSamplers: 2, maxStreams: 1 });
    const error = await g
      .compare({ modelId: 'uniform-gaussian-1d', samplers: [{ name: 'naive' }, { name: 'naive' }, { name: 'naive' }], count: 1 })
      .catch((e: SamplingError) => e);
    expect(error).toMatchObject({ code: ErrorCode.LIMIT_EXCEEDED, details: { limit: 'maxComparedSamplers', max: 2, field: 'samplers' } });

    const first = g.stream(naive(100_000));
    expect(() => g.stream(naive(1))).toThrow(expect.objectContaining({ code: ErrorCode.LIMIT_EXCEEDED, details: { limit: 'maxStreams', max: 1 } }));
    await first.next();
    await first.return();
    const second = g.stream(naive(2)); // the slot is free again once the first stream ended
    expect((await collect(second)).reduce((n, e) => n + e.chunk.count, 0)).toBe(2);
    expect(g.stats().activeStreams).toBe(0);
  });

  it('refuses runs past maxActiveRuns (LIMIT_EXCEEDED, not queued) and admits again once one ends', async () => {
    const g = await startGateway({ maxActiveRuns: 2 });
    const [a, b] = [g.stream(naive(100_000, 1)), g.stream(naive(100_000, 2))];
    await Promise.all([a.next(), b.next()]);
    expect(() => g.stream(naive(1))).toThrow(
      expect.objectContaining({ code: ErrorCode.LIMIT_EXCEEDED, details: { limit: 'maxActiveRuns', max: 2, active: 2 } }),
    );
    expect(await codeOf(() => g.sample(naive(1)))).toBe(ErrorCode.LIMIT_EXCEEDED);
    expect(await codeOf(() => g.compare({ modelId: 'uniform-gaussian-1d', samplers: [{ name: 'naive' }], count: 1 }))).toBe(ErrorCode.LIMIT_EXCEEDED);
    await a.return();
    expect((await g.sample(naive(3))).count).toBe(3);
    await b.return();
  });

  it('runs more than 10 at once without a MaxListenersExceededWarning on the shutdown signal', async () => {
    const g = await startGateway();
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      await Promise.all(Array.from({ length: 16 }, (_, i) => g.sample(naive(50, i))));
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).toEqual([]);
  });

  it('leaves no abort listener on the shutdown signal once runs end (no leak per run)', async () => {
    const g = await startGateway();
    const shutdown = (g as unknown as { shutdown: AbortController }).shutdown.signal;
    for (let i = 0; i < 20; i++) await g.sample(naive(2, i));
    for (let i = 0; i < 20; i++) await collect(g.stream(naive(2, i)));
    expect(EventEmitter.getEventListeners(shutdown, 'abort')).toHaveLength(0);
    expect(g.activeRuns).toBe(0);
  });

  it('reports MODEL_OUTPUT_INVALID when a model gives no finite burn-in logit', async () => {
    // The loader's probe refuses this discriminator; forge a READY entry to reach the run-time guard behind it.
    const good = (await loadModelRepository(FIXTURE_MODELS_DIR)).get('uniform-gaussian-1d') as ReadyModel;
    const forged: ReadyModel = { ...good, id: 'nan-d', discriminatorPath: join(FAULTY_MODELS_DIR, 'nan-discriminator-1d', 'discriminator.onnx') };
    const engine = await SamplingEngine.create({
      repository: new ModelRepository(FIXTURE_MODELS_DIR, [forged]),
      samplers: allSamplers(),
      pool: { workers: 1, intraOpNumThreads: 1 },
    });
    gateway = new SamplingGateway({ engine }, allSamplers());
    await gateway.start(quiet);
    const error = await gateway.sample({ modelId: 'nan-d', sampler: { name: 'drs' }, count: 1 }).catch((e: SamplingError) => e);
    expect(error).toMatchObject({ code: ErrorCode.MODEL_OUTPUT_INVALID });
    expect((error as Error).message).toMatch(/no finite logit for any of 100000 burn-in proposals/);
    await engine.close();
  });
});

describe('a closed engine', () => {
  it('refuses new runs with SHUTTING_DOWN, not a plain error', async () => {
    const engine = await SamplingEngine.create({ modelsDir: FIXTURE_MODELS_DIR, samplers: allSamplers(), pool: { workers: 1, intraOpNumThreads: 1 } });
    await engine.close();
    expect(() => engine.sample(naive(1))).toThrow(expect.objectContaining({ code: ErrorCode.SHUTTING_DOWN }));
  });
});

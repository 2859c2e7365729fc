/** Engines over the analytic fixture models, with every bundled sampler registered. */
import { fileURLToPath } from 'node:url';
import { createDrsSampler } from '../../plugins/drs/index.js';
import { createNaiveSampler } from '../../plugins/naive/index.js';
import { createMhSampler } from '../../plugins/mh/index.js';
import { createThresholdSampler } from '../../plugins/threshold/index.js';
import type { RegisteredSampler } from '../../src/contracts.js';
import { createDdlsSampler } from '../../plugins/ddls/index.js';
import { createDotSampler } from '../../plugins/dot/index.js';
import type { BatchRecord } from '../../src/inference/batcher.js';
import { SamplingEngine, type EngineOptions } from '../../src/sampling/engine.js';
import type { SampleChunk } from '../../src/sampling/run.js';

export const FIXTURE_MODELS_DIR = fileURLToPath(new URL('../fixtures/models', import.meta.url));
export const FIXTURE_ONNX_DIR = fileURLToPath(new URL('../fixtures/onnx', import.meta.url));

export function allSamplers(): RegisteredSampler[] {
  return [createNaiveSampler(), createThresholdSampler(), createDrsSampler(), createMhSampler(), createDdlsSampler(), createDotSampler()];
}

/** An engine on the fixtures plus the list of every batch it dispatched (dataloader-test style). */
export async function createTestEngine(options: Partial<EngineOptions> = {}): Promise<{ engine: SamplingEngine; batches: BatchRecord[] }> {
  const batches: BatchRecord[] = [];
  const engine = await SamplingEngine.create({
    modelsDir: FIXTURE_MODELS_DIR,
    samplers: allSamplers(),
    pool: { workers: 1, intraOpNumThreads: 1 },
    ...options,
    batching: { ...options.batching, onBatch: (b) => batches.push(b) },
  });
  return { engine, batches };
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

export function flatten(chunks: readonly SampleChunk[]): number[] {
  return chunks.flatMap((c) => Array.from(c.samples));
}

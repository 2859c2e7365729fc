/**
 * `npm run bench:engine [-- --model ID --batch N --reps R]`
 *
 * Proposals per second, all measured in this one run on the same model and batch size:
 *  1. bare: a plain onnxruntime G → D loop on the main thread (the ceiling we compare to);
 *  2. engine: one naive-sampler request through the engine (worker pool, batcher, run loop);
 *  3. 32 concurrent small callers, batched (shared rounds) vs unbatched (one round each).
 * Each figure is the median of `reps` interleaved repetitions; the ratios are what to read,
 * since this machine is shared and absolute numbers drift.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { createNaiveSampler } from '../plugins/naive/index.js';
import { BUNDLED_MODELS_DIR, loadModel, type ReadyModel } from '../src/models/repository.js';
import { Random } from '../src/random.js';
import { SamplingEngine } from '../src/sampling/engine.js';
import { ModelRepository } from '../src/models/repository.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'gaussians25' },
    batch: { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '200' },
    reps: { type: 'string', default: '5' },
    threads: { type: 'string', default: String(Math.max(1, availableParallelism() - 1)) }, // the pool's default on one worker
  },
});
const BATCH = Number(args.batch);
const ROUNDS = Number(args.rounds);
const REPS = Number(args.reps);
const THREADS = Number(args.threads);
const CALLERS = 32;
const CALLER_ROWS = 16;
const CALLER_ROUNDS = 40;

async function loadBenchModel(): Promise<ReadyModel> {
  const candidates = [join(BUNDLED_MODELS_DIR, args.model), join(BUNDLED_MODELS_DIR, '..', 'test', 'fixtures', 'models', args.model)];
  const dir = candidates.find((d) => existsSync(join(d, 'manifest.json')));
  if (!dir) throw new Error(`model "${args.model}" not found in models/ or test/fixtures/models/`);
  const entry = await loadModel(dir, args.model);
  if (entry.status !== 'READY') throw new Error(entry.error);
  return entry;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function bareLoop(model: ReadyModel): Promise<number> {
  const opts = { intraOpNumThreads: THREADS, interOpNumThreads: 1, graphOptimizationLevel: 'all' as const };
  const g = await ort.InferenceSession.create(model.generatorPath, opts);
  const d = await ort.InferenceSession.create(model.discriminatorPath, opts);
  const { dim, distribution } = model.manifest.latent;
  const rng = new Random(1, 1);
  const s = model.signature;
  const run = async (): Promise<void> => {
    const z = new ort.Tensor('float32', rng.latents(BATCH, dim, distribution), [BATCH, dim]);
    const x = (await g.run({ [s.generatorInput]: z }))[s.generatorOutput]!;
    const logits = (await d.run({ [s.discriminatorInput]: x }))[s.discriminatorOutput]!;
    if ((logits.data as Float32Array).length !== BATCH) throw new Error('bad output');
  };
  for (let i = 0; i < 5; i++) await run(); // warm-up
  const started = performance.now();
  for (let i = 0; i < ROUNDS; i++) await run();
  const seconds = (performance.now() - started) / 1000;
  await Promise.all([g.release(), d.release()]);
  return (ROUNDS * BATCH) / seconds;
}

async function createEngine(model: ReadyModel, maxBatchSize: number): Promise<SamplingEngine> {
  const engine = await SamplingEngine.create({
    repository: new ModelRepository(model.dir, [model]),
    samplers: [createNaiveSampler()],
    pool: { workers: 1, intraOpNumThreads: THREADS },
    batching: { maxBatchSize, maxQueueDelayMs: 2 },
    limits: { maxCount: 10_000_000, maxProposals: 100_000_000, defaultMaxProposals: 100_000_000 },
  });
  return engine;
}

async function engineLoop(engine: SamplingEngine, model: ReadyModel, rounds = ROUNDS): Promise<number> {
  const started = performance.now();
  const result = await engine.sampleAll({ modelId: model.id, sampler: { name: 'naive' }, count: rounds * BATCH, batchSize: BATCH, seed: 1 });
  return result.stats.proposed / ((performance.now() - started) / 1000);
}

/** 32 callers, each asking for CALLER_ROUNDS rounds of CALLER_ROWS proposals, all at once. */
async function smallCallers(engine: SamplingEngine, model: ReadyModel): Promise<{ rate: number; meanBatch: number }> {
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: CALLERS }, (_, i) =>
      engine.sampleAll({ modelId: model.id, sampler: { name: 'naive' }, count: CALLER_ROWS * CALLER_ROUNDS, batchSize: CALLER_ROWS, seed: i }),
    ),
  );
  const proposed = results.reduce((n, r) => n + r.stats.proposed, 0);
  const meanBatch = results.reduce((n, r) => n + r.stats.meanBatchSize, 0) / results.length;
  return { rate: proposed / ((performance.now() - started) / 1000), meanBatch };
}

async function main(): Promise<void> {
  const model = await loadBenchModel();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `model ${model.id} · batch ${BATCH} · ${ROUNDS} rounds · ${REPS} reps · intraOpNumThreads ${THREADS} · ${availableParallelism()} cores (${cpu}) · node ${process.version}`,
  );
  const bare: number[] = [];
  const eng: number[] = [];
  const batched: number[] = [];
  const unbatched: number[] = [];
  let meanBatch = 0;
  // One engine per configuration, kept across repetitions; each is warmed up first.
  const single = await createEngine(model, BATCH);
  const shared = await createEngine(model, CALLERS * CALLER_ROWS);
  const alone = await createEngine(model, CALLER_ROWS);
  await engineLoop(single, model, 10);
  await smallCallers(shared, model);
  await smallCallers(alone, model);
  for (let rep = 0; rep < REPS; rep++) {
    bare.push(await bareLoop(model));
    eng.push(await engineLoop(single, model));
    const b = await smallCallers(shared, model);
    batched.push(b.rate);
    meanBatch = b.meanBatch;
    unbatched.push((await smallCallers(alone, model)).rate);
    console.log(
      `rep ${rep + 1}: bare ${fmt(bare.at(-1)!)} · engine ${fmt(eng.at(-1)!)} · 32 callers batched ${fmt(batched.at(-1)!)} · unbatched ${fmt(unbatched.at(-1)!)}`,
    );
  }
  await Promise.all([single.close(), shared.close(), alone.close()]);
  const rows: [string, string][] = [
    ['bare onnxruntime G→D loop (main thread)', fmt(median(bare))],
    ['engine, one request (naive)', fmt(median(eng))],
    [`${CALLERS} callers × ${CALLER_ROWS} rows, batched (mean batch ${meanBatch.toFixed(0)})`, fmt(median(batched))],
    [`${CALLERS} callers × ${CALLER_ROWS} rows, unbatched`, fmt(median(unbatched))],
  ];
  console.log('\n| measurement | proposals/s (median) |\n|---|---|');
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
  const engineRatio = median(eng) / median(bare);
  const batchRatio = median(batched) / median(unbatched);
  const perRepEngine = eng.map((e, i) => e / bare[i]!);
  const perRepBatch = batched.map((b, i) => b / unbatched[i]!);
  console.log(
    `\nengine / bare     = ${engineRatio.toFixed(2)}× (target ≥ 0.95×; per rep ${perRepEngine.map((r) => r.toFixed(2)).join(', ')}) ${engineRatio >= 0.95 ? 'PASS' : 'MISS'}`,
  );
  console.log(
    `batched / unbatched = ${batchRatio.toFixed(2)}× (target ≥ 4×; per rep ${perRepBatch.map((r) => r.toFixed(2)).join(', ')}) ${batchRatio >= 4 ? 'PASS' : 'MISS'}`,
  );
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/**
 * `npm run bench:remote [-- --model ID --batch N --rounds R --reps K]`
 *
 * The remote backend against the local one, on loopback, measured in this one run: proposals per
 * second of one naive-sampler request on the same model and batch size through
 *  1. local: this process's engine on its own worker pool (1 worker);
 *  2. remote, binary: this process's engine with `INFERENCE_URL` at a standalone server (a child
 *     process, 1 worker, same threads) speaking the Open Inference Protocol, tensors as the binary
 *     tensor data extension;
 *  3. remote, JSON: the same with JSON `data` arrays.
 * Each figure is the median of `reps` interleaved repetitions; read the ratios (the machine is
 * shared and absolute numbers drift). Target: remote ≥ 0.75× local.
 */
import { spawn } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createNaiveSampler } from '../plugins/naive/index.js';
import { BUNDLED_MODELS_DIR } from '../src/models/repository.js';
import { SamplingEngine, type EngineOptions } from '../src/sampling/engine.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'fashion-mnist' },
    batch: { type: 'string', default: '2048' },
    rounds: { type: 'string', default: '8' },
    /** JSON is an order of magnitude slower: fewer rounds (a rate either way). */
    'json-rounds': { type: 'string', default: '2' },
    reps: { type: 'string', default: '3' },
    threads: { type: 'string', default: String(Math.max(1, availableParallelism() - 1)) },
  },
});
const BATCH = Number(args.batch);
const ROUNDS = Number(args.rounds);
const REPS = Number(args.reps);
const JSON_ROUNDS = Number(args['json-rounds']);
const THREADS = Number(args.threads);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** The standalone server from the sources (tsx), on a free port; resolves with its base URL. */
function startRemote(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', WORKERS: '1', INTRA_OP_THREADS: String(THREADS), MAX_BATCH_SIZE: String(BATCH), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer): void => {
      output += d.toString();
      const match = /listening: (http:\/\/[^/\s]+)\//.exec(output);
      if (match) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve({ url: match[1]!, stop: () => void child.kill('SIGTERM') });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => void (output += d.toString()));
    child.once('exit', (code) => reject(new Error(`the remote server exited (${code}) before listening:\n${output}`)));
  });
}

async function engine(extra: Partial<EngineOptions>): Promise<SamplingEngine> {
  return SamplingEngine.create({
    modelsDir: BUNDLED_MODELS_DIR,
    samplers: [createNaiveSampler()],
    pool: { workers: 1, intraOpNumThreads: THREADS },
    batching: { maxBatchSize: BATCH, maxQueueDelayMs: 2 },
    limits: { maxCount: 10_000_000, maxProposals: 100_000_000, defaultMaxProposals: 100_000_000, maxRequestBatchSize: 65_536 },
    ...extra,
  });
}

async function rate(e: SamplingEngine, rounds = ROUNDS): Promise<number> {
  const started = performance.now();
  const result = await e.sampleAll({ modelId: args.model, sampler: { name: 'naive' }, count: rounds * BATCH, batchSize: BATCH, seed: 1 });
  return result.stats.proposed / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `model ${args.model} · batch ${BATCH} · ${ROUNDS} rounds (JSON ${JSON_ROUNDS}) · ${REPS} reps · intraOpNumThreads ${THREADS} · ${availableParallelism()} cores (${cpu}) · node ${process.version}`,
  );
  const remote = await startRemote();
  try {
    const local = await engine({});
    const binary = await engine({ inference: { url: remote.url, binary: true } });
    const json = await engine({ inference: { url: remote.url, binary: false } });
    for (const e of [local, binary, json]) await rate(e, 1); // warm-up (sessions, burn-in caches, connections)
    const runs = { local: [] as number[], binary: [] as number[], json: [] as number[] };
    for (let rep = 0; rep < REPS; rep++) {
      runs.local.push(await rate(local));
      runs.binary.push(await rate(binary));
      runs.json.push(await rate(json, JSON_ROUNDS));
      console.log(
        `rep ${rep + 1}: local ${fmt(runs.local.at(-1)!)} · remote binary ${fmt(runs.binary.at(-1)!)} · remote JSON ${fmt(runs.json.at(-1)!)} proposals/s`,
      );
    }
    await Promise.all([local.close(), binary.close(), json.close()]);
    console.log('\n| backend | proposals/s (median) | × local |\n|---|---|---|');
    const l = median(runs.local);
    for (const [name, xs] of [
      ['local worker pool', runs.local],
      ['remote, binary tensors', runs.binary],
      ['remote, JSON tensors', runs.json],
    ] as const) {
      console.log(`| ${name} | ${fmt(median(xs))} | ${(median(xs) / l).toFixed(2)}× |`);
    }
    const perRep = (xs: number[]) => xs.map((x, i) => (x / runs.local[i]!).toFixed(2)).join(', ');
    const b = median(runs.binary) / l;
    console.log(`\nremote binary / local = ${b.toFixed(2)}× (target ≥ 0.75×; per rep ${perRep(runs.binary)}) ${b >= 0.75 ? 'PASS' : 'MISS'}`);
    console.log(`remote JSON / local   = ${(median(runs.json) / l).toFixed(2)}× (per rep ${perRep(runs.json)})`);
  } finally {
    remote.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

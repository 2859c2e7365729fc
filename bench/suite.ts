/**
 * `npm run bench`: one suite, one run, on the bundled demo models, everything measured with the
 * standalone server's settings (the same worker pool, batcher and limits a `npm start` gets,
 * with the server and its clients in this process; the clients time a response to its last byte
 * and parse it after the clock stops, so the server is not charged for their JSON parsing). Each figure is the median of interleaved
 * repetitions, and the ratios compare figures of this run only: the machine may be shared.
 */
import { availableParallelism, cpus } from 'node:os';
import { createSamplingService } from '../src/graphql/service.js';
import type { ReadyModel } from '../src/models/repository.js';
import { startServer, type RunningServer } from '../src/server/standalone.js';
import {
  FIELDS,
  bareLoop,
  engineRun,
  eventLoopLag,
  httpBench,
  httpLoad,
  httpSample,
  loneSmallSample,
  smallClients,
  streamMemory,
  streamLoad,
  streamRun,
  wsClient,
  type Rate,
} from './measure.js';
import { fmtInt, fmtMs, fmtRatio, median, quantile } from './stats.js';

export interface BenchSizes {
  /** Proposals per throughput measurement (a)–(d). */
  readonly rows: number;
  /** Accepted samples of the DRS query (e). */
  readonly drsCount: number;
  /** Samples streamed for the memory figure (h). */
  readonly memoryCount: number;
  /** Small clients (f): `clients` at once, each `clientRepeats` requests of `clientRounds` rounds of `clientRows` proposals. */
  readonly clients: number;
  readonly clientRepeats: number;
  readonly clientRounds: number;
  readonly clientRows: number;
  /** Repeats of the lone `sample` of count 100. */
  readonly loneRepeats: number;
  /** DRS parameters (e.g. a small burn-in for a smoke run). */
  readonly drsParams: Record<string, number>;
}

export interface BenchOptions {
  readonly models: readonly string[];
  readonly sizes: (modelId: string) => BenchSizes;
  readonly reps: number;
  readonly workers?: number | undefined;
  readonly intraOpNumThreads?: number | undefined;
  readonly maxBatchSize?: number | undefined;
  readonly print: (line: string) => void;
}

/** What the issue asks of each demo model; ratios are against the bare loop unless said. */
const TARGETS: Record<string, { base64: number; values?: number; drs: number; streamVsQuery?: number; loneMs?: number }> = {
  gaussians25: { base64: 0.85, values: 0.4, drs: 0.75, streamVsQuery: 0.95, loneMs: 3 },
  'fashion-mnist': { base64: 0.85, drs: 0.9 },
};

export const FULL_SIZES: Record<string, BenchSizes> = {
  gaussians25: {
    rows: 100_000,
    drsCount: 10_000,
    memoryCount: 1_000_000,
    clients: 32,
    clientRepeats: 3,
    clientRounds: 40,
    clientRows: 16,
    loneRepeats: 40,
    drsParams: {},
  },
  'fashion-mnist': {
    rows: 4096,
    drsCount: 600,
    memoryCount: 20_000,
    clients: 32,
    clientRepeats: 2,
    clientRounds: 4,
    clientRows: 16,
    loneRepeats: 10,
    drsParams: {},
  },
};

/** Tiny sizes: the test suite's smoke run of the harness. */
export const QUICK_SIZES: BenchSizes = {
  rows: 1024,
  drsCount: 16,
  memoryCount: 2048,
  clients: 4,
  clientRepeats: 1,
  clientRounds: 2,
  clientRows: 16,
  loneRepeats: 2,
  drsParams: { burnInSamples: 200 },
};

// Limits raised so the measured sizes are admitted (a 4,096-image `samples { values }` answer is estimated at ~84 MB).
const LIMITS = { maxCount: 10_000_000, maxProposals: 100_000_000, defaultMaxProposals: 100_000_000, maxResponseBytes: 2 ** 30 };
const quiet = { info: () => {}, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };

export async function runBench(options: BenchOptions): Promise<void> {
  const { print } = options;
  const pool = { workers: options.workers, intraOpNumThreads: options.intraOpNumThreads };
  const batching = { maxBatchSize: options.maxBatchSize };
  const server = await startServer({ port: 0, host: '127.0.0.1', logger: quiet, pages: false, sampling: { pool, batching, limits: LIMITS } });
  try {
    const { workers, intraOpNumThreads } = server.sampling.gateway.stats();
    const maxBatchSize = options.maxBatchSize ?? 2048;
    print(
      `bench · ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}) · node ${process.version} · NODE_ENV ${process.env.NODE_ENV ?? '(unset)'} · ` +
        `${workers} worker(s) × ${intraOpNumThreads} intra-op thread(s) · maxBatchSize ${maxBatchSize} · ${options.reps} reps`,
    );
    for (const modelId of options.models) await benchModel(server, modelId, { ...options, threads: intraOpNumThreads, batch: maxBatchSize });
  } finally {
    await server.stop();
  }
}

async function benchModel(server: RunningServer, modelId: string, options: BenchOptions & { threads: number; batch: number }): Promise<void> {
  const { print } = options;
  const entry = server.sampling.gateway.model(modelId);
  if (entry?.status !== 'READY') throw new Error(`model ${modelId} is not READY: ${entry ? entry.error : 'not found'}`);
  const model: ReadyModel = entry;
  const sizes = options.sizes(modelId);
  const gateway = server.sampling.gateway;
  const http = httpBench(server);
  const client = wsClient(server);
  const input = (extra: Record<string, unknown> = {}) => ({ modelId, sampler: { name: 'naive' }, count: sizes.rows, seed: 1, ...extra });
  const drsInput = { modelId, sampler: { name: 'drs', params: sizes.drsParams }, count: sizes.drsCount, seed: 1 };

  // Warm-up: sessions open, burn-in cached, code paths compiled.
  await gateway.sample({ ...input(), count: Math.min(sizes.rows, 4096) });
  await httpSample(http, { ...drsInput, count: Math.max(1, Math.floor(sizes.drsCount / 10)) }, FIELDS.base64);
  await streamRun(client, input({ count: Math.min(sizes.rows, 4096) }), FIELDS.base64);

  const runs: Record<'bare' | 'engine' | 'base64' | 'values' | 'sampleValues' | 'stream' | 'drs', Rate[]> = {
    bare: [],
    engine: [],
    base64: [],
    values: [],
    sampleValues: [],
    stream: [],
    drs: [],
  };
  const drsAccepted: number[] = [];
  for (let rep = 0; rep < options.reps; rep++) {
    runs.bare.push(await bareLoop(model, { rows: sizes.rows, batch: options.batch, threads: options.threads }));
    runs.engine.push(await engineRun(gateway, modelId, sizes.rows));
    runs.base64.push(await httpSample(http, input(), FIELDS.base64));
    runs.values.push(await httpSample(http, input(), FIELDS.values));
    runs.sampleValues.push(await httpSample(http, input(), FIELDS.sampleValues));
    runs.stream.push(await streamRun(client, input(), FIELDS.base64));
    const drs = await httpSample(http, drsInput, FIELDS.base64);
    runs.drs.push(drs);
    drsAccepted.push(drs.acceptedRate);
  }
  const rate = (k: keyof typeof runs) => median(runs[k].map((r) => r.rate));
  const main = (k: keyof typeof runs) => median(runs[k].map((r) => r.mainNsPerProposal));
  const perRep = (k: keyof typeof runs) => runs[k].map((r, i) => fmtRatio(r.rate / runs.bare[i]!.rate)).join(' ');
  const bare = rate('bare');
  const targets = TARGETS[modelId];
  const check = (value: number, target: number | undefined, higher = true) =>
    target === undefined ? '' : `${higher ? '≥' : '≤'} ${target} ${(higher ? value >= target : value <= target) ? 'PASS' : 'MISS'}`;

  const lone = await loneSmallSample(http, modelId, sizes.loneRepeats);
  const clientsOf = { modelId, clients: sizes.clients, repeats: sizes.clientRepeats, rounds: sizes.clientRounds, rows: sizes.clientRows };
  const batched = await smallClients(gateway, clientsOf);
  const alone = await smallClients(gateway, { ...clientsOf, clients: 1 });
  const unbatched = await withGateway({ modelId, maxBatchSize: sizes.clientRows, workers: options.workers, threads: options.threads }, (g) =>
    smallClients(g, clientsOf),
  );
  const lagClient = wsClient(server);
  const lag = await eventLoopLag(() =>
    Promise.all([
      streamLoad(lagClient, input({ seed: 2 }), FIELDS.base64),
      httpLoad(http, input({ seed: 3 }), FIELDS.base64),
      httpLoad(http, { ...drsInput, seed: 4 }, FIELDS.base64),
    ]),
  );
  const memory = await streamMemory(client, input({ count: sizes.memoryCount, seed: 5 }));
  await Promise.all([client.dispose(), lagClient.dispose()]);

  print(
    `\n## ${modelId} · ${fmtInt(sizes.rows)} proposals per measurement · medians of ${options.reps} · batch ${options.batch} · ${options.threads} intra-op thread(s)\n`,
  );
  print('| measurement | result | × bare loop (per rep) | main thread per proposal | target |');
  print('|---|---|---|---|---|');
  const row = (label: string, result: string, ratio: string, mainNs: string, target: string) =>
    print(`| ${label} | ${result} | ${ratio} | ${mainNs} | ${target} |`);
  const ns = (k: keyof typeof runs) => `${fmtInt(main(k))} ns`;
  row('(a) bare G→D loop, main thread', `${fmtInt(bare)} proposals/s`, '1', ns('bare'), '');
  row('(b) engine, one naive request', `${fmtInt(rate('engine'))} proposals/s`, `${fmtRatio(rate('engine') / bare)} (${perRep('engine')})`, ns('engine'), '');
  row(
    '(c) GraphQL sample, samplesBase64',
    `${fmtInt(rate('base64'))} proposals/s`,
    `${fmtRatio(rate('base64') / bare)} (${perRep('base64')})`,
    ns('base64'),
    check(rate('base64') / bare, targets?.base64),
  );
  row(
    '(c) GraphQL sample, samples { values }',
    `${fmtInt(rate('values'))} proposals/s`,
    `${fmtRatio(rate('values') / bare)} (${perRep('values')})`,
    ns('values'),
    check(rate('values') / bare, targets?.values),
  );
  row(
    '(c) GraphQL sample, sampleValues',
    `${fmtInt(rate('sampleValues'))} proposals/s`,
    `${fmtRatio(rate('sampleValues') / bare)} (${perRep('sampleValues')})`,
    ns('sampleValues'),
    check(rate('sampleValues') / bare, targets?.values),
  );
  row(
    '(d) sampleStream, samplesBase64',
    `${fmtInt(rate('stream'))} proposals/s, ${fmtRatio(rate('stream') / rate('base64'))} the query`,
    `${fmtRatio(rate('stream') / bare)} (${perRep('stream')})`,
    ns('stream'),
    check(rate('stream') / rate('base64'), targets?.streamVsQuery).replace(/^≥/, 'vs query ≥'),
  );
  row(
    '(e) DRS (default γ) proposals/s',
    `${fmtInt(rate('drs'))} proposals/s, ${fmtInt(median(drsAccepted))} accepted/s`,
    `${fmtRatio(rate('drs') / bare)} (${perRep('drs')})`,
    ns('drs'),
    check(rate('drs') / bare, targets?.drs),
  );
  row(
    `lone sample, count 100, server-side (median of ${lone.length})`,
    `${fmtMs(median(lone))} (p90 ${fmtMs(quantile(lone, 0.9))})`,
    '',
    '',
    check(median(lone), targets?.loneMs, false).replace(/^(≤ \d+)/, '$1 ms'),
  );
  const clientsLabel = `${sizes.clients} clients × ${sizes.clientRounds} rounds of ${sizes.clientRows}`;
  row(
    `(f) ${clientsLabel}, batched`,
    `${fmtInt(batched.rate)} proposals/s, mean batch ${fmtInt(batched.meanBatchSize)}, p50 ${fmtMs(batched.p50Ms)}, p99 ${fmtMs(batched.p99Ms)}`,
    `${fmtRatio(batched.rate / unbatched.rate)} unbatched`,
    '',
    `≥ 4× unbatched ${batched.rate >= 4 * unbatched.rate ? 'PASS' : 'MISS'}; p99 ≤ 2× lone ${batched.p99Ms <= 2 * alone.p50Ms ? 'PASS' : 'MISS'}`,
  );
  row(
    `(f) ${clientsLabel}, unbatched`,
    `${fmtInt(unbatched.rate)} proposals/s, mean batch ${fmtInt(unbatched.meanBatchSize)}, p50 ${fmtMs(unbatched.p50Ms)}, p99 ${fmtMs(unbatched.p99Ms)}`,
    '',
    '',
    '',
  );
  row(
    `(f) one client × ${sizes.clientRounds} rounds of ${sizes.clientRows} (a lone request)`,
    `p50 ${fmtMs(alone.p50Ms)}, p99 ${fmtMs(alone.p99Ms)}`,
    '',
    '',
    '',
  );
  row(
    '(g) event-loop lag under full load (stream + query + DRS at once)',
    `p99 ${fmtMs(lag.p99Ms)}, max ${fmtMs(lag.maxMs)}`,
    '',
    '',
    `p99 < 20 ms ${lag.p99Ms < 20 ? 'PASS' : 'MISS'}`,
  );
  const perMillion = memory.samples >= 100_000 ? `; ${((Math.max(0, memory.growthMb) * 1e6) / memory.samples).toFixed(1)} MB per million` : '';
  row(
    `(h) RSS growth streaming ${fmtInt(memory.samples)} samples`,
    `${memory.growthMb.toFixed(1)} MB after, peak +${memory.peakMb.toFixed(1)} MB${perMillion}`,
    '',
    '',
    '',
  );
}

/** A second service with its own pool and batcher (e.g. batching off), started and stopped around `work`. */
async function withGateway<T>(
  settings: { modelId: string; maxBatchSize: number; workers: number | undefined; threads: number },
  work: (gateway: ReturnType<typeof createSamplingService>['gateway']) => Promise<T>,
): Promise<T> {
  const service = createSamplingService({
    logger: quiet,
    pool: { workers: settings.workers, intraOpNumThreads: settings.threads },
    batching: { maxBatchSize: settings.maxBatchSize },
    limits: LIMITS,
  });
  await service.start();
  try {
    await service.gateway.sample({ modelId: settings.modelId, sampler: { name: 'naive' }, count: 64, batchSize: 16 }); // sessions open
    return await work(service.gateway);
  } finally {
    await service.stop();
  }
}

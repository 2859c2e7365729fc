/**
 * The benchmark's measurements, each on the same model and settings: a bare onnxruntime loop,
 * the engine, GraphQL over HTTP and graphql-ws, many small clients, event-loop lag and memory.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import http from 'node:http';
import ort from 'onnxruntime-node';
import WebSocket from 'ws';
import type { ReadyModel } from '../src/models/repository.js';
import { Random } from '../src/random.js';
import type { SamplingGateway } from '../src/sampling/gateway.js';
import type { RunningServer } from '../src/server/standalone.js';
import { mainThreadBusy, quantile } from './stats.js';

export interface Rate {
  /** Proposals (or samples) per second. */
  readonly rate: number;
  /** Main-thread busy time per proposal, in nanoseconds. */
  readonly mainNsPerProposal: number;
}

/** (a) A plain G → D loop on this thread: latents drawn as the engine draws them, `batch` rows a round. */
export async function bareLoop(model: ReadyModel, options: { rows: number; batch: number; threads: number }): Promise<Rate> {
  const sessionOptions = {
    intraOpNumThreads: options.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential' as const,
    graphOptimizationLevel: 'all' as const,
  };
  const g = await ort.InferenceSession.create(model.generatorPath, sessionOptions);
  const d = await ort.InferenceSession.create(model.discriminatorPath, sessionOptions);
  const { dim, distribution } = model.manifest.latent;
  const s = model.signature;
  const rng = new Random(1, 1);
  const round = async (rows: number): Promise<void> => {
    const z = new ort.Tensor('float32', rng.latents(rows, dim, distribution), [rows, dim]);
    const x = (await g.run({ [s.generatorInput]: z }))[s.generatorOutput]!;
    const logits = (await d.run({ [s.discriminatorInput]: x }))[s.discriminatorOutput]!;
    if (logits.data.length !== rows) throw new Error('bare loop: unexpected discriminator output');
  };
  for (let i = 0; i < 3; i++) await round(options.batch); // warm-up: onnxruntime plans memory over its first runs of a shape
  const started = performance.now();
  for (let done = 0; done < options.rows; done += options.batch) await round(Math.min(options.batch, options.rows - done));
  const seconds = (performance.now() - started) / 1000;
  await Promise.all([g.release(), d.release()]);
  return { rate: options.rows / seconds, mainNsPerProposal: (seconds * 1e9) / options.rows };
}

const naive = { name: 'naive' };

/** (b) One naive request through the gateway (engine, batcher, workers, run loop), no GraphQL. */
export async function engineRun(gateway: SamplingGateway, modelId: string, count: number): Promise<Rate> {
  const { value, busyMs, wallMs } = await mainThreadBusy(() => gateway.sample({ modelId, sampler: naive, count, seed: 1 }));
  return { rate: value.stats.proposed / (wallMs / 1000), mainNsPerProposal: (busyMs * 1e6) / value.stats.proposed };
}

export interface HttpBench {
  readonly server: RunningServer;
  /** Server-side time of the latest HTTP request: from its arrival to the response's last byte handed to the OS. */
  lastServerMs: number;
}

export function httpBench(server: RunningServer): HttpBench {
  const bench: HttpBench = { server, lastServerMs: NaN };
  server.httpServer.on('request', (_req, res) => {
    const started = performance.now();
    res.on('finish', () => (bench.lastServerMs = performance.now() - started));
  });
  return bench;
}

interface SampleStatsJson {
  readonly proposed: number;
  readonly accepted: number;
}

const agent = new http.Agent({ keepAlive: true });

/** POSTs a GraphQL request and resolves with the raw body once its last byte arrived (not parsed: see `parse`). */
function postRaw(bench: HttpBench, query: string, variables: Record<string, unknown>): Promise<Buffer> {
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const req = http.request(
      bench.server.url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A GraphQL response body's data; throws on errors. */
function parse(raw: Buffer | string): Record<string, any> {
  const body = JSON.parse(raw.toString()) as { data?: Record<string, any>; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(`bench query failed: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function post(bench: HttpBench, query: string, variables: Record<string, unknown>): Promise<Record<string, any>> {
  return parse(await postRaw(bench, query, variables));
}

export const FIELDS = { base64: 'samplesBase64', values: 'samples { values }', sampleValues: 'sampleValues' } as const;

/**
 * (c), (e) A `sample` query over HTTP, timed at the client until the response's last byte (the
 * client parses it after the clock stops: its JSON parse is the client's cost, not the server's,
 * and would otherwise run on the server's main thread here). Rate: proposals/s; also accepted/s.
 */
export async function httpSample(bench: HttpBench, input: Record<string, unknown>, fields: string): Promise<Rate & { acceptedRate: number; serverMs: number }> {
  const query = `query($input: SampleInput!) { sample(input: $input) { count ${fields} stats { proposed accepted } } }`;
  const { value: raw, busyMs, wallMs } = await mainThreadBusy(() => postRaw(bench, query, { input }));
  const stats = parse(raw).sample.stats as SampleStatsJson;
  return {
    rate: stats.proposed / (wallMs / 1000),
    acceptedRate: stats.accepted / (wallMs / 1000),
    mainNsPerProposal: (busyMs * 1e6) / stats.proposed,
    serverMs: bench.lastServerMs,
  };
}

/** A `sample` query as pure load: the body is read to its last byte and dropped (nothing parsed on this thread). */
export async function httpLoad(bench: HttpBench, input: Record<string, unknown>, fields: string): Promise<number> {
  const raw = await postRaw(bench, `query($input: SampleInput!) { sample(input: $input) { count ${fields} } }`, { input });
  return raw.length;
}

/** A `sampleStream` as pure load: events counted, none parsed. */
export async function streamLoad(client: StreamClient, input: Record<string, unknown>, fields: string): Promise<number> {
  const { events } = await client.run(`subscription($input: SampleInput!) { sampleStream(input: $input) { count ${fields} } }`, { input });
  return events;
}

/** A lone small `sample` query, repeated: the server-side times. */
export async function loneSmallSample(bench: HttpBench, modelId: string, repeats: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    await post(bench, `query($input: SampleInput!) { sample(input: $input) { samplesBase64 } }`, { input: { modelId, sampler: naive, count: 100, seed: i } });
    times.push(bench.lastServerMs);
  }
  return times;
}

/**
 * A graphql-ws (graphql-transport-ws) client that, like the HTTP one, does not parse what it
 * receives while the clock runs: it reads each message's type from its first bytes and parses
 * only the last event, after the stream completed. One connection, kept open across streams.
 */
export class StreamClient {
  private socket: Promise<WebSocket> | null = null;
  private nextId = 1;

  constructor(private readonly url: string) {}

  private connect(): Promise<WebSocket> {
    return (this.socket ??= new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(this.url, 'graphql-transport-ws');
      ws.once('error', reject);
      ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
      ws.once('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { type: string };
        if (message.type === 'connection_ack') resolve(ws);
        else reject(new Error(`bench stream: expected connection_ack, got ${message.type}`));
      });
    }));
  }

  /** Runs one subscription to its end: the events it got (unparsed) and the last one. */
  async run(query: string, variables: Record<string, unknown>): Promise<{ events: number; last: Buffer | null }> {
    const ws = await this.connect();
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      let events = 0;
      let last: Buffer | null = null;
      const onMessage = (data: Buffer): void => {
        const head = data.toString('latin1', 0, Math.min(data.length, 64));
        const type = /"type":"(\w+)"/.exec(head)?.[1];
        if (!head.includes(`"id":"${id}"`)) return;
        if (type === 'next') {
          events++;
          last = data;
        } else if (type === 'complete') {
          ws.off('message', onMessage);
          resolve({ events, last });
        } else {
          ws.off('message', onMessage);
          reject(new Error(`bench stream failed: ${data.toString()}`));
        }
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    });
  }

  async dispose(): Promise<void> {
    const ws = await this.socket?.catch(() => null);
    ws?.close();
    this.socket = null;
  }
}

export function wsClient(server: RunningServer): StreamClient {
  return new StreamClient(server.wsUrl);
}

/** (d), (h) A `sampleStream` over graphql-ws to its end, timed until the last message. Rate: proposals/s; events received. */
export async function streamRun(client: StreamClient, input: Record<string, unknown>, fields: string): Promise<Rate & { events: number; samples: number }> {
  const query = `subscription($input: SampleInput!) { sampleStream(input: $input) { count ${fields} stats { proposed outputs } } }`;
  const { value, busyMs, wallMs } = await mainThreadBusy(() => client.run(query, { input }));
  if (value.last === null) throw new Error('bench stream: no event');
  const stats = (JSON.parse(value.last.toString()) as { payload: { data: { sampleStream: { stats: { proposed: number; outputs: number } } } } }).payload.data
    .sampleStream.stats;
  return { rate: stats.proposed / (wallMs / 1000), mainNsPerProposal: (busyMs * 1e6) / stats.proposed, events: value.events, samples: stats.outputs };
}

export interface ClientsResult {
  readonly rate: number;
  readonly meanBatchSize: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * (f) `clients` callers of the gateway at once, each asking `repeats` times in turn for one
 * request of `rounds` rounds of `rows` proposals (batchSize `rows`): small clients whose rounds
 * can only be cheap if they share batches. Latency: each request's time.
 */
export async function smallClients(
  gateway: SamplingGateway,
  options: { modelId: string; clients: number; repeats: number; rounds: number; rows: number },
): Promise<ClientsResult> {
  const latencies: number[] = [];
  let proposed = 0;
  let batchSum = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.clients }, async (_, client) => {
      for (let r = 0; r < options.repeats; r++) {
        const t = performance.now();
        const request = { modelId: options.modelId, sampler: naive, count: options.rows * options.rounds, batchSize: options.rows, seed: client * 1000 + r };
        const result = await gateway.sample(request);
        latencies.push(performance.now() - t);
        proposed += result.stats.proposed;
        batchSum += result.stats.meanBatchSize;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { rate: proposed / seconds, meanBatchSize: batchSum / latencies.length, p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99) };
}

/** (g) Event-loop delay while `work` runs (1 ms resolution): p99 and max in ms. */
export async function eventLoopLag(work: () => Promise<unknown>): Promise<{ p99Ms: number; maxMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  await work();
  histogram.disable();
  return { p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
}

/** (h) Resident memory growth (MB) while streaming `count` samples, after a collection where `--expose-gc` allows one. */
export async function streamMemory(client: StreamClient, input: Record<string, unknown>): Promise<{ growthMb: number; peakMb: number; samples: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  const { samples } = await streamRun(client, input, 'samplesBase64');
  clearInterval(timer);
  gc?.();
  const after = process.memoryUsage.rss();
  return { growthMb: (after - before) / 2 ** 20, peakMb: (Math.max(peak, after) - before) / 2 ** 20, samples };
}

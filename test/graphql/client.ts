/** A real server on port 0 plus HTTP and graphql-ws clients for the GraphQL tests. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../src/server/standalone.js';
import type { SamplingServiceOptions } from '../../src/index.js';
import { FIXTURE_MODELS_DIR, FIXTURE_ONNX_DIR } from '../helpers/engine.js';

export interface TestServer extends RunningServer {
  /** Log lines the server wrote. */
  readonly logs: string[];
}

export async function startTestServer(sampling: SamplingServiceOptions = {}): Promise<TestServer> {
  const logs: string[] = [];
  const logger = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    logger,
    pages: false,
    sampling: { modelsDir: FIXTURE_MODELS_DIR, pool: { workers: 1, intraOpNumThreads: 1 }, ...sampling },
  });
  return Object.assign(server, { logs });
}

export interface HttpResult {
  readonly status: number;
  readonly data?: Record<string, any> | null;
  readonly errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

/** POSTs one operation. */
export async function gql(server: { url: string }, query: string, variables: Record<string, unknown> = {}): Promise<HttpResult> {
  const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, ...((await res.json()) as object) };
}

export function wsClient(server: { wsUrl: string }): Client {
  return createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
}

export interface StreamOutcome {
  readonly results: ExecutionResult<Record<string, any>, Record<string, any>>[];
  /** What the client's `error` sink got (an Error message's GraphQL errors, or a close event). */
  readonly error: unknown;
}

/** Subscribes and collects every `next` until complete or error. */
export function subscribeAll(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<StreamOutcome> {
  const results: StreamOutcome['results'] = [];
  return new Promise((resolve) => {
    client.subscribe(
      { query, variables },
      {
        next: (r) => void results.push(r as StreamOutcome['results'][number]),
        error: (error) => resolve({ results, error }),
        complete: () => resolve({ results, error: null }),
      },
    );
  });
}

/** Polls until `check` holds (or fails after `timeoutMs`). */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A temp MODELS_DIR: one good fixture and one model whose ONNX files are not ONNX. */
export function modelsDirWithBrokenModel(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'sampler-models-'));
  cpSync(join(FIXTURE_MODELS_DIR, 'uniform-gaussian-1d'), join(dir, 'uniform-gaussian-1d'), { recursive: true });
  const broken = join(dir, 'broken');
  cpSync(join(FIXTURE_MODELS_DIR, 'uniform-gaussian-1d'), broken, { recursive: true });
  writeFileSync(join(broken, 'manifest.json'), JSON.stringify({ ...manifestOf('uniform-gaussian-1d'), id: 'broken', title: 'Broken pair' }));
  cpSync(join(FIXTURE_ONNX_DIR, 'not-onnx.onnx'), join(broken, 'generator.onnx'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function manifestOf(id: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURE_MODELS_DIR, id, 'manifest.json'), 'utf8')) as Record<string, unknown>;
}

export const SAMPLE_FIELDS = `count sampleShape samplesBase64 samples { values logit acceptanceProbability }
  stats { seed proposed outputs accepted acceptanceRate distinctOutputs proposalsPerOutput retracted staleOutputs boundRoseAfterOutput invalidLogits inferenceRounds meanBatchSize logitMaxStart logitMaxEnd gamma gammaMean elapsedMs samplerDetails }`;

/**
 * The remote backend when its server misbehaves: a real HTTP proxy in front of a real server A
 * forwards infer requests, or answers 503, 400, a malformed response, or nothing at all.
 * Retries are bounded, each failure maps to its documented code, and an abort reaches the request.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorCode } from '../../src/errors.js';
import { INFERENCE_HEADER } from '../../src/inference/remote.js';
import type { SamplingEngine } from '../../src/sampling/engine.js';
import { createTestEngine } from '../helpers/engine.js';
import { startTestServer, waitFor, type TestServer } from '../graphql/client.js';

type Mode = 'forward' | '503' | '400' | 'malformed' | 'hang';

let a: TestServer;
let proxy: Server;
let engine: SamplingEngine;
const state = { mode: 'forward' as Mode, refusals: 0, infers: 0, failFirst: 0, closedUnanswered: 0 };

beforeAll(async () => {
  a = await startTestServer();
  const target = new URL(a.url).origin;
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const isInfer = req.url!.endsWith('/infer');
      if (isInfer) state.infers++;
      const mode = isInfer && state.failFirst > 0 ? (state.failFirst--, '503') : isInfer ? state.mode : 'forward';
      if (mode === '503') {
        state.refusals++;
        return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"overloaded, try later"}');
      }
      if (mode === '400') return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"input \\"latent\\": not what I expected"}');
      if (mode === 'malformed') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"model_name":"x","outputs":[]}');
      if (mode === 'hang') return void res.on('close', () => void (res.writableFinished || state.closedUnanswered++));
      const headers: Record<string, string> = {};
      for (const h of ['content-type', INFERENCE_HEADER]) if (req.headers[h]) headers[h] = String(req.headers[h]);
      return void fetch(`${target}${req.url}`, { method: req.method, headers, body: req.method === 'POST' ? Buffer.concat(chunks) : undefined }).then(
        async (r) => {
          const out: Record<string, string> = {};
          for (const h of ['content-type', INFERENCE_HEADER]) {
            const v = r.headers.get(h);
            if (v) out[h] = v;
          }
          res.writeHead(r.status, out).end(Buffer.from(await r.arrayBuffer()));
        },
      );
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  ({ engine } = await createTestEngine({ inference: { url }, limits: { inferenceTimeoutMs: 1000, inferenceAttempts: 3 } }));
});
afterAll(async () => {
  await engine.close();
  await new Promise((resolve) => proxy.close(resolve));
  await a.stop();
});
beforeEach(() => Object.assign(state, { mode: 'forward', refusals: 0, infers: 0, failFirst: 0, closedUnanswered: 0 }));

const request = { modelId: 'tiny-image', sampler: { name: 'naive' }, count: 32, seed: 9, batchSize: 32 };
const failure = async (promise: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> }> => {
  try {
    await promise;
  } catch (error) {
    return { code: errorCode(error), message: (error as Error).message, details: (error as { details?: Record<string, unknown> }).details ?? {} };
  }
  throw new Error('it did not fail');
};

describe('the remote backend against a misbehaving server', () => {
  it('retries a 503 and then gets the same samples as without it', async () => {
    const clean = await engine.sampleAll(request);
    state.failFirst = 2;
    const retried = await engine.sampleAll(request);
    expect(state.refusals).toBe(2);
    expect(Array.from(retried.samples)).toEqual(Array.from(clean.samples));
  });

  it('gives up after INFERENCE_ATTEMPTS with INFERENCE_UNAVAILABLE naming the last answer', async () => {
    state.mode = '503';
    const f = await failure(engine.sampleAll(request));
    expect(f.code, f.message).toBe('INFERENCE_UNAVAILABLE');
    expect(f.message).toMatch(/unavailable for model "tiny-image" after 3 attempt\(s\): 503 overloaded, try later/);
    expect(f.details).toMatchObject({ model: 'tiny-image', attempts: 3 });
    expect(state.refusals).toBe(3);
  });

  it('does not retry a refusal (400): INFERENCE_FAILED with the server’s message', async () => {
    state.mode = '400';
    const f = await failure(engine.sampleAll(request));
    expect(f.code, f.message).toBe('INFERENCE_FAILED');
    expect(f.message).toMatch(/answered 400 for model "tiny-image": input "latent": not what I expected/);
    expect(state.infers).toBe(1);
  });

  it('reports a malformed response as INFERENCE_FAILED', async () => {
    state.mode = 'malformed';
    const f = await failure(engine.sampleAll(request));
    expect(f.code, f.message).toBe('INFERENCE_FAILED');
    expect(f.message).toMatch(/sent no output "sample" for model "tiny-image"/);
  });

  it('times out a silent server after INFERENCE_TIMEOUT_MS per attempt, bounded', async () => {
    state.mode = 'hang';
    const started = Date.now();
    const f = await failure(engine.sampleAll(request));
    expect(f.code, f.message).toBe('INFERENCE_UNAVAILABLE');
    expect(f.message).toMatch(/no answer within 1000 ms \(INFERENCE_TIMEOUT_MS\)/);
    // 3 × 1 s plus 0.1 + 0.2 s between tries; generous for a loaded machine, far from a hang.
    expect(Date.now() - started).toBeLessThan(10_000);
    await waitFor(() => state.closedUnanswered === 3, 5000, 'the three timed-out requests to be closed');
  });

  it('aborts the HTTP request when the run is cancelled', async () => {
    state.mode = 'hang';
    const controller = new AbortController();
    const run = engine.sampleAll(request, { signal: controller.signal });
    await waitFor(() => state.infers === 1, 5000, 'the infer request to arrive');
    controller.abort();
    expect((await failure(run)).code).toBe('CANCELLED');
    await waitFor(() => state.closedUnanswered === 1, 2000, 'the request to be aborted');
    expect(state.infers).toBe(1); // no retry after a cancel
  });
});

/**
 * The remote backend end to end: server B runs G and D on server A through A's Open Inference
 * Protocol `/v2` (real HTTP, real ONNX on A, real graphql-ws clients on both). Seeded runs must
 * be sample-for-sample identical to A's own; losing A must end B's work with a clear error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { float32ToBase64 } from '../../src/graphql/encoding.js';
import { createTestEngine, FIXTURE_MODELS_DIR } from '../helpers/engine.js';
import { gql, startTestServer, subscribeAll, waitFor, wsClient, type TestServer } from '../graphql/client.js';

const QUERY = `query($input: SampleInput!) { sample(input: $input) { count samplesBase64 samples { values logit acceptanceProbability } stats { seed proposed accepted logitMaxEnd } } }`;
const STREAM = `subscription($input: SampleInput!) { sampleStream(input: $input) { done count samplesBase64 stats { proposed accepted } } }`;

const INPUTS = [
  { modelId: 'uniform-gaussian-1d', sampler: { name: 'drs', params: { gamma: 0, burnInSamples: 1000 } }, count: 200, seed: 7, batchSize: 64 },
  { modelId: 'gaussian-mixture-1d', sampler: { name: 'drs', params: { burnInSamples: 5000 } }, count: 300, seed: 11, batchSize: 256 },
  { modelId: 'tiny-image', sampler: { name: 'naive' }, count: 40, seed: 3, batchSize: 16 },
  { modelId: 'uniform-gaussian-1d', sampler: { name: 'mh', params: { chainLength: 20 } }, count: 30, seed: 5, batchSize: 64 },
];

let a: TestServer;
let b: TestServer;
let bJson: TestServer;

beforeAll(async () => {
  a = await startTestServer();
  const url = `${new URL(a.url).origin}/v2`;
  // Short timeouts so that losing A is reported within the test's deadline; 3 attempts.
  const limits = { inferenceTimeoutMs: 5000, inferenceAttempts: 3 };
  [b, bJson] = await Promise.all([startTestServer({ inference: { url }, limits }), startTestServer({ inference: { url, binary: false }, limits })]);
});
afterAll(async () => {
  await Promise.all([b.stop(), bJson.stop(), a.stop()]);
});

describe('server B with INFERENCE_URL at server A', () => {
  it('runs no local workers and reports ready while A is', async () => {
    expect(b.sampling.gateway.stats()).toMatchObject({ workers: 0 });
    expect(b.logs.some((l) => /samplers .*; inference on http:\/\/127\.0\.0\.1:\d+ \(Open Inference Protocol\)$/.test(l))).toBe(true);
    const res = await fetch(`${new URL(b.url).origin}/health/ready`);
    expect(res.status).toBe(200);
    expect((await fetch(`${new URL(b.url).origin}/v2/health/ready`)).status).toBe(200);
  });

  it('gives sample-for-sample the same seeded sample results as A (DRS, naive, MH; binary and JSON tensors)', async () => {
    for (const input of INPUTS) {
      const roundsBefore = a.sampling.gateway.stats().inferenceRounds;
      const [onA, onB, onBJson] = await Promise.all([gql(a, QUERY, { input }), gql(b, QUERY, { input }), gql(bJson, QUERY, { input })]);
      expect(onA.errors, input.modelId).toBeUndefined();
      expect(onB.errors, input.modelId).toBeUndefined();
      expect(onB.data!.sample).toEqual(onA.data!.sample);
      expect(onBJson.data!.sample).toEqual(onA.data!.sample);
      expect(onA.data!.sample.count).toBe(input.count);
      // B's rounds ran on A.
      expect(a.sampling.gateway.stats().inferenceRounds).toBeGreaterThan(roundsBefore);
    }
  });

  it('gives the same seeded sampleStream as A, event for event', async () => {
    const input = { ...INPUTS[1]!, count: 2000 };
    const clientA = wsClient(a);
    const clientB = wsClient(b);
    const [onA, onB] = await Promise.all([subscribeAll(clientA, STREAM, { input }), subscribeAll(clientB, STREAM, { input })]);
    expect(onA.error).toBeNull();
    expect(onB.error).toBeNull();
    const samples = (o: typeof onA) => o.results.map((r) => r.data!.sampleStream.samplesBase64 as string).join('|');
    expect(onA.results.at(-1)!.data!.sampleStream.done).toBe(true);
    expect(samples(onB)).toBe(samples(onA));
    expect(onB.results.map((r) => r.data!.sampleStream.count)).toEqual(onA.results.map((r) => r.data!.sampleStream.count));
    await Promise.all([clientA.dispose(), clientB.dispose()]);
  });

  it('sends a model where its manifest says: another server and another name there', async () => {
    // tiny-alias is tiny-image under another id; its manifest sends it to A's "tiny-image", while INFERENCE_URL points nowhere.
    const dir = mkdtempSync(join(tmpdir(), 'oip-override-'));
    cpSync(join(FIXTURE_MODELS_DIR, 'tiny-image'), join(dir, 'tiny-alias'), { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'tiny-alias', 'manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(
      join(dir, 'tiny-alias', 'manifest.json'),
      JSON.stringify({ ...manifest, id: 'tiny-alias', inference: { url: new URL(a.url).origin, model: 'tiny-image' } }),
    );
    const { engine } = await createTestEngine({ modelsDir: dir, inference: { url: 'http://127.0.0.1:9' }, limits: { inferenceAttempts: 1 } });
    try {
      const input = INPUTS[2]!;
      const mine = await engine.sampleAll({ ...input, modelId: 'tiny-alias' });
      const onA = await gql(a, QUERY, { input });
      expect(float32ToBase64(mine.samples)).toBe(onA.data!.sample.samplesBase64);
      // Readiness asks both servers: the default one is down.
      expect(await engine.inferenceReadiness()).toMatchObject({ ready: false, reason: expect.stringMatching(/^http:\/\/127\.0\.0\.1:9\/v2\/health\/ready/) });
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad request to B before any remote call, with B’s own codes', async () => {
    const r = await gql(b, QUERY, { input: { ...INPUTS[0]!, count: 0 } });
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'count' });
  });

  it('stopping A mid-stream ends B’s stream with INFERENCE_UNAVAILABLE, never a hang; B turns unready', async () => {
    // Its own pair: tests run in random order, and this one stops A.
    const a2 = await startTestServer();
    const b2 = await startTestServer({ inference: { url: new URL(a2.url).origin }, limits: { inferenceTimeoutMs: 5000, inferenceAttempts: 3 } });
    const client = wsClient(b2);
    // Never accepts (threshold far above every logit): runs until stopped.
    const input = {
      modelId: 'uniform-gaussian-1d',
      sampler: { name: 'threshold', params: { logitThreshold: 100 } },
      count: 1,
      maxProposals: 20_000_000,
      batchSize: 64,
      seed: 1,
    };
    const stream = subscribeAll(client, `subscription($input: SampleInput!) { sampleStream(input: $input) { done count } }`, { input });
    await waitFor(() => b2.sampling.gateway.activeRuns === 1 && a2.sampling.gateway.stats().inferenceRounds > 20, 10_000, 'B’s stream to run on A');
    const stoppedAt = Date.now();
    await a2.stop();
    const deadline = new Promise<'hang'>((resolve) => setTimeout(() => resolve('hang'), 20_000).unref());
    const outcome = await Promise.race([stream, deadline]);
    expect(outcome).not.toBe('hang');
    const { results, error } = outcome as Awaited<typeof stream>;
    expect(error).toBeNull();
    const last = results.at(-1)!;
    expect(last.errors![0]!.extensions).toMatchObject({ code: 'INFERENCE_UNAVAILABLE', attempts: 3 });
    expect(last.errors![0]!.message).toMatch(/inference server http:\/\/127\.0\.0\.1:\d+ unavailable for model "uniform-gaussian-1d" after 3 attempt\(s\)/);
    // Bounded: 3 attempts with 100 + 200 ms between them, against a closed port.
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    await client.dispose();

    const ready = await fetch(`${new URL(b2.url).origin}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'inference-unavailable', reason: expect.stringMatching(/\/v2\/health\/ready/) });
    // B keeps serving: a new query gets the same clear error.
    const r = await gql(b2, QUERY, { input: INPUTS[2] });
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'INFERENCE_UNAVAILABLE' });
    expect((await fetch(`${new URL(b2.url).origin}/v2/health/live`)).status).toBe(200);
    await b2.stop();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, modelsDirWithBrokenModel, startTestServer, subscribeAll, wsClient, type TestServer } from './client.js';

const SAMPLE = `query($input: SampleInput!) { sample(input: $input) { count } }`;
const STREAM = `subscription($input: SampleInput!) { sampleStream(input: $input) { count done } }`;
const input = (overrides: Record<string, unknown> = {}) => ({
  modelId: 'uniform-gaussian-1d',
  sampler: { name: 'drs', params: { gamma: 0, burnInSamples: 500 } },
  count: 5,
  seed: 1,
  ...overrides,
});

let server: TestServer;
let models: ReturnType<typeof modelsDirWithBrokenModel>;
beforeAll(async () => {
  models = modelsDirWithBrokenModel();
  server = await startTestServer({ modelsDir: models.dir, limits: { maxCount: 1000, maxProposals: 50_000, maxQueryDepth: 2, maxQueryComplexity: 60 } });
});
afterAll(async () => {
  await server?.stop();
  models?.cleanup();
});

/** The error of one request, over HTTP and over WebSocket; both must agree. */
async function errorOf(variables: Record<string, unknown>): Promise<{ message: string; extensions: Record<string, unknown> }> {
  const http = await gql(server, SAMPLE, variables);
  expect(http.data ?? null).toBeNull();
  expect(http.errors).toHaveLength(1);
  const client = wsClient(server);
  const ws = await subscribeAll(client, STREAM, variables);
  await client.dispose();
  expect(ws.error).toBeNull();
  expect(ws.results).toHaveLength(1);
  const wsError = ws.results[0]!.errors![0]!;
  expect({ message: wsError.message, extensions: wsError.extensions }).toEqual({ message: http.errors![0]!.message, extensions: http.errors![0]!.extensions });
  return http.errors![0]! as { message: string; extensions: Record<string, unknown> };
}

describe('bad input, over HTTP and WebSocket alike', () => {
  it('logs the failed model with its error and keeps serving the good one', async () => {
    expect(server.logs).toContainEqual(expect.stringMatching(/^model broken: FAILED: broken\/generator\.onnx/));
    expect(server.logs).toContainEqual(expect.stringMatching(/^model uniform-gaussian-1d: READY/));
    const { data } = await gql(server, `{ models { id status error } }`);
    expect(data!.models).toEqual([
      { id: 'broken', status: 'FAILED', error: expect.stringMatching(/^broken\/generator\.onnx/) },
      { id: 'uniform-gaussian-1d', status: 'READY', error: null },
    ]);
  });

  it('unknown model → NOT_FOUND', async () => {
    const e = await errorOf({ input: input({ modelId: 'nope' }) });
    expect(e.extensions).toMatchObject({ code: 'NOT_FOUND', modelId: 'nope' });
    expect(e.message).toMatch(/model "nope" not found \(models: broken, uniform-gaussian-1d\)/);
  });

  it('unknown sampler → NOT_FOUND', async () => {
    const e = await errorOf({ input: input({ sampler: { name: 'no-such-sampler' } }) });
    expect(e.extensions).toMatchObject({ code: 'NOT_FOUND', sampler: 'no-such-sampler' });
    expect(e.message).toMatch(/sampler "no-such-sampler" not found \(samplers: .*ddls/);
  });

  it('FAILED model → MODEL_NOT_READY carrying its load error', async () => {
    const e = await errorOf({ input: input({ modelId: 'broken' }) });
    expect(e.extensions).toMatchObject({ code: 'MODEL_NOT_READY', modelId: 'broken', loadError: expect.stringMatching(/^broken\/generator\.onnx/) });
  });

  it('unknown sampler parameter → BAD_USER_INPUT naming it', async () => {
    const e = await errorOf({ input: input({ sampler: { name: 'drs', params: { gama: 0 } } }) });
    expect(e.extensions).toMatchObject({ code: 'BAD_USER_INPUT', sampler: 'drs', parameter: 'gama' });
    expect(e.message).toMatch(/unknown parameter \(known: burnInSamples, epsilon, gamma, gammaPercentile, calibration\)/);
  });

  it('out-of-range or conflicting parameters → BAD_USER_INPUT naming them', async () => {
    expect((await errorOf({ input: input({ sampler: { name: 'drs', params: { gammaPercentile: 101 } } }) })).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      parameter: 'gammaPercentile',
    });
    expect((await errorOf({ input: input({ sampler: { name: 'threshold', params: { burnInSamples: 1.5 } } }) })).extensions).toMatchObject({
      parameter: 'burnInSamples',
    });
    expect((await errorOf({ input: input({ sampler: { name: 'drs', params: { gamma: 0, gammaPercentile: 50 } } }) })).extensions).toMatchObject({
      parameter: 'gamma',
    });
  });

  it('count and maxProposals over the limits → LIMIT_EXCEEDED; count 0 → BAD_USER_INPUT', async () => {
    const count = await errorOf({ input: input({ count: 1001 }) });
    expect(count.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', field: 'count' });
    expect(count.message).toMatch(/count: must be between 1 and 1000, got 1001/);
    expect((await errorOf({ input: input({ maxProposals: 50_001 }) })).extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', field: 'maxProposals' });
    expect((await errorOf({ input: input({ count: 0 }) })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'count' });
  });

  it('an exhausted proposal budget → PROPOSAL_BUDGET_EXHAUSTED', async () => {
    const { errors } = await gql(server, SAMPLE, { input: input({ sampler: { name: 'threshold', params: { logitThreshold: 50 } }, maxProposals: 1000 }) });
    expect(errors![0]!.extensions).toMatchObject({ code: 'PROPOSAL_BUDGET_EXHAUSTED', maxProposals: 1000, accepted: 0 });
  });

  it('query depth and complexity over the limits → LIMIT_EXCEEDED before any work, on both transports', async () => {
    const naive = `input: { modelId: "uniform-gaussian-1d", sampler: { name: "naive" }, count: 1 }`;
    const roundsBefore = server.sampling.gateway.stats().inferenceRounds;
    // depth: `values` is the third level; fragments count as what they expand to
    const deep = await gql(server, `{ sample(${naive}) { ...S } } fragment S on SampleResult { samples { values } }`);
    expect(deep.status).toBe(400);
    expect(deep.errors![0]!.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'maxQueryDepth', depth: 3, max: 2 });
    // complexity: sample costs 20, each other field 1: 3 × (20 + 1) = 63
    const aliases = [0, 1, 2].map((i) => `s${i}: sample(${naive}) { count }`).join(' ');
    const complex = await gql(server, `{ ${aliases} }`);
    expect(complex.status).toBe(400);
    expect(complex.errors![0]!.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'maxQueryComplexity', complexity: 63, max: 60 });
    expect(complex.errors![0]!.message).toMatch(/complexity 63, above the limit of 60/);

    const client = wsClient(server);
    const wsDeep = await subscribeAll(client, `subscription { sampleStream(${naive}) { samples { values } } }`);
    expect((wsDeep.error as { extensions: object }[])[0]!.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'maxQueryDepth' });
    const wsComplex = await subscribeAll(client, `{ ${aliases} }`);
    expect((wsComplex.error as { extensions: object }[])[0]!.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'maxQueryComplexity' });
    // introspection is not counted, and the connection still serves
    const ok = await subscribeAll(client, `{ __schema { types { fields { type { ofType { ofType { name } } } } } } models { id } }`);
    expect(ok.results[0]!.errors).toBeUndefined();
    await client.dispose();
    expect(server.sampling.gateway.stats().inferenceRounds).toBe(roundsBefore);
  });

  it('keeps serving after refusing bad requests, counting every refusal', async () => {
    const limitBefore = server.sampling.counters.errorCount('LIMIT_EXCEEDED');
    await errorOf({ input: input({ count: 1001 }) }); // LIMIT_EXCEEDED, once per transport
    await errorOf({ input: input({ modelId: 'broken' }) }); // MODEL_NOT_READY
    const { data, errors } = await gql(server, SAMPLE, { input: input() });
    expect(errors).toBeUndefined();
    expect(data!.sample.count).toBe(5);
    expect(server.sampling.counters.errorCount('LIMIT_EXCEEDED')).toBe(limitBefore + 2);
  });
});

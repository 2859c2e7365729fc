/**
 * Bounded work per operation on a real server: a response too large to send is refused at
 * admission (naming the limit and what would fit), and all runs of one operation share one
 * proposal budget, aliases included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, startTestServer, subscribeAll, waitFor, wsClient, type TestServer } from './client.js';

const MAX_RESPONSE_BYTES = 200_000;
const MAX_OPERATION_PROPOSALS = 100_000;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ limits: { maxResponseBytes: MAX_RESPONSE_BYTES, maxOperationProposals: MAX_OPERATION_PROPOSALS } });
});
afterAll(() => server?.stop());

const rounds = (): number => server.sampling.gateway.stats().inferenceRounds;

describe('the response size estimate', () => {
  const cases = [
    { modelId: 'uniform-gaussian-1d', fields: 'samples { values logit acceptanceProbability }' },
    { modelId: 'uniform-gaussian-1d', fields: 'samplesBase64' },
    { modelId: 'tiny-image', fields: 'samples { png values }' },
    { modelId: 'uniform-gaussian-1d', fields: 'sampleValues' },
    { modelId: 'tiny-image', fields: 'sampleValues' },
  ];
  for (const { modelId, fields } of cases) {
    it(`refuses before any inference what cannot be sent, and what it says fits is sent within the limit (${modelId}: ${fields})`, async () => {
      const query = (count: number) => `{ sample(input: { modelId: "${modelId}", sampler: { name: "naive" }, count: ${count}, seed: 1 }) { count ${fields} } }`;
      const before = rounds();
      const refused = await gql(server, query(100_000));
      expect(rounds()).toBe(before);
      const extensions = refused.errors![0]!.extensions!;
      expect(extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'maxResponseBytes', max: MAX_RESPONSE_BYTES, maxCount: expect.any(Number) });
      expect(refused.errors![0]!.message).toMatch(/the response would be about .* MB .* at most \d+ samples fit/);

      const fit = extensions.maxCount as number;
      expect(fit).toBeGreaterThan(100);
      const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: query(fit) }) });
      const text = await res.text();
      expect(JSON.parse(text).data.sample.count).toBe(fit);
      // The estimate is an upper bound, and not so loose that it refuses much of what would fit.
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
      expect(Buffer.byteLength(text)).toBeGreaterThan(MAX_RESPONSE_BYTES / 3);
    });
  }

  it('counts aliased copies of the samples', async () => {
    const one = await gql(server, `{ sample(input: { modelId: "uniform-gaussian-1d", sampler: { name: "naive" }, count: 100000 }) { samples { values } } }`);
    const two = await gql(
      server,
      `{ sample(input: { modelId: "uniform-gaussian-1d", sampler: { name: "naive" }, count: 100000 }) { a: samples { values } b: samples { values } } }`,
    );
    const fit = (r: typeof one) => r.errors![0]!.extensions!.maxCount as number;
    expect(fit(two)).toBeLessThan(fit(one) * 0.6);
  });

  it('counts sampleValues like samples { values } less the object per sample, and adds it to the other fields', async () => {
    const fit = async (fields: string) => {
      const r = await gql(server, `{ sample(input: { modelId: "tiny-image", sampler: { name: "naive" }, count: 100000 }) { ${fields} } }`);
      expect(r.errors![0]!.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'maxResponseBytes' });
      return r.errors![0]!.extensions!.maxCount as number;
    };
    const values = await fit('samples { values }');
    const list = await fit('sampleValues');
    const both = await fit('sampleValues samplesBase64');
    expect(list).toBeGreaterThan(values);
    expect(list).toBeLessThan(values * 1.3); // the same numbers: only the per-sample key and braces go
    expect(both).toBeLessThan(list);
  });
});

describe('the per-operation proposal budget', () => {
  // Each comparison budgets 2 × 30000 proposals; the operation may budget 100000 in all.
  const compare = (alias: string) =>
    `${alias}: compareSamplers(input: { modelId: "uniform-gaussian-1d", samplers: [{ name: "naive" }, { name: "naive" }], count: 10, seed: 1, maxProposals: 30000 }) { stats { accepted } }`;
  const operation = `{ ${['a', 'b', 'c'].map(compare).join(' ')} }`;

  it('is summed over aliased fields: the field past it is refused, naming the limit and what remains', async () => {
    const returnedBefore = server.sampling.counters.samplesReturned;
    const { data, errors } = await gql(server, operation);
    // compareSamplers is non-null, so one refused field nulls the whole result.
    expect(data).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors![0]!.extensions).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      limit: 'maxOperationProposals',
      max: MAX_OPERATION_PROPOSALS,
      requested: 120_000,
      remaining: 40_000,
    });
    expect(errors![0]!.path).toEqual(['b']);
    expect(errors![0]!.message).toMatch(/would budget 120000 proposals together .* 40000 remain/);
    // b and c never started: only a's two runs produced samples.
    await waitFor(() => server.sampling.gateway.activeRuns === 0, 10_000, 'a’s runs to end');
    expect(server.sampling.counters.samplesReturned - returnedBefore).toBe(20);
  });

  it('is per operation: separate requests, and each WebSocket operation, get their own', async () => {
    for (let i = 0; i < 3; i++) expect((await gql(server, `{ ${compare('x')} }`)).errors).toBeUndefined();
    const client = wsClient(server);
    const ws = await subscribeAll(client, operation);
    expect(ws.results[0]!.errors!.map((e) => e.extensions.limit)).toEqual(['maxOperationProposals']);
    expect((await subscribeAll(client, `{ ${compare('x')} }`)).results[0]!.errors).toBeUndefined();
    await client.dispose();
  });
});

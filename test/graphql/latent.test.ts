/** The latent samplers over GraphQL: listed with their kind, availability per model, SAMPLER_UNAVAILABLE on HTTP and WebSocket, a run's stats. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, startTestServer, subscribeAll, wsClient, type TestServer } from './client.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

describe('latent samplers in the schema', () => {
  it('Query.samplers gives each sampler its kind', async () => {
    const { data, errors } = await gql(server, `{ samplers { name kind } }`);
    expect(errors).toBeUndefined();
    expect(data!.samplers).toEqual([
      { name: 'naive', kind: 'ROUND' },
      { name: 'threshold', kind: 'ROUND' },
      { name: 'drs', kind: 'ROUND' },
      { name: 'mh', kind: 'ROUND' },
      { name: 'ddls', kind: 'LATENT' },
      { name: 'dot', kind: 'LATENT' },
    ]);
  });

  it('Model.samplers says which samplers run on the model, and why the latent ones do not', async () => {
    const { data, errors } = await gql(
      server,
      `{ with: model(id: "langevin-gaussian-1d") { samplers { name available unavailableReason } }
         without: model(id: "uniform-gaussian-1d") { samplers { name kind available unavailableReason } } }`,
    );
    expect(errors).toBeUndefined();
    expect(data!.with.samplers.every((s: { available: boolean }) => s.available)).toBe(true);
    const without = Object.fromEntries(data!.without.samplers.map((s: { name: string }) => [s.name, s]));
    expect(without.drs).toEqual({ name: 'drs', kind: 'ROUND', available: true, unavailableReason: null });
    expect(without.ddls).toMatchObject({ kind: 'LATENT', available: false });
    expect(without.ddls.unavailableReason).toBe(
      'sampler "ddls" moves latents along ∇_z d(G(z)) and needs the model\'s latent-gradient graph: model "uniform-gaussian-1d" ships no latent-gradient graph (manifest "latentGradient")',
    );
    expect(without.dot.available).toBe(false);
  });
});

describe('asking for a latent sampler on a model without the graph', () => {
  const variables = { input: { modelId: 'uniform-gaussian-1d', sampler: { name: 'ddls' }, count: 5, seed: 1 } };

  it('fails with SAMPLER_UNAVAILABLE over HTTP and WebSocket alike, and the server keeps serving', async () => {
    const http = await gql(server, `query($input: SampleInput!) { sample(input: $input) { count } }`, variables);
    expect(http.data ?? null).toBeNull();
    expect(http.errors![0]!.extensions).toMatchObject({ code: 'SAMPLER_UNAVAILABLE', sampler: 'ddls', modelId: 'uniform-gaussian-1d' });
    const client = wsClient(server);
    const ws = await subscribeAll(client, `subscription($input: SampleInput!) { sampleStream(input: $input) { count done } }`, variables);
    await client.dispose();
    expect(ws.results[0]!.errors![0]!.extensions).toMatchObject({ code: 'SAMPLER_UNAVAILABLE' });
    const ok = await gql(server, `{ sample(input: { modelId: "uniform-gaussian-1d", sampler: { name: "naive" }, count: 3, seed: 1 }) { count } }`);
    expect(ok.data!.sample.count).toBe(3);
  });
});

describe('a ddls run over GraphQL', () => {
  it('returns count samples with the gradient rounds per output in its stats, and streams them', async () => {
    const input = { modelId: 'langevin-gaussian-1d', sampler: { name: 'ddls', params: { steps: 8 } }, count: 50, seed: 3 };
    const { data, errors } = await gql(
      server,
      `query($input: SampleInput!) { sample(input: $input) { count stats { proposed proposalsPerOutput samplerDetails } } }`,
      { input },
    );
    expect(errors).toBeUndefined();
    expect(data!.sample.count).toBe(50);
    expect(data!.sample.stats.proposalsPerOutput).toBe(27); // (8 + 1) rounds × 3 proposals
    expect(data!.sample.stats.samplerDetails).toMatchObject({ gradientRowsPerOutput: 9, proposalsPerGradientRow: 3 });
    const client = wsClient(server);
    const ws = await subscribeAll(client, `subscription($input: SampleInput!) { sampleStream(input: $input) { count done } }`, { input });
    await client.dispose();
    expect(ws.error).toBeNull();
    expect(ws.results.reduce((n, r) => n + (r.data!.sampleStream as { count: number }).count, 0)).toBe(50);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../examples/mount.js';
import { FIXTURE_MODELS_DIR } from '../helpers/engine.js';
import { gql, subscribeAll, waitFor, wsClient } from '../graphql/client.js';

/** The README's mounting example, run as written (examples/mount.ts). */
describe('mounting the plugin into an Apollo Server + express + graphql-ws app', () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  let url: string;
  beforeAll(async () => {
    app = await startApp({ port: 0, modelsDir: FIXTURE_MODELS_DIR, pool: { workers: 1, intraOpNumThreads: 1 }, logger: { info() {}, warn() {}, error() {} } });
    const address = app.httpServer.address() as { port: number };
    url = `http://127.0.0.1:${address.port}/graphql`;
  });
  afterAll(() => app?.apollo.stop());

  it('answers queries over HTTP', async () => {
    const { data } = await gql({ url }, `{ models { id status } samplers { name } }`);
    expect(data!.models).toHaveLength(7);
    expect(data!.samplers.map((s: { name: string }) => s.name)).toEqual(['naive', 'threshold', 'drs', 'mh']);
  });

  it('serves the offline pages it mounted', async () => {
    const ide = await fetch(url, { headers: { accept: 'text/html' } });
    expect(await ide.text()).toContain('_sampler/vendor/graphiql.js');
    const compare = await fetch(new URL('/', url));
    expect(await compare.text()).toContain('Compare samplers');
    const vendor = await fetch(new URL('/_sampler/vendor/graphql-ws.js', url));
    expect(vendor.status).toBe(200);
  });

  it('streams over WebSocket on the same port', async () => {
    const client = wsClient({ wsUrl: url.replace('http', 'ws') });
    const { results, error } = await subscribeAll(client, `subscription { sampleStream(input: { modelId: "gaussian-mixture-1d", sampler: { name: "drs", params: { gamma: 0, burnInSamples: 500 } }, count: 40, seed: 1 }) { count done } }`);
    await client.dispose();
    expect(error).toBeNull();
    expect(results.reduce((n, r) => n + r.data!.sampleStream.count, 0)).toBe(40);
    expect(results.at(-1)!.data!.sampleStream.done).toBe(true);
  });

  it('stops: streams are cancelled and the engine closed', async () => {
    const client = wsClient({ wsUrl: url.replace('http', 'ws') });
    const stream = subscribeAll(client, `subscription { sampleStream(input: { modelId: "uniform-gaussian-1d", sampler: { name: "naive" }, count: 100000, batchSize: 64 }) { count } }`);
    await waitFor(() => app.sampling.counters.samplesStreamed > 100, 5000, 'the stream to run');
    const gateway = app.sampling.gateway;
    const started = Date.now();
    await app.apollo.stop();
    expect(Date.now() - started).toBeLessThan(3000); // not the drain plugin's 10 s grace period
    const { results, error } = await stream;
    // The stream ends with SHUTTING_DOWN, or the socket closes first (graphql-ws dispose): either way it ends.
    const codes = results.flatMap((r) => r.errors ?? []).map((e) => e.extensions?.code);
    expect(codes.length > 0 ? codes : [error ? 'CLOSED' : 'NONE']).toEqual([expect.stringMatching(/SHUTTING_DOWN|CLOSED/)]);
    expect(gateway.activeRuns).toBe(0);
    await client.dispose();
  });
});

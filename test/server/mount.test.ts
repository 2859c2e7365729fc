import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../examples/mount.js';
import { FIXTURE_MODELS_DIR } from '../helpers/engine.js';
import { gql, subscribeAll, waitFor, wsClient } from '../graphql/client.js';

/** The README's mounting example, run as written (examples/mount.ts). */
async function start(): Promise<{ app: Awaited<ReturnType<typeof startApp>>; url: string }> {
  const app = await startApp({
    port: 0,
    modelsDir: FIXTURE_MODELS_DIR,
    pool: { workers: 1, intraOpNumThreads: 1 },
    logger: { info() {}, warn() {}, error() {} },
  });
  const address = app.httpServer.address() as { port: number };
  return { app, url: `http://127.0.0.1:${address.port}/graphql` };
}

describe('mounting the plugin into an Apollo Server + express + graphql-ws app', () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  let url: string;
  beforeAll(async () => {
    ({ app, url } = await start());
  });
  afterAll(() => app?.apollo.stop());

  it('answers queries over HTTP', async () => {
    const { data } = await gql({ url }, `{ models { id status } samplers { name } }`);
    expect(data!.models).toHaveLength(8);
    expect(data!.samplers.map((s: { name: string }) => s.name)).toEqual(['naive', 'threshold', 'drs', 'mh', 'ddls', 'dot']);
  });

  it('answers a malformed body with a JSON error and sends no X-Powered-By, as the standalone server does', async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(((await res.json()) as { errors: { extensions: object }[] }).errors[0]!.extensions).toEqual({ code: 'BAD_REQUEST' });
  });

  it('serves the offline pages it mounted', async () => {
    const ide = await fetch(url, { headers: { accept: 'text/html' } });
    expect(await ide.text()).toContain('_sampler/vendor/graphiql.js');
    const compare = await fetch(new URL('/', url));
    expect(await compare.text()).toContain('Compare samplers');
    const vendor = await fetch(new URL('/_sampler/vendor/graphql-ws.js', url));
    expect(vendor.status).toBe(200);
  });

  it('serves the Open Inference Protocol it mounted, over the same models', async () => {
    const ready = await fetch(new URL('/v2/models/tiny-image/ready', url));
    expect(await ready.json()).toEqual({ name: 'tiny-image', ready: true });
    const body = JSON.stringify({ inputs: [{ name: 'latent', shape: [1, 4], datatype: 'FP32', data: [0, 0, 0, 0] }] });
    const res = await fetch(new URL('/v2/models/tiny-image/infer', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { outputs: { name: string }[] }).outputs.map((o) => o.name)).toEqual(['sample', 'logit']);
  });

  it('streams over WebSocket on the same port', async () => {
    const client = wsClient({ wsUrl: url.replace('http', 'ws') });
    const { results, error } = await subscribeAll(
      client,
      `subscription { sampleStream(input: { modelId: "gaussian-mixture-1d", sampler: { name: "drs", params: { gamma: 0, burnInSamples: 500 } }, count: 40, seed: 1 }) { count done } }`,
    );
    await client.dispose();
    expect(error).toBeNull();
    expect(results.reduce((n, r) => n + r.data!.sampleStream.count, 0)).toBe(40);
    expect(results.at(-1)!.data!.sampleStream.done).toBe(true);
  });

  it('stops: streams are cancelled and the engine closed', async () => {
    // An app of its own: stopping the shared one would take it from the other tests.
    const own = await start();
    const client = wsClient({ wsUrl: own.url.replace('http', 'ws') });
    try {
      const stream = subscribeAll(
        client,
        `subscription { sampleStream(input: { modelId: "uniform-gaussian-1d", sampler: { name: "naive" }, count: 100000, batchSize: 64 }) { count } }`,
      );
      await waitFor(() => own.app.sampling.counters.samplesStreamed > 100, 5000, 'the stream to run');
      const gateway = own.app.sampling.gateway;
      const started = Date.now();
      await own.app.apollo.stop();
      // Not the HTTP drain's 10 s grace period (a margin for a loaded 2-core machine).
      expect(Date.now() - started).toBeLessThan(8000);
      const { results, error } = await stream;
      // The stream's last message is its SHUTTING_DOWN error, then Complete, before the socket closes.
      expect(error).toBeNull();
      expect(results.flatMap((r) => r.errors ?? []).map((e) => e.extensions?.code)).toEqual(['SHUTTING_DOWN']);
      expect(gateway.activeRuns).toBe(0);
    } finally {
      await own.app.apollo.stop(); // a no-op when the test got that far
      await client.dispose();
    }
  });
});

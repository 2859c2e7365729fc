/**
 * Headers of the standalone server's big responses: no ETag (express would hash every body), and
 * `Cache-Control: no-store` on sampling fields sent by the sampling plugin itself, with Apollo's
 * cache-control plugin disabled (it wraps every field resolver, a cost per sample).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../graphql/client.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

const post = (query: string) => fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });

describe('standalone responses', () => {
  it('answer a sample query with Cache-Control: no-store and without an ETag', async () => {
    const res = await post(`{ sample(input: { modelId: "uniform-gaussian-1d", sampler: { name: "naive" }, count: 2000, seed: 1 }) { samplesBase64 } }`);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(((await res.json()) as { data: { sample: { samplesBase64: string } } }).data.sample.samplesBase64.length).toBeGreaterThan(10_000);
  });

  it('mark comparisons and counters no-store too, also through a fragment, and leave other fields alone', async () => {
    const compare = await post(
      `{ ...C } fragment C on Query { compareSamplers(input: { modelId: "uniform-gaussian-1d", samplers: [{ name: "naive" }], count: 2 }) { stats { accepted } } }`,
    );
    expect(compare.headers.get('cache-control')).toBe('no-store');
    const stats = await post(`{ s: serverStats { activeRuns } }`);
    expect(stats.headers.get('cache-control')).toBe('no-store');
    // Apollo's cache-control plugin is off: nothing sets a header for fields that carry no hint.
    const samplers = await post(`{ samplers { name } }`);
    expect(samplers.status).toBe(200);
    expect(samplers.headers.get('cache-control')).toBeNull();
  });
});

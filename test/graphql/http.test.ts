/** Bad HTTP requests on a real server: GraphQL-shaped JSON errors with a code, no stack trace or paths. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, startTestServer, type TestServer } from './client.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ limits: { maxRequestBytes: 64 * 1024 } });
});
afterAll(() => server?.stop());

async function post(body: string): Promise<{ status: number; type: string | null; poweredBy: string | null; text: string }> {
  const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, type: res.headers.get('content-type'), poweredBy: res.headers.get('x-powered-by'), text: await res.text() };
}

/** No HTML error page, no stack frames, no absolute paths. */
function expectNoTrace(text: string): void {
  expect(text).not.toMatch(/<html|<pre>|\bat [\w.<>]+ \(|node_modules|\/work\/|file:\/\//i);
}

describe('bad HTTP requests', () => {
  it('a body that is not JSON → 400 BAD_REQUEST as JSON', async () => {
    const res = await post('{"query": "{ models { id } }",');
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/^application\/json/);
    expectNoTrace(res.text);
    expect(JSON.parse(res.text)).toEqual({
      errors: [{ message: expect.stringMatching(/^the request body is not valid JSON: /), extensions: { code: 'BAD_REQUEST' } }],
    });
  });

  it('a body over maxRequestBytes → 413 LIMIT_EXCEEDED naming the limit', async () => {
    const res = await post(JSON.stringify({ query: '{ models { id } }', variables: { pad: 'x'.repeat(100 * 1024) } }));
    expect(res.status).toBe(413);
    expectNoTrace(res.text);
    expect(JSON.parse(res.text).errors[0]).toEqual({
      message: 'the request body is larger than maxRequestBytes / MAX_REQUEST_BYTES = 65536 bytes',
      extensions: { code: 'LIMIT_EXCEEDED', limit: 'maxRequestBytes', max: 65536 },
    });
  });

  it('a subscription over HTTP → 400 BAD_REQUEST saying to use graphql-ws', async () => {
    const res = await gql(server, `subscription { sampleStream(input: { modelId: "uniform-gaussian-1d", sampler: { name: "naive" }, count: 1 }) { count } }`);
    expect(res.status).toBe(400);
    expect(res.errors![0]!.extensions).toEqual({ code: 'BAD_REQUEST' });
    expect(res.errors![0]!.message).toMatch(/WebSocket only: connect a graphql-ws client .* ws:\/\//);
    expect(server.sampling.gateway.activeRuns).toBe(0);
  });

  it('counts what it refused before Apollo saw it under its code', async () => {
    const { counters } = server.sampling;
    const before = { bad: counters.errorCount('BAD_REQUEST'), limit: counters.errorCount('LIMIT_EXCEEDED') };
    await post('{"query": "{ models { id } }",');
    await gql(server, `subscription { sampleStream(input: { modelId: "uniform-gaussian-1d", sampler: { name: "naive" }, count: 1 }) { count } }`);
    await post(JSON.stringify({ query: '{ models { id } }', variables: { pad: 'x'.repeat(100 * 1024) } }));
    expect(counters.errorCount('BAD_REQUEST') - before.bad).toBe(2); // the malformed body, the subscription
    expect(counters.errorCount('LIMIT_EXCEEDED') - before.limit).toBe(1); // the oversized body
  });

  it('sends no X-Powered-By, and keeps serving', async () => {
    const res = await post(JSON.stringify({ query: '{ models { id } }' }));
    expect(res.status).toBe(200);
    expect(res.poweredBy).toBeNull();
    expect(JSON.parse(res.text).data.models.length).toBeGreaterThan(0);
  });
});

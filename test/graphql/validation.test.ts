/**
 * Hardening at the transport: a document whose fragments nest exponentially is refused at once
 * without blocking other requests, and a non-finite sampler parameter is named as such.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, startTestServer, subscribeAll, wsClient, type HttpResult, type TestServer } from './client.js';
import { nestedFragments } from './fragments.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

/** POSTs a body as written: JSON.stringify cannot write `1e400` (it writes Infinity as null). */
async function post(body: string): Promise<HttpResult> {
  const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, ...((await res.json()) as object) };
}

describe('fragments nested 40 deep (2^41 fields once expanded, 2.4 KB of query)', () => {
  const query = nestedFragments(40);
  const refused = { code: 'LIMIT_EXCEEDED', limit: 'maxQueryComplexity', complexity: 2 ** 41, max: 500 };

  it('over HTTP: refused with LIMIT_EXCEEDED while a trivial query sent alongside answers', async () => {
    const roundsBefore = server.sampling.gateway.stats().inferenceRounds;
    const [pathological, trivial] = await Promise.all([gql(server, query), gql(server, `{ models { id } }`)]);
    expect(pathological.status).toBe(400);
    expect(pathological.data ?? null).toBeNull();
    expect(pathological.errors).toHaveLength(1);
    expect(pathological.errors![0]!.extensions).toMatchObject(refused);
    expect(pathological.errors![0]!.message).toBe(`operation has complexity ${2 ** 41}, above the limit of 500`);
    expect(trivial.errors).toBeUndefined();
    expect(trivial.data!.models.map((m: { id: string }) => m.id)).toContain('uniform-gaussian-1d');
    expect(server.sampling.gateway.stats().inferenceRounds).toBe(roundsBefore);
  });

  it('over WebSocket (graphql-ws runs the rules in the same pass as graphql’s): refused the same way, and a cycle is reported, not followed', async () => {
    const client = wsClient(server);
    const outcome = await subscribeAll(client, query);
    expect((outcome.error as { extensions: object }[]).map((e) => e.extensions)).toEqual([refused]);
    const cyclic = await subscribeAll(client, query.replace('fragment F40 on Query { models { id } }', 'fragment F40 on Query { models { id } ...F0 }'));
    expect((cyclic.error as { message: string }[]).map((e) => e.message)).toContain(
      'Cannot spread fragment "F0" within itself via "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11", "F12", "F13", "F14", "F15", "F16", "F17", "F18", "F19", "F20", "F21", "F22", "F23", "F24", "F25", "F26", "F27", "F28", "F29", "F30", "F31", "F32", "F33", "F34", "F35", "F36", "F37", "F38", "F39", "F40".',
    );
    const ok = await subscribeAll(client, `{ models { id } }`);
    expect(ok.results[0]!.errors).toBeUndefined();
    await client.dispose();
  });
});

describe('gamma: 1e400 (Infinity once parsed)', () => {
  const sample = (params: string) => `{ sample(input: { modelId: "uniform-gaussian-1d", sampler: { name: "drs", params: ${params} }, count: 1 }) { count } }`;
  const expected = (result: HttpResult) => {
    expect(result.data ?? null).toBeNull();
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', sampler: 'drs', parameter: 'gamma' });
    expect(result.errors![0]!.message).toBe('sampler "drs", parameter "gamma": must be a finite number, got Infinity');
  };

  it('as a literal in the query text → BAD_USER_INPUT naming gamma, which must be finite', async () => {
    expected(await gql(server, sample('{ gamma: 1e400 }')));
  });

  it('in a variable → the same', async () => {
    const query = `query($input: SampleInput!) { sample(input: $input) { count } }`;
    const input = { modelId: 'uniform-gaussian-1d', sampler: { name: 'drs', params: { gamma: '<1e400>' } }, count: 1 };
    const body = JSON.stringify({ query, variables: { input } }).replace('"<1e400>"', '1e400');
    expect(body).toContain('"gamma":1e400');
    expected(await post(body));
  });
});

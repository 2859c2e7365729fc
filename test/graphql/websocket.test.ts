/**
 * WebSocket hardening on a real server: one bad operation is answered alone (the connection and
 * its streams go on), codes match HTTP, foreign origins and oversized messages are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { gql, startTestServer, subscribeAll, waitFor, wsClient, type TestServer } from './client.js';

const STREAM = `subscription($input: SampleInput!) { sampleStream(input: $input) { count } }`;
const endless = { modelId: 'uniform-gaussian-1d', sampler: { name: 'naive' }, count: 100_000, seed: 1, batchSize: 64 };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ limits: { maxRequestBytes: 64 * 1024 }, allowedOrigins: ['https://app.example'] });
});
afterAll(() => server?.stop());

/** Opens a raw socket with the graphql-ws subprotocol; resolves on open, or with the refusal. */
function openSocket(headers: Record<string, string> = {}): Promise<{ socket?: WebSocket; status?: number; body?: string }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws', { headers });
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => void (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    socket.once('error', () => undefined);
  });
}

describe('a WebSocket connection', () => {
  it('answers a syntax error with an error for that operation alone; its stream goes on', async () => {
    const client = wsClient(server);
    const events: number[] = [];
    let streamError: unknown = null;
    client.subscribe(
      { query: STREAM, variables: { input: endless } },
      { next: (r) => void events.push((r.data as any).sampleStream.count), error: (e) => void (streamError = e), complete: () => undefined },
    );
    await waitFor(() => events.length >= 2, 10_000, 'the stream to run');

    const bad = await subscribeAll(client, `subscription { sampleStream(input: {`);
    const errors = bad.error as { message: string; extensions: Record<string, unknown> }[];
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/^Syntax Error/);
    expect(errors[0]!.extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED' });

    const before = events.length;
    await waitFor(() => events.length > before + 2, 10_000, 'the stream to keep going after the bad operation');
    expect(streamError).toBeNull();
    expect(server.logs.join('\n')).not.toMatch(/Internal error|at .*\.js:\d+/);
    await client.dispose();
  });

  it('gives validation and variable errors the codes HTTP gives, and counts them under those codes', async () => {
    const client = wsClient(server);
    const cases = [
      { query: `{ models { nope } }`, variables: {} },
      { query: `query($input: SampleInput!) { sample(input: $input) { count } }`, variables: { input: { modelId: 'x' } } },
      { query: `query A { models { id } } query B { models { id } }`, variables: {} },
    ];
    for (const { query, variables } of cases) {
      const http = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
      const httpCode = ((await http.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code;
      const ws = await subscribeAll(client, query, variables);
      const wsErrors = (ws.error as { extensions: { code: string } }[] | null) ?? ws.results[0]?.errors;
      expect(wsErrors![0]!.extensions.code, query).toBe(httpCode);
    }
    const { data } = await gql(server, `{ serverStats { errors { transport code count } } }`);
    const ws = (data!.serverStats.errors as { transport: string; code: string }[]).filter((e) => e.transport === 'WS').map((e) => e.code);
    expect(ws).toEqual(expect.arrayContaining(['GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'OPERATION_RESOLUTION_FAILURE']));
    expect(ws).not.toContain('INTERNAL_SERVER_ERROR');
    await client.dispose();
  });

  it('refuses pages from other origins (403), accepts its own origin, allowed ones and clients without Origin', async () => {
    const own = new URL(server.url).origin;
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1.evil.example']) {
      const refused = await openSocket({ origin });
      expect(refused.status, origin).toBe(403);
      expect(refused.body).toMatch(/is not allowed/);
    }
    for (const headers of [{ origin: own }, { origin: 'https://app.example' }, {}] as Record<string, string>[]) {
      const { socket, status } = await openSocket(headers);
      expect(status, JSON.stringify(headers)).toBeUndefined();
      socket!.close();
    }
  });

  it('closes a socket that sends a message over maxRequestBytes with 1009, and keeps serving', async () => {
    const { socket } = await openSocket();
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket!.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    socket!.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(65 * 1024) } }));
    expect(await closed).toEqual({ code: 1009, reason: 'message too big: the limit is maxRequestBytes / MAX_REQUEST_BYTES = 65536 bytes' });
    expect(server.logs.join('\n')).not.toMatch(/Internal error|Max payload/);
    const { data } = await gql(server, `{ models { id } }`);
    expect(data!.models.length).toBeGreaterThan(0);
  });

  it('does not count clients that vanish mid-stream as server errors (disconnect storm)', async () => {
    const heavy = `subscription($input: SampleInput!) { sampleStream(input: $input) { samples { values logit } } }`;
    for (let round = 0; round < 2; round++) {
      const sockets = await Promise.all(
        Array.from({ length: 6 }, async (_, i) => {
          const { socket } = await openSocket();
          // Fails instead of hanging if the server closes the socket first.
          const received = (type: string) =>
            new Promise<void>((resolve, reject) => {
              socket!.on('message', (m: Buffer) => String(m).includes(`"type":"${type}"`) && resolve());
              socket!.once('close', (code, reason) => reject(new Error(`socket closed (${code} ${String(reason)}) before "${type}"`)));
            });
          const ack = received('connection_ack');
          socket!.send(JSON.stringify({ type: 'connection_init' }));
          await ack;
          const next = received('next');
          socket!.send(
            JSON.stringify({ id: '1', type: 'subscribe', payload: { query: heavy, variables: { input: { ...endless, seed: i, batchSize: 512 } } } }),
          );
          await next;
          return socket!;
        }),
      );
      for (const socket of sockets) socket.terminate(); // no close frame: the server's writes fail
      await waitFor(() => server.sampling.gateway.activeRuns === 0, 10_000, 'the runs to stop');
    }
    const { data } = await gql(server, `{ serverStats { errors { code count } } }`);
    expect((data!.serverStats.errors as { code: string }[]).map((e) => e.code)).not.toContain('INTERNAL_SERVER_ERROR');
  });
});

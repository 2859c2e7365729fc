import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/standalone.js';
import { FIXTURE_MODELS_DIR } from '../helpers/engine.js';
import { gql, startTestServer, subscribeAll, waitFor, wsClient } from '../graphql/client.js';

const quiet = { info() {}, warn() {}, error() {} };

describe('the standalone server', () => {
  it('stops promptly: an in-flight sample query answers SHUTTING_DOWN, streams end, the engine closes', async () => {
    const server = await startTestServer();
    const client = wsClient(server);
    const stream = subscribeAll(
      client,
      `subscription { sampleStream(input: { modelId: "uniform-gaussian-1d", sampler: { name: "naive" }, count: 100000, batchSize: 64 }) { count } }`,
    );
    const query = gql(
      server,
      `{ sample(input: { modelId: "gaussian-mixture-1d", sampler: { name: "threshold", params: { logitThreshold: 100 } }, count: 1, maxProposals: 20000000, batchSize: 64 }) { count } }`,
    );
    await waitFor(() => server.sampling.gateway.activeRuns === 2 && server.sampling.counters.samplesStreamed > 0, 5000, 'both runs to start');
    const gateway = server.sampling.gateway;
    const started = Date.now();
    await server.stop();
    expect(Date.now() - started).toBeLessThan(8000); // not the HTTP drain's 10 s grace period
    const answer = await query;
    expect(answer.errors![0]!.extensions).toMatchObject({ code: 'SHUTTING_DOWN' });
    const { results, error } = await stream;
    expect(error).toBeNull(); // the final error arrived before the socket closed
    expect(results.at(-1)!.errors![0]!.extensions).toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(gateway.activeRuns).toBe(0);
    await client.dispose();
    expect(server.httpServer.listening).toBe(false);
  });

  it('cancels a sample query’s run when its HTTP client disconnects', async () => {
    const server = await startTestServer();
    const controller = new AbortController();
    const body = JSON.stringify({
      query: `{ sample(input: { modelId: "uniform-gaussian-1d", sampler: { name: "threshold", params: { logitThreshold: 100 } }, count: 1, maxProposals: 20000000, batchSize: 64 }) { count } }`,
    });
    const request = fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: controller.signal }).catch(
      (e: Error) => e.name,
    );
    await waitFor(() => server.sampling.gateway.activeRuns === 1 && server.sampling.gateway.stats().inferenceRounds > 5, 5000, 'the run to start');
    controller.abort();
    expect(await request).toBe('AbortError');
    await waitFor(() => server.sampling.gateway.activeRuns === 0, 10_000, 'the run to be cancelled');
    expect(server.sampling.counters.errorCount('CANCELLED')).toBe(1);
    await server.stop();
  });

  it('fails to start with a clear error when the port is taken', async () => {
    const first = await startTestServer();
    const port = (first.httpServer.address() as { port: number }).port;
    await expect(
      startServer({
        port,
        host: '127.0.0.1',
        logger: quiet,
        pages: false,
        sampling: { modelsDir: FIXTURE_MODELS_DIR, pool: { workers: 1, intraOpNumThreads: 1 } },
      }),
    ).rejects.toThrow(new RegExp(`cannot listen on 127.0.0.1:${port}: .*EADDRINUSE`));
    await first.stop();
  });

  it('fails to start when the models folder is missing, naming it', async () => {
    await expect(startServer({ port: 0, host: '127.0.0.1', logger: quiet, pages: false, sampling: { modelsDir: '/no/such/models' } })).rejects.toThrow(
      'modelsDir: /no/such/models does not exist or is not a folder',
    );
  });
});

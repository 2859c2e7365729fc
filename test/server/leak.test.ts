/**
 * Nothing of a finished run stays reachable: after 1,000 streams (a tenth of them stopped by
 * their client mid-way) and 1,000 queries through a real server, a forced GC finds no
 * SamplingRun and no RunStream left (v8.queryObjects collects garbage before counting).
 */
import { queryObjects } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SamplingRun } from '../../src/sampling/run.js';
import { RunStream } from '../../src/sampling/stream.js';
import { gql, startTestServer, subscribeAll, waitFor, wsClient, type TestServer } from '../graphql/client.js';

const STREAMS = 1000;
const QUERIES = 1000;
const CONNECTIONS = 4;
const PER_CONNECTION = 8; // maxStreamsPerConnection
const STREAM = `subscription($input: SampleInput!) { sampleStream(input: $input) { count done } }`;
const SAMPLE = `query($input: SampleInput!) { sample(input: $input) { count } }`;
const input = (seed: number, count = 2) => ({ modelId: 'uniform-gaussian-1d', sampler: { name: 'naive' }, count, seed, batchSize: 16 });

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

/** Runs `task(0 … n-1)` on `lanes` lanes, one task at a time per lane. */
async function inLanes(n: number, lanes: number, task: (i: number, lane: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      while (next < n) await task(next++, lane);
    }),
  );
}

describe('finished runs', () => {
  it(`leave nothing reachable after ${STREAMS} streams and ${QUERIES} queries`, async () => {
    const clients = Array.from({ length: CONNECTIONS }, () => wsClient(server));
    await inLanes(STREAMS, CONNECTIONS * PER_CONNECTION, async (i, lane) => {
      const client = clients[lane % CONNECTIONS]!; // 8 lanes per connection
      if (i % 10 === 0) {
        // An endless stream its client stops after the first event.
        for await (const _event of client.iterate({ query: STREAM, variables: { input: input(i, 100_000) } })) break;
        return;
      }
      const { error, results } = await subscribeAll(client, STREAM, { input: input(i) });
      expect(error, JSON.stringify(error)).toBeNull();
      expect(results.at(-1)!.data!.sampleStream.done).toBe(true);
    });
    await inLanes(QUERIES, 16, async (i) => {
      const { data } = await gql(server, SAMPLE, { input: input(i) });
      expect(data!.sample.count).toBe(2);
    });
    for (const client of clients) await client.dispose();
    await waitFor(() => server.sampling.gateway.activeRuns === 0, 10_000, 'every run to end');
    expect(server.sampling.counters.streamsStarted).toBe(STREAMS);

    expect(queryObjects(SamplingRun, { format: 'count' })).toBe(0);
    expect(queryObjects(RunStream, { format: 'count' })).toBe(0);
  });
});

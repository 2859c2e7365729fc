import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64ToFloat32 } from '../../src/index.js';
import { gql, SAMPLE_FIELDS, startTestServer, subscribeAll, waitFor, wsClient, type TestServer } from './client.js';

const STREAM = `subscription($input: SampleInput!) { sampleStream(input: $input) { done ${SAMPLE_FIELDS} } }`;
const LIGHT = `subscription($input: SampleInput!) { sampleStream(input: $input) { done count stats { accepted } } }`;
const endless = (seed: number) => ({ modelId: 'uniform-gaussian-1d', sampler: { name: 'naive' }, count: 100_000, seed, batchSize: 64 });

let server: TestServer;
beforeAll(async () => {
  // A wider queue delay lets batches that wait for the busy worker grow.
  server = await startTestServer({ limits: { maxStreamsPerConnection: 2, maxStreams: 3 }, batching: { maxQueueDelayMs: 10 } });
});
afterAll(() => server?.stop());

/** WebSocket errors with `code` counted since the server started. */
const wsErrors = (code: string): number => server.sampling.counters.snapshot().errors.find((e) => e.transport === 'ws' && e.code === code)?.count ?? 0;

/** Inference rounds stop: the pool completes at most `slack` more (already in flight) over 150 ms. */
async function expectNoRoundsRunning(slack = 2): Promise<void> {
  await waitFor(() => server.sampling.gateway.stats().activeRuns === 0, 10_000, 'activeRuns to reach 0');
  const rounds = server.sampling.gateway.stats().inferenceRounds;
  await new Promise((r) => setTimeout(r, 150));
  expect(server.sampling.gateway.stats().inferenceRounds - rounds).toBeLessThanOrEqual(slack);
}

describe('sampleStream over graphql-ws', () => {
  it('streams chunks to exactly count, the last one done, then completes', async () => {
    const client = wsClient(server);
    const input = { modelId: 'uniform-gaussian-1d', sampler: { name: 'drs', params: { gamma: 0, burnInSamples: 1000 } }, count: 300, seed: 3, batchSize: 64 };
    const { results, error } = await subscribeAll(client, STREAM, { input });
    await client.dispose();
    expect(error).toBeNull();
    const events = results.map((r) => r.data!.sampleStream);
    expect(events.length).toBeGreaterThan(3);
    expect(events.map((e) => e.done)).toEqual([...events.slice(1).map(() => false), true]);
    expect(events.reduce((n, e) => n + e.count, 0)).toBe(300);
    expect(events.at(-1).stats.accepted).toBe(300);
    for (const e of events) {
      expect(e.samples).toHaveLength(e.count);
      expect(Array.from(base64ToFloat32(e.samplesBase64))).toEqual(e.samples.flatMap((s: { values: number[] }) => s.values));
    }
    // the stream gives the same samples as the query with the same seed
    const { data } = await gql(server, `query($input: SampleInput!) { sample(input: $input) { samples { values } } }`, { input });
    expect(events.flatMap((e) => e.samples.map((s: { values: number[] }) => s.values))).toEqual(
      data!.sample.samples.map((s: { values: number[] }) => s.values),
    );
    expect(server.sampling.gateway.stats().activeStreams).toBe(0);
  });

  it('stops sampling within a round when the client unsubscribes', async () => {
    const client = wsClient(server);
    let events = 0;
    for await (const result of client.iterate({ query: LIGHT, variables: { input: endless(1) } })) {
      expect(result.errors).toBeUndefined();
      if (++events === 3) break; // sends Complete
    }
    await expectNoRoundsRunning();
    expect(server.sampling.gateway.stats().activeStreams).toBe(0);
    await client.dispose();
  });

  it('stops sampling when the socket closes mid-stream', async () => {
    const client = wsClient(server);
    let events = 0;
    await new Promise<void>((resolve) => {
      client.subscribe(
        { query: LIGHT, variables: { input: endless(2) } },
        { next: () => void (++events === 3 && resolve()), error: () => {}, complete: () => {} },
      );
    });
    expect(server.sampling.gateway.stats().activeRuns).toBe(1);
    await client.dispose(); // closes the socket without sending Complete
    await expectNoRoundsRunning();
    expect(server.sampling.gateway.stats().activeStreams).toBe(0);
  });

  it('stops a sample query sent over WebSocket when the socket closes', async () => {
    const client = wsClient(server);
    client.subscribe(
      { query: `query($input: SampleInput!) { sample(input: $input) { count } }`, variables: { input: endless(4) } },
      { next: () => {}, error: () => {}, complete: () => {} },
    );
    await waitFor(() => server.sampling.gateway.stats().activeRuns === 1 && server.sampling.gateway.stats().inferenceRounds > 20, 5000, 'the query to run');
    await client.dispose();
    await expectNoRoundsRunning();
  });

  it('ends a stream whose proposal budget runs out with PROPOSAL_BUDGET_EXHAUSTED, keeping the connection', async () => {
    const client = wsClient(server);
    const input = {
      modelId: 'uniform-gaussian-1d',
      sampler: { name: 'threshold', params: { logitThreshold: 0.8 } },
      count: 1000,
      seed: 1,
      maxProposals: 640,
      batchSize: 64,
    };
    const { results, error } = await subscribeAll(client, LIGHT, { input });
    expect(error).toBeNull();
    const last = results.at(-1)!;
    expect(last.data).toBeNull();
    expect(last.errors![0]!.extensions).toMatchObject({ code: 'PROPOSAL_BUDGET_EXHAUSTED', maxProposals: 640 });
    expect(last.errors![0]!.message).toMatch(/proposal budget of 640 exhausted .* acceptance rate/);
    // same connection still serves
    const again = await subscribeAll(client, LIGHT, { input: { ...input, sampler: { name: 'naive' }, count: 10 } });
    expect(again.results.at(-1)!.data!.sampleStream.done).toBe(true);
    await client.dispose();
  });

  it('limits concurrent streams per connection and per server with LIMIT_EXCEEDED', async () => {
    const limitErrorsBefore = wsErrors('LIMIT_EXCEEDED');
    const a = wsClient(server);
    const b = wsClient(server);
    const open: (() => void)[] = [];
    const started = (client: typeof a, seed: number) =>
      new Promise<void>((resolve, reject) => {
        open.push(client.subscribe({ query: LIGHT, variables: { input: endless(seed) } }, { next: () => resolve(), error: reject, complete: () => {} }));
      });
    await Promise.all([started(a, 1), started(a, 2)]);
    const third = await subscribeAll(a, LIGHT, { input: endless(3) });
    expect((third.error as { extensions: object }[])[0]!.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'maxStreamsPerConnection', max: 2 });
    await started(b, 4); // the server's third stream
    const fourth = await subscribeAll(b, LIGHT, { input: endless(5) });
    expect(fourth.results[0]!.errors![0]!.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'maxStreams', max: 3 });
    expect(server.sampling.gateway.stats().activeStreams).toBe(3);
    expect(wsErrors('LIMIT_EXCEEDED')).toBe(limitErrorsBefore + 2); // both refusals counted
    for (const stop of open) stop();
    await expectNoRoundsRunning();
    // slots are free again
    const after = await subscribeAll(a, LIGHT, { input: { ...endless(6), count: 10 } });
    expect(after.results.at(-1)!.data!.sampleStream.done).toBe(true);
    await Promise.all([a.dispose(), b.dispose()]);
  });

  it('shares inference batches between concurrent queries and a stream, each row as if alone', async () => {
    const query = `query($input: SampleInput!) { sample(input: $input) { samplesBase64 stats { meanBatchSize inferenceRounds } } }`;
    const inputs = [
      { modelId: 'uniform-gaussian-1d', sampler: { name: 'naive' }, count: 1500, seed: 11, batchSize: 64 },
      { modelId: 'uniform-gaussian-1d', sampler: { name: 'drs', params: { gamma: 0, burnInSamples: 1000 } }, count: 600, seed: 12, batchSize: 64 },
      { modelId: 'uniform-gaussian-1d', sampler: { name: 'threshold', params: { logitThreshold: -1.5 } }, count: 900, seed: 13, batchSize: 64 },
    ];
    const alone: { samplesBase64: string; stats: { meanBatchSize: number } }[] = [];
    for (const input of inputs) alone.push((await gql(server, query, { input })).data!.sample);
    const client = wsClient(server);
    const streamInput = { ...inputs[0]!, seed: 14 };
    const [stream, ...together] = await Promise.all([
      subscribeAll(client, `subscription($input: SampleInput!) { sampleStream(input: $input) { samplesBase64 stats { meanBatchSize } } }`, {
        input: streamInput,
      }),
      ...inputs.map((input) => gql(server, query, { input })),
    ]);
    await client.dispose();
    const results = together.map((r) => r.data!.sample);
    results.forEach((r, i) => expect(r.samplesBase64).toBe(alone[i]!.samplesBase64)); // seeded: batch-mates change nothing
    // Alone, a run shares batches only with its own pipelined rounds (pipelineDepth 2): ≤ 2 × 64 rows.
    expect(alone.every((r) => r.stats.meanBatchSize <= 128)).toBe(true);
    // Together they share batches only where they overlap while the worker is busy (continuous
    // batching: test/inference/batcher.test.ts, test/sampling/concurrency.test.ts); runs this short
    // may not overlap at all, so the sizes are not asserted here.
    expect(stream.results.at(-1)!.data!.sampleStream.stats.meanBatchSize).toBeGreaterThanOrEqual(64);
  });

  it('counts WebSocket operations and errors in graphql-ws hooks', async () => {
    // Counters run since the server started: measure this test's own operations as deltas.
    const { counters: metrics } = server.sampling;
    const before = {
      subscriptions: metrics.operationCount('ws', 'subscription'),
      notFound: wsErrors('NOT_FOUND'),
      limit: wsErrors('LIMIT_EXCEEDED'),
      streamed: metrics.samplesStreamed,
    };
    const client = wsClient(server);
    const bad = await subscribeAll(client, LIGHT, { input: { ...endless(1), modelId: 'nope' } });
    expect(bad.results[0]!.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const tooMany = await subscribeAll(client, LIGHT, { input: { ...endless(1), count: 100_001 } }); // maxCount 100,000
    expect(tooMany.results[0]!.errors![0]!.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', field: 'count' });
    const ok = await subscribeAll(client, LIGHT, { input: { ...endless(1), count: 40 } });
    expect(ok.results.at(-1)!.data!.sampleStream).toMatchObject({ done: true, count: 40 });
    await client.dispose();
    expect(metrics.operationCount('ws', 'subscription')).toBe(before.subscriptions + 3);
    expect(wsErrors('NOT_FOUND')).toBe(before.notFound + 1);
    expect(wsErrors('LIMIT_EXCEEDED')).toBe(before.limit + 1);
    expect(metrics.samplesStreamed).toBe(before.streamed + 40);
  });
});

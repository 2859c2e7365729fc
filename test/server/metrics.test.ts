/** GET /metrics on a real server after real traffic, read with a Prometheus text-format parser. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSamplingService } from '../../src/index.js';
import { gql, startTestServer, subscribeAll, waitFor, wsClient, type TestServer } from '../graphql/client.js';
import { Exposition, scrape } from '../helpers/prometheus.js';

const P = 'gan_sampler_';
let server: TestServer;
let metricsUrl: string;
beforeAll(async () => {
  server = await startTestServer();
  metricsUrl = new URL('/metrics', server.url).href;
});
afterAll(() => server.stop());

describe('/metrics', () => {
  it('counts what the traffic did: rounds, rows, batches, proposals, acceptances, runs, operations and errors', async () => {
    // A server of its own: exact counts need traffic from this test only.
    const own = await startTestServer();
    // Calibration fits at load run before the metrics observe the engine: count from here.
    const roundsAtStart = own.sampling.gateway.stats().inferenceRounds;
    const ownMetricsUrl = new URL('/metrics', own.url).href;
    try {
      const naive = await gql(
        own,
        `{ sample(input: { modelId: "uniform-gaussian-1d", sampler: { name: "naive" }, count: 100, seed: 1, batchSize: 64 }) { stats { proposed accepted } } }`,
      );
      expect(naive.data!.sample.stats).toEqual({ proposed: 100, accepted: 100 });
      const budget = await gql(
        own,
        `{ sample(input: { modelId: "uniform-gaussian-1d", sampler: { name: "threshold", params: { logitThreshold: 100 } }, count: 1, maxProposals: 256, batchSize: 64 }) { count } }`,
      );
      expect(budget.errors![0]!.extensions!.code).toBe('PROPOSAL_BUDGET_EXHAUSTED');
      const client = wsClient(own);
      const stream = await subscribeAll(
        client,
        `subscription { sampleStream(input: { modelId: "gaussian-mixture-1d", sampler: { name: "drs", params: { gamma: 0, burnInSamples: 500 } }, count: 40, seed: 1 }) { count stats { proposed accepted } } }`,
      );
      expect(stream.error).toBeNull();
      const streamed = stream.results.at(-1)!.data!.sampleStream.stats as { proposed: number; accepted: number };
      const missing = await subscribeAll(client, `subscription { sampleStream(input: { modelId: "nope", sampler: { name: "naive" }, count: 1 }) { count } }`);
      expect(JSON.stringify(missing)).toContain('NOT_FOUND');
      await client.dispose();

      const { status, contentType, exposition: m } = await scrape(ownMetricsUrl);
      expect(status).toBe(200);
      expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);

      // Proposals and acceptances per model and sampler: accepted / proposals is the acceptance rate.
      const naiveLabels = { model: 'uniform-gaussian-1d', sampler: 'naive' };
      expect(m.value(`${P}proposals_total`, naiveLabels)).toBe(100);
      expect(m.value(`${P}accepted_total`, naiveLabels)).toBe(100);
      const thresholdLabels = { model: 'uniform-gaussian-1d', sampler: 'threshold' };
      expect(m.value(`${P}proposals_total`, thresholdLabels)).toBe(256); // the whole budget, then the error
      expect(m.value(`${P}accepted_total`, thresholdLabels)).toBe(0);
      const drsLabels = { model: 'gaussian-mixture-1d', sampler: 'drs' };
      expect(m.value(`${P}proposals_total`, drsLabels)).toBe(streamed.proposed);
      expect(m.value(`${P}accepted_total`, drsLabels)).toBe(40);
      expect(m.value(`${P}runs_total`, { ...naiveLabels, outcome: 'COMPLETED' })).toBe(1);
      expect(m.value(`${P}runs_total`, { ...thresholdLabels, outcome: 'PROPOSAL_BUDGET_EXHAUSTED' })).toBe(1);
      expect(m.value(`${P}runs_total`, { ...drsLabels, outcome: 'COMPLETED' })).toBe(1);
      expect(m.histogram(`${P}run_duration_seconds`, naiveLabels).count).toBe(1);

      // Inference, per model: every round the pool ran, its rows, and where its time went.
      expect(m.total(`${P}inference_rounds_total`)).toBe(own.sampling.gateway.stats().inferenceRounds - roundsAtStart);
      for (const model of ['uniform-gaussian-1d', 'gaussian-mixture-1d']) {
        const rounds = m.value(`${P}inference_rounds_total`, { model });
        const sizes = m.histogram(`${P}inference_batch_size`, { model });
        expect(sizes.count).toBe(rounds);
        expect(sizes.sum).toBe(m.value(`${P}inference_rows_total`, { model }));
        expect(m.histogram(`${P}inference_queue_duration_seconds`, { model }).count).toBe(rounds);
        const compute = m.histogram(`${P}inference_compute_duration_seconds`, { model });
        expect(compute.count).toBe(rounds);
        expect(compute.sum).toBeGreaterThan(0);
      }
      // naive (100 in rounds of 64), threshold (4 × 64); the DRS burn-in (500) runs on the other model.
      expect(m.value(`${P}inference_rows_total`, { model: 'uniform-gaussian-1d' })).toBeGreaterThanOrEqual(100 + 256);
      expect(m.value(`${P}inference_rows_total`, { model: 'gaussian-mixture-1d' })).toBeGreaterThanOrEqual(500 + streamed.proposed);
      expect(m.total(`${P}inference_round_failures_total`)).toBe(0);

      // Operations and errors by transport (and code).
      expect(m.value(`${P}operations_total`, { transport: 'http', operation: 'query' })).toBeGreaterThanOrEqual(2);
      expect(m.value(`${P}operations_total`, { transport: 'ws', operation: 'subscription' })).toBe(2);
      expect(m.value(`${P}errors_total`, { transport: 'http', code: 'PROPOSAL_BUDGET_EXHAUSTED' })).toBe(1);
      expect(m.value(`${P}errors_total`, { transport: 'ws', code: 'NOT_FOUND' })).toBe(1);

      // Load and models, read at scrape time; process metrics beside them.
      expect(m.value(`${P}active_runs`)).toBe(0);
      expect(m.value(`${P}active_streams`)).toBe(0);
      expect(m.value(`${P}models`, { status: 'READY' })).toBe(8);
      expect(m.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(m.has('nodejs_eventloop_lag_seconds')).toBe(true);
    } finally {
      await own.stop();
    }
  });

  it('shows runs and streams in progress', async () => {
    const client = wsClient(server);
    void subscribeAll(
      client,
      `subscription { sampleStream(input: { modelId: "tiny-image", sampler: { name: "threshold", params: { logitThreshold: 100 } }, count: 1, maxProposals: 20000000, batchSize: 64 }) { count } }`,
    );
    await waitFor(() => server.sampling.gateway.activeStreams === 1, 5000, 'the stream to start');
    const during = (await scrape(metricsUrl)).exposition;
    expect(during.value(`${P}active_streams`)).toBe(1);
    expect(during.value(`${P}active_runs`)).toBe(1);
    await client.dispose();
    await waitFor(() => server.sampling.gateway.activeRuns === 0, 5000, 'the stream to stop');
    const after = (await scrape(metricsUrl)).exposition;
    expect(after.value(`${P}active_streams`)).toBe(0);
    expect(after.value(`${P}runs_total`, { sampler: 'threshold', outcome: 'CANCELLED' })).toBe(1);
  });
});

describe('two services in one process', () => {
  it('keep separate registries', async () => {
    const a = createSamplingService();
    const b = createSamplingService();
    a.counters.error('http', { extensions: { code: 'NOT_FOUND' } });
    const read = async (s: typeof a) => new Exposition((await s.metrics.scrape({ process: false })).body);
    expect((await read(a)).value(`${P}errors_total`, { transport: 'http', code: 'NOT_FOUND' })).toBe(1);
    expect((await read(b)).value(`${P}errors_total`, { transport: 'http', code: 'NOT_FOUND' })).toBe(0);
    expect((await read(b)).has('process_cpu_user_seconds_total')).toBe(false);
  });
});

describe('the exposition parser the tests read /metrics with', () => {
  it('reads labels with escapes, special values and labelled histograms', () => {
    const m = new Exposition(
      [
        '# HELP a_total A "counter".',
        '# TYPE a_total counter',
        'a_total{path="C:\\\\dir",msg="say \\"hi\\"\\nbye"} 3',
        '# TYPE g gauge',
        'g Nan',
        'g{x="1"} -Inf',
        '# TYPE h histogram',
        'h_bucket{le="1",model="m"} 1',
        'h_bucket{le="+Inf",model="m"} 2',
        'h_sum{model="m"} 2.5',
        'h_count{model="m"} 2',
        'h_bucket{le="1",model="n"} 0',
        'h_bucket{le="+Inf",model="n"} 0',
        'h_sum{model="n"} 0',
        'h_count{model="n"} 0',
      ].join('\n'),
    );
    expect(m.samples('a_total')[0]!.labels).toEqual({ path: 'C:\\dir', msg: 'say "hi"\nbye' });
    expect(m.value('a_total')).toBe(3);
    expect(m.samples('g', {}).find((s) => !('x' in s.labels))!.value).toBeNaN();
    expect(m.value('g', { x: '1' })).toBe(-Infinity);
    expect(m.histogram('h', { model: 'm' })).toEqual({
      labels: { model: 'm' },
      buckets: [
        { le: 1, count: 1 },
        { le: Infinity, count: 2 },
      ],
      count: 2,
      sum: 2.5,
    });
    expect(m.histogram('h', { model: 'n' }).count).toBe(0);
  });

  it('rejects what a scraper would', () => {
    expect(() => new Exposition('x 1')).toThrow(/no # TYPE line/);
    expect(() => new Exposition('# TYPE x counter\nx{a="1} 1')).toThrow(/unterminated/);
    expect(() => new Exposition('# TYPE x counter\nx 1\nx 2')).toThrow(/repeats/);
    expect(() => new Exposition('# TYPE x counter\nx one')).toThrow(/not a number/);
    expect(() => new Exposition('# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3')).toThrow(/\+Inf bucket must equal _count/);
    expect(() => new Exposition('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1')).toThrow(/not cumulative/);
  });
});

/** compareSamplers and quality metrics over a real HTTP server and graphql-ws, on the bundled gaussians25 GAN. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_MODELS_DIR } from '../../src/models/repository.js';
import { gql, startTestServer, subscribeAll, wsClient, type TestServer } from './client.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ modelsDir: BUNDLED_MODELS_DIR, pool: { workers: 1, intraOpNumThreads: 2 } });
});
afterAll(() => server.stop());

const MIXTURE = 'mixture2d { count highQualityShare recoveredModes modeCount highQualityStd modeKL perMode }';

describe('compareSamplers', () => {
  it('returns spec, stats and metrics per sampler; DRS raises the high-quality share', async () => {
    const res = await gql(
      server,
      `query($samplers: [SamplerSpecInput!]!) {
        compareSamplers(input: { modelId: "gaussians25", samplers: $samplers, count: 3000, seed: 7 }) {
          sampler { name params }
          stats { accepted proposed acceptanceRate seed }
          metrics { ${MIXTURE} image { count } }
          error { code message }
        }
      }`,
      {
        samplers: [
          { name: 'naive' },
          { name: 'drs', params: { gammaPercentile: 80, burnInSamples: 5000 } },
          { name: 'threshold', params: { percentile: 50, burnInSamples: 5000 } },
        ],
      },
    );
    expect(res.errors).toBeUndefined();
    const [naive, drs, threshold] = res.data!.compareSamplers;
    expect(naive.sampler).toEqual({ name: 'naive', params: {} });
    expect(drs.sampler.params).toEqual({ gammaPercentile: 80, burnInSamples: 5000 });
    for (const e of [naive, drs, threshold]) {
      expect(e.error).toBeNull();
      expect(e.stats.accepted).toBe(3000);
      expect(e.stats.seed).toBe(7);
      expect(e.metrics.mixture2d.count).toBe(3000);
      expect(e.metrics.image).toBeNull(); // no classifier on this model
    }
    // 3000 samples: the HQ share's standard error is under 1 point; the measured gap is ~40 points.
    expect(drs.metrics.mixture2d.highQualityShare).toBeGreaterThan(naive.metrics.mixture2d.highQualityShare + 0.2);
    expect(drs.metrics.mixture2d.highQualityStd).toBeLessThan(naive.metrics.mixture2d.highQualityStd);
    expect(drs.metrics.mixture2d.recoveredModes).toBeGreaterThanOrEqual(naive.metrics.mixture2d.recoveredModes - 1);
    expect(drs.stats.acceptanceRate).toBeLessThan(1);
  });

  it('reports a failing configuration beside the others, and refuses bad input up front', async () => {
    const res = await gql(
      server,
      `{ compareSamplers(input: { modelId: "gaussians25", count: 50, seed: 1, maxProposals: 2000,
        samplers: [{ name: "naive" }, { name: "threshold", params: { logitThreshold: 1000 } }] }) { result { count } error { code message } } }`,
    );
    expect(res.data!.compareSamplers[0]).toEqual({ result: { count: 50 }, error: null });
    expect(res.data!.compareSamplers[1].result).toBeNull();
    expect(res.data!.compareSamplers[1].error.code).toBe('PROPOSAL_BUDGET_EXHAUSTED');
    const bad = await gql(
      server,
      `{ compareSamplers(input: { modelId: "gaussians25", count: 5, samplers: [{ name: "drs", params: { gamma: 0, gammaPercentile: 5 } }] }) { error { code } } }`,
    );
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.extensions?.parameter).toBe('gamma');
    const missing = await gql(server, `{ compareSamplers(input: { modelId: "nope", count: 5, samplers: [{ name: "naive" }] }) { error { code } } }`);
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('metrics on sample and sampleStream', () => {
  it('exposes the mode centres on the model', async () => {
    const res = await gql(server, `{ model(id: "gaussians25") { mixture2d { centers sigma } classifier { classes } } }`);
    expect(res.data!.model.mixture2d.centers).toHaveLength(25);
    expect(res.data!.model.mixture2d.sigma).toBe(0.05);
    expect(res.data!.model.classifier).toBeNull();
  });

  it('running stream metrics end equal to the metrics of the same samples as one result', async () => {
    // A per-batch γ: nothing to re-thin, so the query and the stream output the same samples.
    const input = {
      modelId: 'gaussians25',
      sampler: { name: 'drs', params: { gammaPercentile: 80, burnInSamples: 5000 } },
      count: 400,
      seed: 3,
      batchSize: 256,
      maxProposals: 2_000_000,
    };
    const whole = await gql(server, `query($input: SampleInput!) { sample(input: $input) { metrics { ${MIXTURE} } } }`, { input });
    const client = wsClient(server);
    try {
      const { results, error } = await subscribeAll(
        client,
        `subscription($input: SampleInput!) { sampleStream(input: $input) { count done metrics { ...m } } } fragment m on SampleMetrics { ${MIXTURE} }`,
        { input },
      );
      expect(error).toBeNull();
      const events = results.map((r) => r.data!.sampleStream);
      expect(events.length).toBeGreaterThan(1);
      const counts = events.map((e) => e.metrics.mixture2d.count);
      expect(counts).toEqual([...counts].sort((a, b) => a - b)); // running totals
      const last = events.at(-1)!;
      expect(last.done).toBe(true);
      const a = last.metrics.mixture2d;
      const b = whole.data!.sample.metrics.mixture2d;
      expect(a.perMode).toEqual(b.perMode);
      expect(a.highQualityShare).toBe(b.highQualityShare);
      expect(a.highQualityStd).toBeCloseTo(b.highQualityStd, 10);
      expect(a.modeKL).toBeCloseTo(b.modeKL, 12);
    } finally {
      await client.dispose();
    }
  });
});

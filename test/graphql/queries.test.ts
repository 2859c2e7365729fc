import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64ToFloat32, defaultSamplers } from '../../src/index.js';
import { gql, SAMPLE_FIELDS, startTestServer, type TestServer } from './client.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

describe('queries over HTTP', () => {
  it('logs one line per model and what it serves', () => {
    expect(server.logs.filter((l) => /^model [\w-]+: READY/.test(l))).toHaveLength(8);
    expect(server.logs.some((l) => /8 of 8 models READY .* samplers naive, threshold, drs, mh, ddls, dot; 1 worker\(s\) × 1 onnxruntime/.test(l))).toBe(true);
  });

  it('lists models with their manifest facts', async () => {
    const { status, data, errors } = await gql(
      server,
      `{ models { id title status error latentDim latentDistribution outputShape outputKind outputRange discriminatorOutput burnIns { count } } }`,
    );
    expect(status).toBe(200);
    expect(errors).toBeUndefined();
    expect(data!.models.map((m: { id: string }) => m.id)).toEqual([
      'gaussian-mixture-1d',
      'langevin-gaussian-1d',
      'nan-logits-1d',
      'rare-tail-1d',
      'tiny-image',
      'uniform-gaussian-1d',
      'uniform-gaussian-1d-overconfident',
      'uniform-gaussian-1d-prob',
    ]);
    const image = data!.models.find((m: { id: string }) => m.id === 'tiny-image');
    expect(image).toMatchObject({
      status: 'READY',
      error: null,
      latentDim: 4,
      latentDistribution: 'UNIFORM',
      outputShape: [1, 2, 2],
      outputKind: 'IMAGE',
      outputRange: [0, 1],
      discriminatorOutput: 'LOGIT',
      burnIns: [],
    });
    const prob = data!.models.find((m: { id: string }) => m.id === 'uniform-gaussian-1d-prob');
    expect(prob).toMatchObject({ outputKind: 'VECTOR', outputRange: null, discriminatorOutput: 'PROBABILITY' });
  });

  it('reports the calibration fitted at load, null for a model without real samples', async () => {
    const { data, errors } = await gql(
      server,
      `{ m: model(id: "uniform-gaussian-1d-overconfident") { calibration { method count zBefore zAfter eceBefore eceAfter } } bare: model(id: "rare-tail-1d") { calibration { method } } }`,
    );
    expect(errors).toBeUndefined();
    expect(data!.m.calibration.map((c: { method: string }) => c.method)).toEqual(['platt', 'isotonic']);
    for (const c of data!.m.calibration) {
      expect(c.count).toBe(4000);
      expect(c.zBefore).toBeGreaterThan(10);
      expect(Math.abs(c.zAfter)).toBeLessThan(3);
      expect(c.eceAfter).toBeLessThan(c.eceBefore);
    }
    expect(data!.bare.calibration).toBeNull();
  });

  it('finds one model by id, null for an unknown id', async () => {
    const { data } = await gql(server, `query($id: ID!) { model(id: $id) { id title description } none: model(id: "nope") { id } }`, {
      id: 'uniform-gaussian-1d',
    });
    expect(data!.model.title).toMatch(/Uniform proposal, Gaussian target/);
    expect(data!.none).toBeNull();
  });

  it('lists samplers straight from the plugins’ declarations', async () => {
    const { data } = await gql(
      server,
      `{ samplers { name description contractVersion parameters { name type default min max allowedValues description } } drs: sampler(name: "drs") { name } }`,
    );
    const expected = defaultSamplers().map((p) => ({
      name: p.name,
      description: p.description,
      contractVersion: p.contractVersion,
      parameters: p.parameters.map((d) => ({
        name: d.name,
        type: d.type.toUpperCase(),
        default: d.default ?? null,
        min: d.min ?? null,
        max: d.max ?? null,
        allowedValues: d.type === 'enum' ? d.values : null,
        description: d.description,
      })),
    }));
    // naive is a contract-v1 plugin served through the adapter; the others are v2 (ddls and dot: v2 with the latent extension).
    expect(data!.samplers.map((s: { contractVersion: number }) => s.contractVersion)).toEqual([1, 2, 2, 2, 2, 2]);
    const calibration = data!.samplers.find((s: { name: string }) => s.name === 'drs').parameters.find((d: { name: string }) => d.name === 'calibration');
    expect(calibration).toMatchObject({ type: 'ENUM', default: 'none', allowedValues: ['none', 'platt', 'isotonic'] });
    expect(data!.samplers).toEqual(expected);
    expect(data!.drs).toEqual({ name: 'drs' });
  });

  it('samples: every field, reproducible from the seed, base64 equal to the lists', async () => {
    const query = `query($input: SampleInput!) { sample(input: $input) { ${SAMPLE_FIELDS} } }`;
    const input = { modelId: 'uniform-gaussian-1d', sampler: { name: 'drs', params: { gamma: 0, burnInSamples: 1000 } }, count: 50, seed: 7, batchSize: 64 };
    const a = await gql(server, query, { input });
    const b = await gql(server, query, { input });
    expect(a.errors).toBeUndefined();
    const r = a.data!.sample;
    expect(r.count).toBe(50);
    expect(r.sampleShape).toEqual([1]);
    expect(r.samples).toHaveLength(50);
    expect(Array.from(base64ToFloat32(r.samplesBase64))).toEqual(r.samples.flatMap((s: { values: number[] }) => s.values));
    for (const s of r.samples) {
      expect(s.acceptanceProbability).toBeGreaterThan(0);
      expect(s.acceptanceProbability).toBeLessThanOrEqual(1);
      // D̃ is the exact log density ratio on this fixture
      expect(s.logit).toBeCloseTo(-0.5 * s.values[0] ** 2 - 0.5 * Math.log(2 * Math.PI) + Math.log(6), 4);
    }
    expect(r.stats).toMatchObject({ seed: 7, outputs: 50, accepted: 50, distinctOutputs: 50, gamma: 0, gammaMean: 0, invalidLogits: 0, samplerDetails: null });
    expect(r.stats.proposalsPerOutput).toBeCloseTo(r.stats.proposed / 50, 12);
    // The burn-in of 1,000 uniform draws lands within ~0.003 of x = 0, but the run may still raise D̃_M a little.
    expect(r.stats.boundRoseAfterOutput).toBe(r.stats.retracted > 0);
    expect(r.stats.staleOutputs).toBe(0); // a sample query re-thins instead
    expect(r.stats.acceptanceRate).toBeCloseTo(50 / r.stats.proposed, 12);
    expect(r.stats.inferenceRounds).toBeGreaterThanOrEqual(1);
    expect(r.stats.logitMaxStart).toBeLessThanOrEqual(r.stats.logitMaxEnd);
    expect(b.data!.sample.samplesBase64).toBe(r.samplesBase64);
  });

  it('reports sampler details and a drawn seed', async () => {
    const { data } = await gql(
      server,
      `{ sample(input: { modelId: "uniform-gaussian-1d", sampler: { name: "threshold", params: { logitThreshold: -1 } }, count: 5 }) { count stats { seed samplerDetails logitMaxEnd gamma } } }`,
    );
    expect(data!.sample.stats).toMatchObject({ samplerDetails: { logitThreshold: -1 }, logitMaxEnd: null, gamma: null });
    expect(Number.isInteger(data!.sample.stats.seed)).toBe(true);
  });

  it('shows cached burn-ins on the model once a sampler computed one', async () => {
    // A burn-in size no other test uses: absent until this test's DRS query computes it.
    const burnIns = async () =>
      (await gql(server, `{ model(id: "uniform-gaussian-1d") { burnIns { count logitMax proposed } } }`)).data!.model.burnIns as {
        count: number;
        logitMax: number;
        proposed: number;
      }[];
    expect((await burnIns()).map((b) => b.count)).not.toContain(700);
    const { errors } = await gql(
      server,
      `{ sample(input: { modelId: "uniform-gaussian-1d", sampler: { name: "drs", params: { gamma: 0, burnInSamples: 700 } }, count: 5, seed: 3 }) { stats { logitMaxStart } } }`,
    );
    expect(errors).toBeUndefined();
    const fact = (await burnIns()).find((b) => b.count === 700);
    expect(fact).toEqual({ count: 700, logitMax: expect.any(Number), proposed: 700 });
    expect(fact!.logitMax).toBeLessThanOrEqual(0.8728209360233823 + 1e-6); // log M of the pair
    expect(fact!.logitMax).toBeGreaterThan(0.8728209360233823 - 0.05); // 700 uniform draws land near x = 0
  });

  it('gives png only for image models', async () => {
    const { data } = await gql(
      server,
      `{ sample(input: { modelId: "uniform-gaussian-1d", sampler: { name: "naive" }, count: 2, seed: 1 }) { samples { png } } }`,
    );
    expect(data!.sample.samples).toEqual([{ png: null }, { png: null }]);
  });

  it('counts operations, samples and errors in serverStats', async () => {
    // Counters run since the server started: measure this test's own operations as deltas.
    const STATS = `{ serverStats { operations { transport operation count } errors { transport code count } samplesReturned activeStreams activeRuns inferenceRounds workers modelsReady modelsFailed uptimeSeconds startedAt } }`;
    type Counted = { transport: string; count: number } & Record<string, unknown>;
    const countOf = (list: Counted[], key: 'operation' | 'code', value: string) => list.find((e) => e.transport === 'HTTP' && e[key] === value)?.count ?? 0;
    const before = (await gql(server, STATS)).data!.serverStats;
    await gql(server, `{ model(id: "x") { id } }`); // null, not an error
    const missing = await gql(server, `{ sample(input: { modelId: "x", sampler: { name: "naive" }, count: 1 }) { count } }`);
    expect(missing.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND' });
    await gql(server, `{ sample(input: { modelId: "uniform-gaussian-1d", sampler: { name: "naive" }, count: 3, seed: 1 }) { count } }`);
    const stats = (await gql(server, STATS)).data!.serverStats;
    // three queries, plus the second serverStats query, counted before it resolves
    expect(countOf(stats.operations, 'operation', 'QUERY') - countOf(before.operations, 'operation', 'QUERY')).toBe(4);
    expect(countOf(stats.errors, 'code', 'NOT_FOUND') - countOf(before.errors, 'code', 'NOT_FOUND')).toBe(1);
    expect(stats.samplesReturned - before.samplesReturned).toBe(3);
    expect(stats.inferenceRounds).toBeGreaterThan(before.inferenceRounds);
    expect(stats).toMatchObject({ activeStreams: 0, activeRuns: 0, workers: 1, modelsReady: 8, modelsFailed: 0, startedAt: before.startedAt });
    expect(stats.uptimeSeconds).toBeGreaterThanOrEqual(before.uptimeSeconds);
    // serverStats reads the same counters the server keeps
    expect(server.sampling.counters.operationCount('http', 'query')).toBe(countOf(stats.operations, 'operation', 'QUERY'));
    // DateTime: an RFC 3339 instant in UTC, not after now.
    expect(stats.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(Date.parse(stats.startedAt)).toBeLessThanOrEqual(Date.now());
  });
});

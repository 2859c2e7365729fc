/**
 * Class-conditional sampling over the real HTTP server and graphql-ws: `Model.classLabels`,
 * `classLabel` on sample, sampleStream and compareSamplers, its errors, and the class metrics;
 * the latent samplers listed as available there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COND_ID, conditionalModelsDir } from '../helpers/conditional.js';
import { gql, startTestServer, subscribeAll, wsClient, type TestServer } from './client.js';

const models = conditionalModelsDir();
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ modelsDir: models.dir });
});
afterAll(async () => {
  await server?.stop();
  models.cleanup();
});

const IMAGE = 'image { count classLabel classAccuracy frechetDistance frechetOfClass classHistogram }';
const SAMPLE = `query($input: SampleInput!) { sample(input: $input) { count stats { accepted seed } metrics { ${IMAGE} } } }`;

describe('class-conditional models in GraphQL', () => {
  it('lists the classes of a conditional model, null for another; calibration and burn-ins carry their class', async () => {
    await gql(server, SAMPLE, { input: { modelId: COND_ID, sampler: { name: 'drs', params: { burnInSamples: 500 } }, count: 2, seed: 1, classLabel: 6 } });
    const { data, errors } = await gql(
      server,
      `{ models { id classLabels } model(id: "${COND_ID}") { calibration { method classLabel count } burnIns { count classLabel } } }`,
    );
    expect(errors).toBeUndefined();
    expect(data!.models).toEqual([
      { id: COND_ID, classLabels: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] },
      { id: 'uniform-gaussian-1d', classLabels: null },
    ]);
    const calibration = data!.model.calibration as { classLabel: number; count: number }[];
    expect(calibration.map((c) => c.classLabel)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9]);
    expect(calibration.filter((c, i) => i % 2 === 0).reduce((n, c) => n + c.count, 0)).toBe(2000);
    expect(data!.model.burnIns).toContainEqual({ count: 500, classLabel: 6 });
  });

  it('sample draws the requested class and reports its class accuracy', async () => {
    const { data, errors } = await gql(server, SAMPLE, { input: { modelId: COND_ID, sampler: { name: 'naive' }, count: 40, seed: 4, classLabel: 9 } });
    expect(errors).toBeUndefined();
    const image = data!.sample.metrics.image;
    expect(image).toMatchObject({ count: 40, classLabel: 9, frechetOfClass: true });
    // Ankle boot: 0.995 of 1,000 naive samples in the model card; 0.8 of 40 allows 8 misses.
    expect(image.classAccuracy).toBeGreaterThan(0.8);
    expect(image.classAccuracy).toBe(image.classHistogram[9] / 40);
  });

  it('refuses a missing, out-of-range or misplaced classLabel with BAD_USER_INPUT naming it, and keeps serving', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ modelId: COND_ID }, /^classLabel: model "fashion-mnist-cond" is class-conditional: give the class to sample \(0 T-shirt\/top, /],
      [{ modelId: COND_ID, classLabel: 10 }, /^classLabel: must be an integer from 0 to 9 for model "fashion-mnist-cond" .*got 10$/],
      [{ modelId: 'uniform-gaussian-1d', classLabel: 0 }, /^classLabel: model "uniform-gaussian-1d" is not class-conditional/],
    ];
    for (const [input, message] of cases) {
      const { errors } = await gql(server, SAMPLE, { input: { sampler: { name: 'naive' }, count: 1, ...input } });
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'classLabel' });
      expect(errors?.[0]?.message).toMatch(message);
    }
    const ok = await gql(server, SAMPLE, { input: { modelId: 'uniform-gaussian-1d', sampler: { name: 'naive' }, count: 3, seed: 1 } });
    expect(ok.data!.sample.count).toBe(3);
  });

  it('lists the latent samplers as available on the conditional model, and runs ddls for the class', async () => {
    const { data, errors } = await gql(server, `{ model(id: "${COND_ID}") { samplers { name kind available unavailableReason } } }`);
    expect(errors).toBeUndefined();
    const samplers = Object.fromEntries(data!.model.samplers.map((s: { name: string }) => [s.name, s]));
    expect(samplers.ddls).toEqual({ name: 'ddls', kind: 'LATENT', available: true, unavailableReason: null });
    expect(samplers.dot).toEqual({ name: 'dot', kind: 'LATENT', available: true, unavailableReason: null });
    const run = await gql(server, SAMPLE, { input: { modelId: COND_ID, sampler: { name: 'ddls', params: { steps: 10 } }, count: 16, seed: 2, classLabel: 1 } });
    expect(run.errors).toBeUndefined();
    // Trouser: 1.000 of naive samples in the model card; 0.8 of 16 allows 3 misses.
    expect(run.data!.sample.metrics.image).toMatchObject({ count: 16, classLabel: 1 });
    expect(run.data!.sample.metrics.image.classAccuracy).toBeGreaterThan(0.8);
  });

  it('sampleStream streams the class over graphql-ws, with running class metrics, the same samples as sample', async () => {
    const input = { modelId: COND_ID, sampler: { name: 'drs', params: { burnInSamples: 500 } }, count: 24, seed: 8, batchSize: 16, classLabel: 7 };
    const client = wsClient(server);
    const { results, error } = await subscribeAll(
      client,
      `subscription($input: SampleInput!) { sampleStream(input: $input) { done count samplesBase64 metrics { ${IMAGE} } } }`,
      { input },
    );
    await client.dispose();
    expect(error).toBeNull();
    const events = results.map((r) => r.data!.sampleStream);
    const last = events.at(-1);
    expect(last.done).toBe(true);
    expect(last.metrics.image).toMatchObject({ count: 24, classLabel: 7, frechetOfClass: true });
    const query = await gql(server, `query($input: SampleInput!) { sample(input: $input) { samplesBase64 } }`, { input });
    const streamed = events.map((e) => Buffer.from(e.samplesBase64, 'base64')).reduce((a, b) => Buffer.concat([a, b]));
    expect(streamed.equals(Buffer.from(query.data!.sample.samplesBase64, 'base64'))).toBe(true);
    const wrong = wsClient(server);
    const refused = await subscribeAll(wrong, `subscription($input: SampleInput!) { sampleStream(input: $input) { done } }`, {
      input: { ...input, classLabel: -1 },
    });
    await wrong.dispose();
    const refusal = refused.results[0]!.errors![0]!;
    expect(refusal.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'classLabel' });
    expect(refusal.message).toMatch(/^classLabel: must be an integer from 0 to 9/);
  });

  it('compareSamplers runs every configuration on the class', async () => {
    const { data, errors } = await gql(
      server,
      `{ compareSamplers(input: { modelId: "${COND_ID}", classLabel: 1, count: 20, seed: 3,
          samplers: [{ name: "naive" }, { name: "drs", params: { gamma: 0, burnInSamples: 500 } }, { name: "mh", params: { chainLength: 10 } }] }) {
          sampler { name } result { count } metrics { ${IMAGE} } error { code message } } }`,
    );
    expect(errors).toBeUndefined();
    for (const entry of data!.compareSamplers) {
      expect(entry.error, entry.sampler.name).toBeNull();
      // Trouser: class accuracy 1.000 for naive samples in the model card.
      expect(entry.metrics.image).toMatchObject({ count: 20, classLabel: 1 });
      expect(entry.metrics.image.classAccuracy).toBeGreaterThan(0.8);
    }
    const refused = await gql(server, `{ compareSamplers(input: { modelId: "${COND_ID}", count: 2, samplers: [{ name: "naive" }] }) { error { code } } }`);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'classLabel' });
  });
});

/**
 * `sampleValues` on a real server (HTTP and graphql-ws): every sample's values as one list of
 * FloatVectors, the same numbers as `samples { values }` and as the float32s of `samplesBase64`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64ToFloat32 } from '../../src/index.js';
import { gql, startTestServer, subscribeAll, wsClient, type TestServer } from './client.js';

const FIELDS = 'count sampleShape sampleValues samplesBase64 samples { values }';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

interface Batch {
  count: number;
  sampleShape: number[];
  sampleValues: number[][];
  samplesBase64: string;
  samples: { values: number[] }[];
}

/** sampleValues is samples { values } row by row, and the float32s of samplesBase64 in order. */
function expectSameNumbers(batch: Batch, sampleSize: number): void {
  expect(batch.sampleValues).toHaveLength(batch.count);
  for (const row of batch.sampleValues) expect(row).toHaveLength(sampleSize);
  expect(batch.sampleValues).toEqual(batch.samples.map((s) => s.values));
  const decoded = Array.from(base64ToFloat32(batch.samplesBase64));
  expect(decoded).toHaveLength(batch.count * sampleSize);
  expect(batch.sampleValues.flat()).toEqual(decoded);
  // float32 written as the double it equals: each number reads back bit-exact
  expect(batch.sampleValues.flat().every((v) => Math.fround(v) === v)).toBe(true);
}

describe('sampleValues', () => {
  // tiny-image: 4 numbers per sample (1×2×2), so a row-major or row-offset mistake shows.
  const input = { modelId: 'tiny-image', sampler: { name: 'drs', params: { gamma: 0 } }, count: 300, seed: 11, batchSize: 64 };

  it('on a sample query equals samples { values } and the decoded samplesBase64, sample for sample', async () => {
    const { data, errors } = await gql(server, `query($input: SampleInput!) { sample(input: $input) { ${FIELDS} } }`, { input });
    expect(errors).toBeUndefined();
    const batch = data!.sample as Batch;
    expect(batch.count).toBe(300);
    expect(batch.sampleShape).toEqual([1, 2, 2]);
    expectSameNumbers(batch, 4);
    // distinct samples, not one row repeated
    expect(new Set(batch.sampleValues.map((r) => r.join(','))).size).toBeGreaterThan(250);

    // alone (no samples { … } beside it) it gives the same numbers for the same seed
    const alone = await gql(server, `query($input: SampleInput!) { sample(input: $input) { sampleValues } }`, { input });
    expect(alone.errors).toBeUndefined();
    expect(alone.data!.sample.sampleValues).toEqual(batch.sampleValues);
  });

  it('on sampleStream events equals each event’s samples { values }, and together the query’s', async () => {
    const client = wsClient(server);
    const naive = { modelId: 'uniform-gaussian-1d', sampler: { name: 'naive' }, count: 500, seed: 5, batchSize: 64 };
    const { results, error } = await subscribeAll(client, `subscription($input: SampleInput!) { sampleStream(input: $input) { done ${FIELDS} } }`, {
      input: naive,
    });
    await client.dispose();
    expect(error).toBeNull();
    const events = results.map((r) => r.data!.sampleStream as Batch & { done: boolean });
    expect(events.length).toBeGreaterThan(1);
    for (const e of events) expectSameNumbers(e, 1);
    const streamed = events.flatMap((e) => e.sampleValues);
    expect(streamed).toHaveLength(500);
    const { data } = await gql(server, `query($input: SampleInput!) { sample(input: $input) { sampleValues } }`, { input: naive });
    expect(streamed).toEqual(data!.sample.sampleValues);
  });

  it('on compareSamplers results', async () => {
    const { data, errors } = await gql(
      server,
      `{ compareSamplers(input: { modelId: "tiny-image", count: 50, seed: 2, samplers: [{ name: "naive" }, { name: "drs" }] }) { result { ${FIELDS} } } }`,
    );
    expect(errors).toBeUndefined();
    for (const entry of data!.compareSamplers) expectSameNumbers(entry.result as Batch, 4);
  });
});

/**
 * Resumable streams end to end: two real servers (HTTP + WebSocket, each its own engine and
 * workers, sharing a CURSOR_SECRET as replicas do) and the graphql-ws client. A stream on
 * server A is stopped after k events; the client subscribes on server B with the k-th event's
 * cursor. The samples of both parts, concatenated, equal an uninterrupted stream's, value for
 * value, with none lost and none twice. Seeds are fixed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, startTestServer, subscribeAll, wsClient, type TestServer } from './client.js';

const SECRET = 'graphql-resume-test-secret';
const STREAM = `subscription($input: SampleInput!) {
  sampleStream(input: $input) { done count cursor samples { values logit acceptanceProbability } stats { seed outputs proposed distinctOutputs logitMaxEnd } }
}`;

let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  [a, b] = await Promise.all([startTestServer({ cursorSecret: SECRET }), startTestServer({ cursorSecret: SECRET })]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

interface Event {
  done: boolean;
  count: number;
  cursor: string | null;
  samples: { values: number[]; logit: number; acceptanceProbability: number }[];
  stats: { seed: number; outputs: number; proposed: number; distinctOutputs: number; logitMaxEnd: number | null };
}

async function stream(server: TestServer, input: object): Promise<Event[]> {
  const client = wsClient(server);
  try {
    const { results, error } = await subscribeAll(client, STREAM, { input });
    expect(error).toBeNull();
    return results.map((r) => r.data!.sampleStream as Event);
  } finally {
    await client.dispose();
  }
}

/** The first k events, then the client stops the stream (Complete). */
async function firstEvents(server: TestServer, input: object, k: number): Promise<Event[]> {
  const client = wsClient(server);
  const events: Event[] = [];
  try {
    for await (const result of client.iterate({ query: STREAM, variables: { input } })) {
      expect(result.errors).toBeUndefined();
      if (events.push(result.data!.sampleStream as Event) === k) break;
    }
  } finally {
    await client.dispose();
  }
  return events;
}

const samplesOf = (events: readonly Event[]) => events.flatMap((e) => e.samples);

/** How many samples of `got` are missing from `want` and how many appear more often than there (by value and logit). */
function lostAndDuplicated(want: readonly Event['samples'][number][], got: readonly Event['samples'][number][]): { lost: number; duplicated: number } {
  const counts = new Map<string, number>();
  for (const s of want) counts.set(JSON.stringify(s), (counts.get(JSON.stringify(s)) ?? 0) + 1);
  let duplicated = 0;
  for (const s of got) {
    const key = JSON.stringify(s);
    const n = counts.get(key) ?? 0;
    if (n === 0) duplicated++;
    else counts.set(key, n - 1);
  }
  return { lost: [...counts.values()].reduce((x, y) => x + y, 0), duplicated };
}

describe('a sampleStream resumed on another server', () => {
  it.each([
    ['naive', { modelId: 'uniform-gaussian-1d', sampler: { name: 'naive' }, count: 200, seed: 21, batchSize: 32 }, 3],
    ['threshold', { modelId: 'gaussian-mixture-1d', sampler: { name: 'threshold', params: { percentile: 60 } }, count: 150, seed: 22, batchSize: 40 }, 2],
    ['drs', { modelId: 'rare-tail-1d', sampler: { name: 'drs', params: { burnInSamples: 100 } }, count: 200, seed: 23, batchSize: 50 }, 3],
    ['mh', { modelId: 'uniform-gaussian-1d', sampler: { name: 'mh', params: { chains: 6, chainLength: 33 } }, count: 30, seed: 24, batchSize: 40 }, 3],
  ])('%s: the two parts concatenated equal an uninterrupted stream (lost 0, duplicated 0)', async (_name, input, k) => {
    const whole = await stream(a, input);
    const head = await firstEvents(a, input, k);
    expect(head.at(-1)!.done).toBe(false);
    const cursor = head.at(-1)!.cursor;
    expect(cursor).toMatch(/^gqs1\./);
    const tail = await stream(b, { ...input, resumeFrom: cursor });
    const resumed = [...samplesOf(head), ...samplesOf(tail)];
    expect(lostAndDuplicated(samplesOf(whole), resumed)).toEqual({ lost: 0, duplicated: 0 });
    expect(resumed).toEqual(samplesOf(whole));
    expect(tail.at(-1)!.stats).toEqual({ ...whole.at(-1)!.stats });
    expect(tail.at(-1)!.done).toBe(true);
  });

  it('Query.samplers says which samplers are resumable', async () => {
    const { data } = await gql(a, '{ samplers { name resumable } }');
    expect(data!.samplers).toEqual(expect.arrayContaining(['naive', 'threshold', 'drs', 'mh'].map((name) => ({ name, resumable: true }))));
  });

  it('a stream without a seed reports the one it drew, and resumes with only the cursor', async () => {
    const input = { modelId: 'uniform-gaussian-1d', sampler: { name: 'naive' }, count: 100, batchSize: 25 };
    const head = await firstEvents(a, input, 2);
    const seed = head[0]!.stats.seed;
    const tail = await stream(b, { ...input, resumeFrom: head.at(-1)!.cursor });
    expect([...samplesOf(head), ...samplesOf(tail)]).toEqual(samplesOf(await stream(a, { ...input, seed })));
  });

  it('refuses an altered cursor, a cursor for another count, and a sample query that resumes, naming resumeFrom; the server keeps serving', async () => {
    const input = { modelId: 'uniform-gaussian-1d', sampler: { name: 'naive' }, count: 100, seed: 5, batchSize: 25 };
    const cursor = (await firstEvents(a, input, 1))[0]!.cursor!;
    const altered = cursor.slice(0, 20) + (cursor[20] === 'x' ? 'y' : 'x') + cursor.slice(21);
    for (const [variables, message] of [
      [{ ...input, resumeFrom: altered }, /^resumeFrom: failed its integrity check/],
      [{ ...input, count: 99, resumeFrom: cursor }, /^resumeFrom: .*count 100/],
    ] as const) {
      const client = wsClient(b);
      const { results } = await subscribeAll(client, STREAM, { input: variables });
      await client.dispose();
      expect(results).toHaveLength(1);
      expect(results[0]!.data ?? null).toBeNull();
      const first = results[0]!.errors![0]!;
      expect(first.message).toMatch(message);
      expect(first.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'resumeFrom' });
    }
    const query = await gql(b, `query($input: SampleInput!) { sample(input: $input) { count } }`, { input: { ...input, resumeFrom: cursor } });
    expect(query.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'resumeFrom' });
    expect(samplesOf(await stream(b, input))).toHaveLength(100);
  });

  it('a server with another secret refuses the cursor', async () => {
    const c = await startTestServer({ cursorSecret: 'a-different-secret-for-c' });
    try {
      const input = { modelId: 'uniform-gaussian-1d', sampler: { name: 'naive' }, count: 50, seed: 6, batchSize: 25 };
      const cursor = (await firstEvents(a, input, 1))[0]!.cursor!;
      const client = wsClient(c);
      const { results } = await subscribeAll(client, STREAM, { input: { ...input, resumeFrom: cursor } });
      await client.dispose();
      expect(results[0]!.errors![0]!.message).toMatch(/CURSOR_SECRET/);
    } finally {
      await c.stop();
    }
  });
});

/**
 * RunStream pulls its run ahead of the consumer: what arrives while the consumer is busy goes
 * out as one event, a slow consumer pauses the run, and the samples are those of the run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SamplingEngine } from '../../src/sampling/engine.js';
import { RunStream } from '../../src/sampling/stream.js';
import { waitFor } from '../graphql/client.js';
import { createTestEngine } from '../helpers/engine.js';

let engine: SamplingEngine;
beforeAll(async () => {
  ({ engine } = await createTestEngine());
});
afterAll(() => engine.close());

const request = { modelId: 'uniform-gaussian-1d', sampler: { name: 'naive' }, count: 640, seed: 3, batchSize: 64 };
const streamOf = (maxBufferedValues?: number, maxEventValues?: number) =>
  new RunStream(engine.sample(request), engine.readyModel(request.modelId), { maxBufferedValues, maxEventValues });

describe('RunStream', () => {
  it('sends what arrived while the consumer was busy as one event, in order', async () => {
    const expected = Array.from((await engine.sampleAll(request)).samples);
    const stream = streamOf();
    const first = await stream.next();
    expect(first.done).toBe(false);
    // The consumer is "busy": the run goes on without it, to its end.
    await waitFor(() => stream.run.stats.accepted === 640, 5000, 'the run to finish ahead of the consumer');
    const rest = await stream.next();
    expect(rest.done).toBe(false);
    const [a, b] = [first.value!.chunk, rest.value!.chunk];
    expect(a.count + b.count).toBe(640);
    expect(b.count).toBeGreaterThan(64); // several rounds in one event
    expect(b.done).toBe(true);
    expect(b.stats.accepted).toBe(640);
    expect([...a.samples, ...b.samples]).toEqual(expected);
    expect((await stream.next()).done).toBe(true);
  });

  it('pauses the run while a slow consumer has maxBufferedValues waiting', async () => {
    const stream = streamOf(64); // one round of this 1-D model
    await stream.next();
    await new Promise((r) => setTimeout(r, 100));
    // One round buffered, the next decided and waiting at its yield: the run went no further.
    expect(stream.run.stats.accepted).toBeLessThanOrEqual(3 * 64);
    let total = 64;
    for (let step = await stream.next(); !step.done; step = await stream.next()) total += step.value.chunk.count;
    expect(total).toBe(640);
  });

  it('sends a round bigger than maxEventValues as several events, done on the last only', async () => {
    const expected = Array.from((await engine.sampleAll(request)).samples);
    const stream = streamOf(undefined, 16); // rounds of 64 one-value samples: at least 4 events each
    const events = [];
    for (let step = await stream.next(); !step.done; step = await stream.next()) events.push(step.value.chunk);
    expect(events.length).toBeGreaterThanOrEqual(640 / 16);
    expect(events.every((e) => e.count <= 16 && e.count > 0)).toBe(true);
    expect(events.map((e) => e.done)).toEqual([...events.slice(1).map(() => false), true]);
    expect(events.flatMap((e) => Array.from(e.samples))).toEqual(expected);
    expect(events.at(-1)!.stats.accepted).toBe(640);
  });
});

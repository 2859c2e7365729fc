/**
 * Resumable streams at the engine: a stream stopped after k events and continued on a second
 * engine (its own worker pool, as another replica) from the k-th event's cursor sends exactly
 * the samples an uninterrupted run sends after those k events: the concatenation is equal value
 * for value (float32 samples, float64 logits and probabilities), with the same final counts.
 * Seeds are fixed; nothing here is statistical.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SamplerPluginV1 } from '../../src/contracts.js';
import { ErrorCode, SamplingError } from '../../src/errors.js';
import type { SampleRequest, SamplingEngine } from '../../src/sampling/engine.js';
import { joinChunks, type SampleChunk } from '../../src/sampling/run.js';
import { RunStream } from '../../src/sampling/stream.js';
import { allSamplers, collect, createTestEngine } from '../helpers/engine.js';

let a: SamplingEngine;
let b: SamplingEngine;
const SECRET = 'resume-test-secret-0123456789';
/** A v1 sampler with no snapshot: its streams cannot be resumed. */
const stateful: SamplerPluginV1 = {
  contractVersion: 1,
  name: 'no-snapshot',
  description: 'accepts every other proposal',
  parameters: [],
  start: () => ({ decide: (l) => l.map((_, i) => i % 2), report: () => ({}) }),
};

beforeAll(async () => {
  [{ engine: a }, { engine: b }] = await Promise.all([
    createTestEngine({ cursorSecret: SECRET, samplers: [...allSamplers(), stateful] }),
    createTestEngine({ cursorSecret: SECRET, samplers: [...allSamplers(), stateful] }),
  ]);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

interface Streamed {
  samples: number[];
  logits: number[];
  probabilities: number[];
  last: SampleChunk;
}

function joined(chunks: readonly SampleChunk[]): Streamed {
  return {
    samples: chunks.flatMap((c) => Array.from(c.samples)),
    logits: chunks.flatMap((c) => Array.from(c.logits)),
    probabilities: chunks.flatMap((c) => Array.from(c.acceptanceProbabilities)),
    last: chunks.at(-1)!,
  };
}

/** The first k events of a stream on engine a and its cursor after them. */
async function firstEvents(request: SampleRequest, k: number): Promise<{ chunks: SampleChunk[]; cursor: string }> {
  const admission = a.admit(request);
  const run = a.run(admission);
  const chunks: SampleChunk[] = [];
  for await (const chunk of run) {
    chunks.push(chunk);
    if (chunks.length === k) break;
  }
  expect(chunks).toHaveLength(k);
  expect(chunks.at(-1)!.done).toBe(false);
  const after = chunks.at(-1)!.after;
  expect(after).toBeTruthy();
  return { chunks, cursor: a.cursor(admission, after!) };
}

const CASES: [string, SampleRequest, number][] = [
  ['naive (contract v1, through the adapter)', { modelId: 'uniform-gaussian-1d', sampler: { name: 'naive' }, count: 300, seed: 11, batchSize: 64 }, 2],
  ['threshold', { modelId: 'gaussian-mixture-1d', sampler: { name: 'threshold', params: { percentile: 70 } }, count: 200, seed: 12, batchSize: 64 }, 3],
  [
    'drs, per-batch γ (running max rises during the stream)',
    { modelId: 'rare-tail-1d', sampler: { name: 'drs', params: { burnInSamples: 100 } }, count: 300, seed: 13, batchSize: 50 },
    4,
  ],
  ['drs, γ = 0 (exact)', { modelId: 'uniform-gaussian-1d', sampler: { name: 'drs', params: { gamma: 0 } }, count: 150, seed: 14, batchSize: 64 }, 3],
  [
    'mh from held-out real samples (chains span events)',
    { modelId: 'uniform-gaussian-1d', sampler: { name: 'mh', params: { chains: 8, chainLength: 37 } }, count: 40, seed: 15, batchSize: 50 },
    3,
  ],
  [
    'mh on an image model from generated starts (held rows recomputed from their latents)',
    { modelId: 'tiny-image', sampler: { name: 'mh', params: { chains: 6, chainLength: 25 } }, count: 30, seed: 16, batchSize: 40 },
    4,
  ],
  [
    'drs without batchSize (self-sized rounds of 512-proposal batches; the resumed run sizes its own)',
    { modelId: 'gaussian-mixture-1d', sampler: { name: 'drs', params: { burnInSamples: 1000 } }, count: 4000, seed: 18 },
    2,
  ],
  ['mh with NaN logits', { modelId: 'nan-logits-1d', sampler: { name: 'mh', params: { chains: 5, chainLength: 30 } }, count: 25, seed: 17, batchSize: 32 }, 3],
];

describe('a stream resumed on another engine continues exactly', () => {
  it.each(CASES)('%s', async (_name, request, k) => {
    const whole = joined(await collect(a.sample(request)));
    const { chunks, cursor } = await firstEvents(request, k);
    const rest = await collect(b.sample({ ...request, seed: undefined, batchSize: undefined, resumeFrom: cursor }));
    const resumed = joined([...chunks, ...rest]);
    expect(resumed.samples.length).toBe(whole.samples.length);
    expect(resumed.samples).toEqual(whole.samples);
    expect(resumed.logits).toEqual(whole.logits);
    expect(resumed.probabilities).toEqual(whole.probabilities);
    const [s, w] = [resumed.last.stats, whole.last.stats];
    expect({ proposed: s.proposed, accepted: s.accepted, distinct: s.distinctOutputs, max: s.logitMaxEnd, invalid: s.invalidLogits, seed: s.seed }).toEqual({
      proposed: w.proposed,
      accepted: w.accepted,
      distinct: w.distinctOutputs,
      max: w.logitMaxEnd,
      invalid: w.invalidLogits,
      seed: w.seed,
    });
    expect(s.samplerDetails).toEqual(w.samplerDetails);
    expect(resumed.last.done).toBe(true);
  });

  it('a stream without a seed gets one, and its cursor carries it', async () => {
    const request: SampleRequest = { modelId: 'uniform-gaussian-1d', sampler: { name: 'naive' }, count: 100, batchSize: 32 };
    const { chunks, cursor } = await firstEvents(request, 1);
    const seed = chunks[0]!.stats.seed;
    const rest = await collect(b.sample({ ...request, resumeFrom: cursor }));
    expect(rest.at(-1)!.stats.seed).toBe(seed);
    const whole = joined(await collect(a.sample({ ...request, seed })));
    expect(joined([...chunks, ...rest]).samples).toEqual(whole.samples);
  });

  it("a chunk's `before` with skip k resumes after its first k samples (for an event that carries part of a chunk), also across rounds", async () => {
    const request = CASES[1]![1];
    const whole = joined(await collect(a.sample(request)));
    const admission = a.admit(request);
    const chunks: SampleChunk[] = [];
    for await (const chunk of a.run(admission)) if (chunks.push(chunk) === 3) break;
    expect(chunks[2]!.before).toEqual(chunks[1]!.after);
    for (const k of [1, Math.floor(chunks[2]!.count / 2)]) {
      const before = chunks[2]!.before!;
      const rest = await collect(b.sample({ ...request, resumeFrom: a.cursor(admission, { ...before, skip: before.skip + k }) }));
      const head = joined(chunks.slice(0, 2)).samples.concat(Array.from(chunks[2]!.samples.subarray(0, k)));
      expect(head.concat(joined(rest).samples)).toEqual(whole.samples);
    }
    // From the very start, skipping the first two chunks and one sample more: the skip spans rounds.
    const n = chunks[0]!.count + chunks[1]!.count + 1;
    const start = chunks[0]!.before!;
    expect(start.checkpoint.drawn).toBe(0);
    const rest = await collect(b.sample({ ...request, resumeFrom: a.cursor(admission, { ...start, skip: n }) }));
    expect(whole.samples.slice(0, n).concat(joined(rest).samples)).toEqual(whole.samples);
  });

  it('events of a stream that splits rounds and joins chunks each have a cursor that resumes exactly after them', async () => {
    const request = CASES[0]![1]; // naive, 64 per round
    const whole = joined(await collect(a.sample(request)));
    const admission = a.admit(request);
    // 10 values per event: every round goes out as several events; a slow consumer gets joined chunks.
    const stream = new RunStream(a.run(admission), admission.model, { maxEventValues: 10, cursor: (p) => a.cursor(admission, p) });
    const events: { samples: number[]; cursor: string | null }[] = [];
    for await (const event of stream) {
      events.push({ samples: Array.from(event.chunk.samples), cursor: event.cursor() });
      if (events.length === 9) break;
      if (events.length === 4) await new Promise((r) => setTimeout(r, 50)); // let chunks pile up
    }
    for (const k of [3, 6, 9]) {
      const head = events.slice(0, k).flatMap((e) => e.samples);
      expect(events[k - 1]!.cursor).toMatch(/^gqs1\./);
      const rest = await collect(b.sample({ ...request, resumeFrom: events[k - 1]!.cursor! }));
      expect(head.concat(joined(rest).samples)).toEqual(whole.samples);
    }
  });

  it('joined chunks start where the first started and end where the last ended', async () => {
    const chunks = await collect(a.sample(CASES[0]![1]));
    const [x, y] = [chunks[1]!, chunks[2]!];
    const j = joinChunks([x, y], y.stats, y.sampleSize);
    expect(j.before).toBe(x.before);
    expect(j.after).toBe(y.after);
  });

  it('a cursor can resume twice, and from a resumed stream', async () => {
    const request = CASES[4]![1];
    const whole = joined(await collect(a.sample(request)));
    const { chunks, cursor } = await firstEvents(request, 2);
    const admission = b.admit({ ...request, resumeFrom: cursor });
    const second: SampleChunk[] = [];
    for await (const chunk of b.run(admission)) {
      second.push(chunk);
      if (second.length === 2) break;
    }
    const again = b.cursor(admission, second.at(-1)!.after!);
    const rest = await collect(a.sample({ ...request, resumeFrom: again }));
    expect(joined([...chunks, ...second, ...rest]).samples).toEqual(whole.samples);
    const twice = await collect(a.sample({ ...request, resumeFrom: cursor }));
    expect(joined([...chunks, ...twice]).samples).toEqual(whole.samples);
  });
});

function refusal(f: () => unknown): SamplingError {
  try {
    f();
  } catch (error) {
    return error as SamplingError;
  }
  throw new Error('expected a refusal');
}

async function runRefusal(request: SampleRequest): Promise<SamplingError> {
  try {
    await collect(b.sample(request));
  } catch (error) {
    return error as SamplingError;
  }
  throw new Error('expected a refusal');
}

describe('bad cursors are refused by name', () => {
  const request: SampleRequest = { modelId: 'uniform-gaussian-1d', sampler: { name: 'drs', params: { gamma: 0 } }, count: 100, seed: 3, batchSize: 32 };
  let cursor: string;
  beforeAll(async () => {
    ({ cursor } = await firstEvents(request, 1));
  });

  it.each([
    ['garbage', () => 'not a cursor', /not a cursor/],
    ['another version', (c: string) => c.replace(/^gqs1/, 'gqs9'), /version 9 cursor/],
    ['one character of the body changed', (c: string) => c.slice(0, 10) + (c[10] === 'A' ? 'B' : 'A') + c.slice(11), /integrity check/],
    ['truncated', (c: string) => c.slice(0, -5), /integrity check/],
  ])('%s → BAD_USER_INPUT naming resumeFrom', (_name, mangle, message) => {
    const error = refusal(() => b.admit({ ...request, resumeFrom: mangle(cursor) }));
    expect(error).toBeInstanceOf(SamplingError);
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details).toMatchObject({ field: 'resumeFrom' });
    expect(error.message).toMatch(/^resumeFrom: /);
    expect(error.message).toMatch(message);
  });

  it('a cursor from a server with another secret fails the integrity check', async () => {
    const { engine: other } = await createTestEngine({ cursorSecret: 'another-secret-abcdefghijkl' });
    try {
      expect(refusal(() => other.admit({ ...request, resumeFrom: cursor })).message).toMatch(/integrity check.*CURSOR_SECRET/);
    } finally {
      await other.close();
    }
  });

  it.each([
    ['another model', { modelId: 'gaussian-mixture-1d' }, /model "uniform-gaussian-1d"/],
    ['another sampler', { sampler: { name: 'threshold' } }, /sampler "drs"/],
    ['other params', { sampler: { name: 'drs', params: { gamma: 1 } } }, /sampler params/],
    ['another count', { count: 101 }, /count 100/],
    ['another seed', { seed: 4 }, /seed 3/],
    ['another batchSize', { batchSize: 33 }, /batchSize 32/],
  ])('a cursor for %s → BAD_USER_INPUT naming resumeFrom', (_name, change, message) => {
    const error = refusal(() => b.admit({ ...request, ...change, resumeFrom: cursor }));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.message).toMatch(/^resumeFrom: /);
    expect(error.message).toMatch(message);
  });

  it('a forged sampler state (signed with the right secret) is refused when restored, naming resumeFrom', async () => {
    const admission = a.admit(request);
    const chunk = (await a.run(admission).next()).value as SampleChunk;
    const forged = a.cursor(admission, { ...chunk.after!, checkpoint: { ...chunk.after!.checkpoint, sampler: { logitMax: 'high' } } });
    const error = await runRefusal({ ...request, resumeFrom: forged });
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.message).toMatch(/^resumeFrom: .*logitMax/);
  });

  it('a sampler without snapshot/restore gives no checkpoint (its events have a null cursor)', async () => {
    const chunks = await collect(a.sample({ modelId: 'uniform-gaussian-1d', sampler: { name: 'no-snapshot' }, count: 20, seed: 1, batchSize: 16 }));
    expect(chunks.every((c) => c.after === null && c.before === null)).toBe(true);
  });

  it('a cursor of the last event is refused (nothing is left to send)', async () => {
    const admission = a.admit(request);
    const chunks = await collect(a.run(admission));
    const error = refusal(() => b.admit({ ...request, resumeFrom: a.cursor(admission, chunks.at(-1)!.after!) }));
    expect(error.message).toMatch(/^resumeFrom: is past the end/);
  });

  it('a sample query cannot resume', () => {
    const error = refusal(() => b.run(b.admit({ ...request, resumeFrom: cursor }), { mode: 'collect' }));
    expect(error.message).toMatch(/^resumeFrom: only a sampleStream/);
  });
});

/**
 * Contract v2 through a real engine: held rows, repeated outputs, held-out real rows, the
 * proposals a sampler used, contract errors, and v1 plugins through the adapter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLER_CONTRACT_VERSION, SamplerContractError, type AnySamplerPlugin, type SamplerPlugin, type SamplerState } from '../../src/contracts.js';
import { SamplingEngine } from '../../src/sampling/engine.js';
import { FIXTURE_MODELS_DIR, allSamplers, createTestEngine } from '../helpers/engine.js';

/** A v2 plugin from a `step` (and an optional prepare that asks for the real data). */
function plugin(name: string, step: SamplerState['step'], options: { real?: boolean } = {}): SamplerPlugin {
  return {
    contractVersion: SAMPLER_CONTRACT_VERSION,
    name,
    description: `test sampler ${name}`,
    parameters: [],
    ...(options.real && { prepare: async (_params, context) => void (await context.realLogits()) }),
    start: () => ({ step, report: () => ({}) }),
  };
}

const custom: AnySamplerPlugin[] = [
  // Holds its first proposal and outputs it once per round: a chain that never moves.
  plugin('repeat', (round) => {
    if (round.needed === REPEAT_COUNT) round.hold(0, 0);
    round.emitHeld(0, 0.5);
  }),
  plugin(
    'leak-real',
    (round) => {
      round.holdReal(3, 0);
      round.emitHeld(3);
    },
    { real: true },
  ),
  plugin('real-unasked', (round) => round.holdReal(0, 0)),
  plugin('out-of-range', (round) => round.emit(round.logits.length)),
  // Uses one proposal per round and outputs it.
  plugin('one-per-round', (round) => {
    round.emit(0);
    return 1;
  }),
  {
    contractVersion: SAMPLER_CONTRACT_VERSION,
    name: 'naive-v2',
    description: 'naive, written against contract v2',
    parameters: [],
    start: () => ({
      step: (round) => {
        const used = Math.min(round.logits.length, round.needed);
        for (let k = 0; k < used; k++) round.emit(k);
        return used;
      },
      report: () => ({}),
    }),
  },
];
const REPEAT_COUNT = 5;

let engine: SamplingEngine;
beforeAll(async () => {
  ({ engine } = await createTestEngine({ samplers: [...allSamplers(), ...custom] }));
});
afterAll(() => engine.close());

const run = (name: string, modelId = 'uniform-gaussian-1d', extra: object = {}) =>
  engine.sampleAll({ modelId, sampler: { name }, count: REPEAT_COUNT, seed: 1, batchSize: 16, ...extra });

describe('contract v2 in the engine', () => {
  it('keeps the rows a sampler holds: one state output again and again counts as one distinct output', async () => {
    const r = await run('repeat');
    expect(r.count).toBe(REPEAT_COUNT);
    expect(new Set(Array.from(r.samples)).size).toBe(1);
    expect(Array.from(r.acceptanceProbabilities)).toEqual(Array(REPEAT_COUNT).fill(0.5));
    expect(r.stats.accepted).toBe(REPEAT_COUNT);
    expect(r.stats.distinctOutputs).toBe(1);
    expect(r.stats.proposed).toBe(REPEAT_COUNT * 16);
    expect(r.stats.proposalsPerOutput).toBe(16);
    // The held row is the first proposal of the run, logit included.
    const first = await engine.sampleAll({ modelId: 'uniform-gaussian-1d', sampler: { name: 'naive-v2' }, count: 1, seed: 1, batchSize: 16 });
    expect(r.samples[0]).toBe(first.samples[0]);
    expect(r.logits[0]).toBe(first.logits[0]);
  });

  it('counts only the proposals a sampler used', async () => {
    const r = await run('one-per-round');
    expect(r.stats.proposed).toBe(REPEAT_COUNT);
    expect(r.stats.rounds).toBeGreaterThanOrEqual(REPEAT_COUNT);
    expect(r.stats.proposalsPerOutput).toBe(1);
  });

  it.each([
    ['leak-real', /sampler "leak-real" broke the contract: emitHeld\(3\): the slot holds a held-out real sample, which is never output/],
    [
      'real-unasked',
      /sampler "real-unasked" broke the contract: holdReal\(0, 0\): no held-out real samples \(prepare must call context\.realLogits\(\) first\)/,
    ],
    ['out-of-range', /sampler "out-of-range" broke the contract: emit\(16\): proposal index must be an integer in \[0, 16\)/],
  ])('fails a run whose sampler breaks the contract (%s), naming what it did', async (name, message) => {
    const error = await run(name).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SamplerContractError);
    expect((error as Error).message).toMatch(message);
    expect((await run('naive-v2')).count).toBe(REPEAT_COUNT); // and keeps serving
  });

  it('runs a v1 plugin through the adapter with exactly the samples of its v2 rewrite', async () => {
    const request = { modelId: 'nan-logits-1d', count: 300, seed: 4, batchSize: 64 };
    const v1 = await engine.sampleAll({ ...request, sampler: { name: 'naive' } });
    const v2 = await engine.sampleAll({ ...request, sampler: { name: 'naive-v2' } });
    expect(Array.from(v1.samples)).toEqual(Array.from(v2.samples));
    expect(v1.stats.invalidLogits).toBe(v2.stats.invalidLogits);
    expect(v1.stats.proposed).toBe(v2.stats.proposed);
    expect(v1.stats.invalidLogits).toBeGreaterThan(0); // about half of nan-logits-1d's logits are NaN
    expect(engine.samplers().find((s) => s.name === 'naive')!.contractVersion).toBe(1);
  });

  it('refuses a plugin of a contract version it does not run, at registration', async () => {
    const future = { ...custom[0]!, name: 'future', contractVersion: 3 } as unknown as AnySamplerPlugin;
    await expect(SamplingEngine.create({ modelsDir: FIXTURE_MODELS_DIR, samplers: [future], pool: { workers: 1, intraOpNumThreads: 1 } })).rejects.toThrow(
      'sampler "future" implements contract version 3; this engine runs versions 1 and 2',
    );
  });
});

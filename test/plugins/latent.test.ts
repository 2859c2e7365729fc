/**
 * The latent samplers (ddls, dot) through the engine on the analytic fixtures: availability,
 * parameter checks at admission, the proposal budget, cancellation, seeding, and what DOT's
 * moves do. The distributional checks are in test/sampling/ddls-exact.test.ts.
 */
import { copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SamplerParameterError } from '../../src/contracts.js';
import { ErrorCode, SamplingError } from '../../src/errors.js';
import { loadModel } from '../../src/models/repository.js';
import { samplerUnavailable, type SamplingEngine } from '../../src/sampling/engine.js';
import { FIXTURE_MODELS_DIR, allSamplers, createTestEngine } from '../helpers/engine.js';

const MODEL = 'langevin-gaussian-1d';
let engine: SamplingEngine;

beforeAll(async () => {
  ({ engine } = await createTestEngine());
});
afterAll(() => engine.close());

const request = (name: string, params: object = {}, extra: object = {}) => ({ modelId: MODEL, sampler: { name, params }, count: 200, seed: 5, ...extra });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof SamplingError ? error.code : (error as Error).name;
  }
  return 'resolved';
}

describe('availability', () => {
  it('a model without a latent-gradient graph refuses ddls and dot at admission, with the reason', () => {
    for (const name of ['ddls', 'dot']) {
      let error: unknown;
      try {
        engine.admit({ ...request(name), modelId: 'uniform-gaussian-1d' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SamplingError);
      expect((error as SamplingError).code).toBe(ErrorCode.SAMPLER_UNAVAILABLE);
      expect((error as SamplingError).message).toContain('ships no latent-gradient graph (manifest "latentGradient")');
      expect((error as SamplingError).details).toMatchObject({ sampler: name, modelId: 'uniform-gaussian-1d' });
    }
    // round samplers are untouched
    expect(() => engine.admit({ ...request('drs', { gamma: 0 }), modelId: 'uniform-gaussian-1d' })).not.toThrow();
  });

  it('a graph whose x and logit disagree with G → D makes the model FAILED, naming the file and the first mismatch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latent-'));
    try {
      cpSync(join(FIXTURE_MODELS_DIR, MODEL), join(dir, MODEL), { recursive: true });
      // another pair's D: same signature, a different function (a stale graph after retraining looks like this)
      copyFileSync(join(FIXTURE_MODELS_DIR, 'uniform-gaussian-1d', 'discriminator.onnx'), join(dir, MODEL, 'discriminator.onnx'));
      const entry = await loadModel(join(dir, MODEL), MODEL);
      expect(entry.status).toBe('FAILED');
      expect(entry.status === 'FAILED' && entry.error).toMatch(
        /^langevin-gaussian-1d\/latent-gradient\.onnx: .*disagrees with G → D on 16 seeded latents: "logit" value 0 is .*, G → D gives .*; rebuild it from this pair/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the model with its graph serves every sampler', async () => {
    const entry = await loadModel(join(FIXTURE_MODELS_DIR, MODEL), MODEL);
    expect(entry.status === 'READY' && entry.latentGradientUnavailable).toBeNull();
    for (const sampler of allSamplers()) expect(samplerUnavailable(entry, sampler)).toBeNull();
  });
});

describe('parameters are checked at admission (BAD_USER_INPUT naming the parameter)', () => {
  it.each([
    ['ddls', { stepSize: 0 }, 'stepSize'],
    ['ddls', { steps: 0 }, 'steps'],
    ['ddls', { noiseScale: -1 }, 'noiseScale'],
    ['ddls', { correction: 'drs' }, 'correction'],
    ['ddls', { correction: 'none', independenceRate: 0.5 }, 'independenceRate'],
    ['dot', { learningRate: 0 }, 'learningRate'],
    ['dot', { steps: 1.5 }, 'steps'],
  ])('%s %j → %s', (name, params, parameter) => {
    let error: unknown;
    try {
      engine.admit(request(name, params));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SamplerParameterError);
    expect((error as SamplerParameterError).parameter).toBe(parameter);
  });

  it('correction: none alone turns the default prior-draw proposals off (and is accepted)', () => {
    expect(() => engine.admit(request('ddls', { correction: 'none' }))).not.toThrow();
  });
});

describe('runs', () => {
  it('a gradient round is charged 3 proposals per row against maxProposals', async () => {
    // 200 chains × (10 + 1) rounds × 3 = 6,600 proposals; 6,000 cannot pay for the last round
    expect(await codeOf(engine.sampleAll(request('ddls', { steps: 10 }, { maxProposals: 6_000 })))).toBe(ErrorCode.PROPOSAL_BUDGET_EXHAUSTED);
    const ok = await engine.sampleAll(request('ddls', { steps: 10 }, { maxProposals: 6_600 }));
    expect(ok.count).toBe(200);
    expect(ok.stats.proposed).toBe(6_600);
    expect(ok.stats.proposalsPerOutput).toBe(33);
    expect(ok.stats.rounds).toBe(11);
    expect(ok.stats.samplerDetails).toMatchObject({ gradientRounds: 11, gradientRows: 2_200, gradientRowsPerOutput: 11, proposalsPerGradientRow: 3 });
  });

  it('is seeded: the same request gives the same samples; another seed does not', async () => {
    const a = await engine.sampleAll(request('ddls', { steps: 5 }));
    const b = await engine.sampleAll(request('ddls', { steps: 5 }));
    const c = await engine.sampleAll(request('ddls', { steps: 5 }, { seed: 6 }));
    expect(Array.from(b.samples)).toEqual(Array.from(a.samples));
    expect(Array.from(c.samples)).not.toEqual(Array.from(a.samples));
  });

  it('splits a request into batches of batchSize chains and outputs count samples', async () => {
    const result = await engine.sampleAll(request('ddls', { steps: 3 }, { count: 250, batchSize: 100 }));
    expect(result.count).toBe(250);
    expect(result.stats.rounds).toBe(3 * 4); // batches of 100, 100 and 50 chains, 4 rounds each
    expect(result.stats.distinctOutputs).toBe(250);
  });

  it('cancellation reaches the gradient-round wait: an aborted long run stops at once', async () => {
    const controller = new AbortController();
    const run = engine.sampleAll(request('ddls', { steps: 10_000 }, { count: 5_000, batchSize: 5_000, maxProposals: 20_000_000 }), {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 200);
    const started = performance.now();
    expect(await codeOf(run)).toBe('AbortError');
    expect(performance.now() - started).toBeLessThan(5_000); // 10,000 rounds would take far longer
    expect(engine.load.activeRuns).toBe(0);
  });

  it('dot moves each prior draw up d: its outputs score higher than the same draws unmoved, and it reports k_eff', async () => {
    const naive = await engine.sampleAll(request('naive', {}, { batchSize: 200 }));
    const dot = await engine.sampleAll(request('dot', { steps: 30, learningRate: 0.05 }, { batchSize: 200 }));
    const mean = (xs: Float64Array): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(dot.logits)).toBeGreaterThan(mean(naive.logits) + 0.1);
    // same starting latents (the run's latent stream), each moved a little
    const details = dot.stats.samplerDetails!;
    expect(details.keff).toBeGreaterThan(0);
    expect(details.meanDisplacement).toBeGreaterThan(0);
    expect(details.meanDisplacement).toBeLessThan(30 * 0.05 * 3); // at most steps × lr × (1 + |∇d|/k_eff) per step, ≤ 2 here
    // one k_eff round of 200 rows (100 pairs), then 30 + 1 rounds of 200 chains
    expect(dot.stats.samplerDetails?.gradientRows).toBe(200 + 31 * 200);
  });
});

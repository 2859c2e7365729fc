/** The DRS math of docs/sampling.md, checked against the pitfalls it lists. */
import { describe, expect, it } from 'vitest';
import { drsF, log1mexp, sigmoid } from '../../plugins/drs/math.js';
import { createDrsSampler } from '../../plugins/drs/index.js';
import { percentile, type SamplerState } from '../../src/contracts.js';
import { Random } from '../../src/random.js';
import { conformanceModels, stepRound } from '../../src/testkit/conformance.js';

const model = conformanceModels.withoutReal;

/** Each proposal's output probability: with every uniform 0, every proposal with p > 0 is output with its p. */
function decide(state: SamplerState, logits: Float64Array): Float64Array {
  const out = stepRound({ state, logits, uniforms: { uniform: () => 0 }, held: new Map() });
  const p = new Float64Array(logits.length);
  out.samples.forEach((k, o) => (p[k] = out.probabilities[o]!));
  return p;
}

describe('log1mexp', () => {
  it('matches the naive formula where that is accurate', () => {
    for (const a of [0.01, 0.3, 0.69, 0.7, 1, 5, 20]) expect(log1mexp(a)).toBeCloseTo(Math.log(1 - Math.exp(-a)), 12);
  });
  it('stays accurate where the naive formula fails', () => {
    // a = 1e-8: 1 − e^{−a} = 1e-8 − 5e-17 …; float64 naive loses ~8 digits, float32 gives log(0)
    expect(log1mexp(1e-8)).toBeCloseTo(Math.log(1e-8), 7);
    expect(1 - Math.fround(Math.exp(-1e-8))).toBe(0); // e^{-1e-8} rounds to 1 in float32
    expect(log1mexp(1e-300)).toBeCloseTo(Math.log(1e-300), 9);
    expect(log1mexp(800)).toBe(-0); // log1p(-e^-800) = -0, not NaN
    expect(log1mexp(0)).toBe(-Infinity);
    expect(log1mexp(-1)).toBeNaN();
  });
});

describe('sigmoid', () => {
  it('does not overflow', () => {
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(-745)).toBeGreaterThan(0);
    expect(sigmoid(0)).toBe(0.5);
  });
});

describe('F̂ and the acceptance probability', () => {
  it('with γ = 0 gives exp(D̃ − D̃_M): rejection sampling in logit space', () => {
    for (const delta of [-1e-3, -0.5, -3, -20, -200]) {
      const p = sigmoid(drsF(delta, 0, 1e-6));
      expect(p / Math.exp(delta)).toBeCloseTo(1, 5);
    }
  });
  it('is finite at the maximum thanks to ε (and with a tiny ε)', () => {
    expect(drsF(2, 2, 1e-6)).toBeCloseTo(-Math.log(1e-6), 5);
    expect(Number.isFinite(drsF(2, 2, 1e-12))).toBe(true);
    expect(sigmoid(drsF(2, 2, 1e-8))).toBeGreaterThan(0.999_999);
  });
});

describe('drs sampler', () => {
  const start = (params: Record<string, number>, logitMax: number) => {
    const drs = createDrsSampler();
    const full = { burnInSamples: 10_000, epsilon: 1e-6, gammaPercentile: 95, calibration: 'none', ...params };
    return drs.start(full, { logitMax, calibrator: { method: 'none', logit: (l) => l } }, { model, random: new Random(1) });
  };

  it('updates the running max before computing p, never looking ahead', () => {
    const state = start({ gamma: 0 }, 0);
    const p = decide(state, Float64Array.from([-1, 2, -1, 1]));
    expect(p[0]).toBeCloseTo(Math.exp(-1), 5); // max still 0
    expect(p[1]).toBeGreaterThan(0.999); // new max: accepted with p ≈ 1
    expect(p[2]).toBeCloseTo(Math.exp(-3), 5); // relative to the new max 2
    expect(p[3]).toBeCloseTo(Math.exp(-1), 5);
    expect(state.report().logitMax).toBe(2);
    // a look-ahead max would have given the first proposal exp(−3)
  });

  it('takes γ as a 0–100 percentile of F per batch, not a 0–1 fraction', () => {
    const state = start({}, 0);
    const logits = Float64Array.from({ length: 101 }, (_, i) => -i / 10);
    const p = decide(state, logits);
    const f = Array.from(logits, (l) => drsF(l, 0, 1e-6));
    expect(state.report().gamma).toBeCloseTo(percentile(f, 95), 12);
    // γ at the 95th percentile: about 5% of the batch has p > ½
    const above = Array.from(p).filter((x) => x > 0.5).length;
    expect(above).toBeGreaterThanOrEqual(4);
    expect(above).toBeLessThanOrEqual(6);
  });

  it('admission: rejects gamma together with gammaPercentile, naming it', async () => {
    const { resolveParams } = await import('../../src/sampling/params.js');
    expect(() => resolveParams(createDrsSampler(), { gamma: 0, gammaPercentile: 80 }, model)).toThrow(
      'sampler "drs", parameter "gamma": give either gamma or gammaPercentile, not both',
    );
  });
});

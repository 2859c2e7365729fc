import { describe, expect, it } from 'vitest';
import { createThresholdSampler } from '../../plugins/threshold/index.js';
import { createDrsSampler } from '../../plugins/drs/index.js';
import { SamplerParameterError, percentile } from '../../src/contracts.js';
import { resolveParams } from '../../src/sampling/params.js';
import { conformanceModels } from '../../src/testkit/conformance.js';

const model = conformanceModels.withReal;

const drs = createDrsSampler();

describe('sampler parameter admission', () => {
  it('applies declared defaults and records what was given', () => {
    const { params, given } = resolveParams(drs, { gamma: 0 }, model);
    expect(params).toEqual({ gamma: 0, burnInSamples: 100_000, epsilon: 1e-6, gammaPercentile: 95, calibration: 'none' });
    expect([...given]).toEqual(['gamma']);
    expect(resolveParams(drs, undefined, model).params.gamma).toBeUndefined();
  });

  it.each([
    [{ gama: 0 }, 'gama', /unknown parameter \(known: burnInSamples, epsilon, gamma, gammaPercentile, calibration\)/],
    [{ gammaPercentile: 101 }, 'gammaPercentile', /must be ≤ 100, got 101/],
    [{ gammaPercentile: -1 }, 'gammaPercentile', /must be ≥ 0, got -1/],
    [{ burnInSamples: 1000.5 }, 'burnInSamples', /must be an integer, got 1000.5/],
    [{ epsilon: '1e-6' }, 'epsilon', /must be a finite number, got "1e-6"/],
    [{ epsilon: 0 }, 'epsilon', /must be ≥ 1e-12, got 0/],
    [{ calibration: 'beta' }, 'calibration', /must be one of "none", "platt", "isotonic", got "beta"/],
    [{ calibration: 1 }, 'calibration', /must be one of "none", "platt", "isotonic", got 1/],
  ])('%j is refused, naming %s', (raw, parameter, message) => {
    let error: unknown;
    try {
      resolveParams(drs, raw, model);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SamplerParameterError);
    expect((error as SamplerParameterError).parameter).toBe(parameter);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses params that are not an object', () => {
    expect(() => resolveParams(drs, [1, 2], model)).toThrow(/parameter "params": must be a JSON object/);
  });

  // JSON.stringify shows Infinity and NaN as "null" (1e400 in a request arrives as Infinity)
  it.each([
    ['gamma', 'must be a finite number, got Infinity', { gamma: Infinity }],
    ['gamma', 'must be a finite number, got -Infinity', { gamma: -Infinity }],
    ['gamma', 'must be a finite number, got NaN', { gamma: NaN }],
    ['gamma', 'must be a finite number, got "Infinity"', { gamma: 'Infinity' }],
    ['gamma', 'must be a finite number, got true', { gamma: true }],
    ['gamma', 'must be a finite number, got [1,Infinity]', { gamma: [1, Infinity] }],
    ['gamma', 'must be a finite number, got {"value":NaN,"unit":"logit"}', { gamma: { value: NaN, unit: 'logit' } }],
    ['burnInSamples', 'must be ≤ 1000000, got 1e+21', { burnInSamples: 1e21 + 0.5 }],
    ['epsilon', 'must be ≥ 1e-12, got -0', { epsilon: -0 }],
    ['verbose', 'must be a boolean, got Infinity', { verbose: Infinity }],
    ['verbose', 'must be a boolean, got "yes"', { verbose: 'yes' }],
  ])('%s: %s', (parameter, message, raw) => {
    const plugin = { ...drs, parameters: [...drs.parameters, { name: 'verbose', type: 'boolean' as const, description: 'a boolean' }] };
    expect(() => resolveParams(plugin, raw, model)).toThrow(`sampler "drs", parameter "${parameter}": ${message}`);
  });

  it('long and deeply nested values are cut short', () => {
    let deep: unknown = Infinity;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => resolveParams(drs, { gamma: deep }, model)).toThrow('parameter "gamma": must be a finite number, got [[[[…]]]]');
    expect(() => resolveParams(drs, { gamma: Array.from({ length: 1000 }, (_, i) => i) }, model)).toThrow(/got \[0,1,2,3,4,5,6,7,8,9,…\]$/);
    expect(() => resolveParams(drs, { gamma: 'x'.repeat(10_000) }, model)).toThrow(new RegExp(`got "${'x'.repeat(100)}"…$`));
  });

  it.each([
    ['"x"', 'x'],
    ['Infinity', Infinity],
    ['[1,NaN]', [1, NaN]],
  ])('params = %s: the message shows it as given', (shown, raw) => {
    expect(() => resolveParams(drs, raw, model)).toThrow(`sampler "drs", parameter "params": must be a JSON object, got ${shown}`);
  });

  it('threshold takes a logit or a percentile, not both', () => {
    expect(() => resolveParams(createThresholdSampler(), { logitThreshold: 1, percentile: 20 }, model)).toThrow(/give either logitThreshold or percentile/);
  });
});

describe('percentile', () => {
  it('interpolates linearly like numpy and takes 0–100', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([3, 1, 2], 0)).toBe(1);
    expect(percentile([3, 1, 2], 100)).toBe(3);
    expect(
      percentile(
        Float64Array.from({ length: 101 }, (_, i) => i),
        95,
      ),
    ).toBe(95);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

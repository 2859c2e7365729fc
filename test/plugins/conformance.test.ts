import { createDrsSampler } from '../../plugins/drs/index.js';
import { createNaiveSampler } from '../../plugins/naive/index.js';
import { createThresholdSampler } from '../../plugins/threshold/index.js';
import { describe, expect, it } from 'vitest';
import { SAMPLER_CONTRACT_VERSION, type SamplerPlugin } from '../../src/contracts.js';
import { checkRunIsolation, defineSamplerConformance } from '../../src/testkit/index.js';

defineSamplerConformance(createNaiveSampler);
defineSamplerConformance(createThresholdSampler);
defineSamplerConformance(createDrsSampler);

// The README's "Writing a sampler" example, kept honest.
defineSamplerConformance(
  (): SamplerPlugin => ({
    contractVersion: SAMPLER_CONTRACT_VERSION,
    name: 'top-half',
    description: 'Accepts proposals whose logit beats the median of their batch.',
    parameters: [],
    start: () => ({
      decide(logits) {
        const median = [...logits].sort((a, b) => a - b)[logits.length >> 1]!;
        return logits.map((l) => (l > median ? 1 : 0));
      },
      report: () => ({}),
    }),
  }),
);

/**
 * Rejection sampling against a running max, as DRS with γ = 0 does, but with the max in module
 * scope: reset by every start(), then shared by every run in flight. Each call of the factory
 * returns a fresh object and a lone run is deterministic, so only interleaved runs show the bug.
 */
let moduleMax = 0;
const moduleStateSampler = (): SamplerPlugin => ({
  contractVersion: SAMPLER_CONTRACT_VERSION,
  name: 'module-max',
  description: 'Deliberately broken: keeps its running max in module scope.',
  parameters: [],
  start: () => {
    moduleMax = 2;
    return {
      decide: (logits) => logits.map((l) => Math.exp(l - (moduleMax = Math.max(moduleMax, l)))),
      report: () => ({ logitMax: moduleMax }),
    };
  },
});

/** The same bug one level down: the max lives in the factory's closure, shared by its runs. */
const closureStateSampler = (): SamplerPlugin => {
  let max = 2;
  return {
    ...moduleStateSampler(),
    name: 'closure-max',
    start: () => {
      max = 2;
      return {
        decide: (logits) => logits.map((l) => Math.exp(l - (max = Math.max(max, l)))),
        report: () => ({ logitMax: max }),
      };
    },
  };
};

describe('the run-isolation check of the conformance suite', () => {
  it('catches a sampler that keeps run state in module scope, which a lone run cannot show', async () => {
    // What the old check asked, and a lone run, both pass:
    expect(moduleStateSampler()).not.toBe(moduleStateSampler());
    const lone = () => Array.from(moduleStateSampler().start({}, undefined, { id: 'm', latentDim: 1, outputShape: [1], outputKind: 'vector' }).decide(Float64Array.from([-1, 3, 1])));
    expect(lone()).toEqual(lone());
    await expect(checkRunIsolation(moduleStateSampler)).rejects.toThrow(/run A interleaved with run B/);
  });

  it('catches a sampler whose runs share state through the factory closure', async () => {
    await expect(checkRunIsolation(closureStateSampler)).rejects.toThrow(/two start\(\) states of one plugin/);
  });

  it('passes a sampler that keeps the same max in each run', async () => {
    const perRun = (): SamplerPlugin => ({
      ...moduleStateSampler(),
      name: 'per-run-max',
      start: () => {
        let max = 2;
        return { decide: (logits) => logits.map((l) => Math.exp(l - (max = Math.max(max, l)))), report: () => ({ logitMax: max }) };
      },
    });
    await expect(checkRunIsolation(perRun)).resolves.toBeUndefined();
  });
});

import { createDdlsSampler } from '../../plugins/ddls/index.js';
import { createDotSampler } from '../../plugins/dot/index.js';
import { createDrsSampler } from '../../plugins/drs/index.js';
import { createMhSampler } from '../../plugins/mh/index.js';
import { createNaiveSampler } from '../../plugins/naive/index.js';
import { createThresholdSampler } from '../../plugins/threshold/index.js';
import { describe, expect, it } from 'vitest';
import { SAMPLER_CONTRACT_VERSION, emitAccepted, type SamplerPlugin, type SamplerPluginV1 } from '../../src/contracts.js';
import { checkRunIsolation, checkSnapshotRestore, defineLatentSamplerConformance, defineSamplerConformance } from '../../src/testkit/index.js';

defineSamplerConformance(createNaiveSampler);
defineSamplerConformance(createThresholdSampler);
defineSamplerConformance(createDrsSampler);
defineSamplerConformance(createMhSampler);
// latent samplers, short chains (the suite checks the contract, not the distribution)
defineLatentSamplerConformance(createDdlsSampler, { steps: 5 });
defineLatentSamplerConformance(createDdlsSampler, { steps: 5, correction: 'none' });
defineLatentSamplerConformance(createDotSampler, { steps: 5 });

// The README's "Writing a sampler" example, kept honest.
defineSamplerConformance((): SamplerPlugin => ({
  contractVersion: SAMPLER_CONTRACT_VERSION,
  name: 'top-half',
  description: 'Outputs proposals whose logit beats the median of their round.',
  parameters: [],
  monotone: true,
  start: () => ({
    step(round) {
      const median = [...round.logits].sort((a, b) => a - b)[round.logits.length >> 1]!;
      return emitAccepted(
        round,
        round.logits.map((l) => (l > median ? 1 : 0)),
      );
    },
    report: () => ({}),
  }),
}));

// A contract-v1 plugin written before v2, exactly as the v1 README showed it: runs through the adapter.
defineSamplerConformance((): SamplerPluginV1 => ({
  contractVersion: 1,
  name: 'top-half-v1',
  description: 'Accepts proposals whose logit beats the median of their batch.',
  parameters: [],
  start: () => ({
    decide(logits) {
      const median = [...logits].sort((a, b) => a - b)[logits.length >> 1]!;
      return logits.map((l) => (l > median ? 1 : 0));
    },
    report: () => ({}),
  }),
}));

/**
 * Rejection sampling against a running max, as DRS with γ = 0 does, but with the max in module
 * scope: reset by every start(), then shared by every run in flight. Each call of the factory
 * returns a fresh object and a lone run is deterministic, so only interleaved runs show the bug.
 */
let moduleMax = 0;
const moduleStateSampler = (): SamplerPluginV1 => ({
  contractVersion: 1,
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
const closureStateSampler = (): SamplerPluginV1 => {
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
    const lone = () =>
      Array.from(
        moduleStateSampler()
          .start({}, undefined, { id: 'm', latentDim: 1, outputShape: [1], outputKind: 'vector', realSamples: 0 })
          .decide(Float64Array.from([-1, 3, 1])),
      );
    expect(lone()).toEqual(lone());
    await expect(checkRunIsolation(moduleStateSampler)).rejects.toThrow(/run A interleaved with run B/);
  });

  it('catches a sampler whose runs share state through the factory closure', async () => {
    await expect(checkRunIsolation(closureStateSampler)).rejects.toThrow(/two start\(\) states of one plugin/);
  });

  it('passes a sampler that keeps the same max in each run', async () => {
    const perRun = (): SamplerPluginV1 => ({
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

describe('the snapshot/restore check of the conformance suite', () => {
  /** A running max that its snapshot records; `restoreMax` decides what restore makes of it. */
  const runningMax = (name: string, restoreMax: (saved: number) => number): SamplerPluginV1 => {
    const state = (start: number) => {
      let max = start;
      return {
        decide: (logits: Float64Array) => logits.map((l) => Math.exp(l - (max = Math.max(max, l)))),
        report: () => ({ logitMax: max }),
        snapshot: () => ({ max }),
      };
    };
    return {
      ...moduleStateSampler(),
      name,
      start: () => state(2),
      restore: (_params, _prepared, _model, snapshot) => state(restoreMax((snapshot as { max: number }).max)),
    };
  };

  it('passes every bundled sampler', async () => {
    for (const factory of [createNaiveSampler, createThresholdSampler, createDrsSampler, createMhSampler]) {
      await expect(checkSnapshotRestore(factory), factory().name).resolves.toBe(true);
    }
  });

  it('passes a correct running max, and catches one whose restore forgets it', async () => {
    await expect(checkSnapshotRestore(() => runningMax('keeps-max', (m) => m))).resolves.toBe(true);
    await expect(checkSnapshotRestore(() => runningMax('forgets-max', () => 2))).rejects.toThrow(/restored after round \d+, round \d+ went differently/);
  });

  it('reports a sampler without either as not resumable, and refuses one with only half', async () => {
    await expect(checkSnapshotRestore(moduleStateSampler)).resolves.toBe(false);
    const snapshotOnly = (): SamplerPluginV1 => ({ ...runningMax('half', (m) => m), restore: undefined });
    await expect(checkSnapshotRestore(snapshotOnly)).rejects.toThrow(/snapshot but no restore/);
  });
});

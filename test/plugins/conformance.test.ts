import { createDrsSampler } from '../../plugins/drs/index.js';
import { createMhSampler } from '../../plugins/mh/index.js';
import { createNaiveSampler } from '../../plugins/naive/index.js';
import { createThresholdSampler } from '../../plugins/threshold/index.js';
import { SAMPLER_CONTRACT_VERSION, emitAccepted, type SamplerPlugin, type SamplerPluginV1 } from '../../src/contracts.js';
import { defineSamplerConformance } from '../helpers/sampler-conformance.js';

defineSamplerConformance(createNaiveSampler);
defineSamplerConformance(createThresholdSampler);
defineSamplerConformance(createDrsSampler);
defineSamplerConformance(createMhSampler);

// The README's "Writing a sampler" example, kept honest.
defineSamplerConformance(
  (): SamplerPlugin => ({
    contractVersion: SAMPLER_CONTRACT_VERSION,
    name: 'top-half',
    description: 'Outputs proposals whose logit beats the median of their round.',
    parameters: [],
    monotone: true,
    start: () => ({
      step(round) {
        const median = [...round.logits].sort((a, b) => a - b)[round.logits.length >> 1]!;
        return emitAccepted(round, round.logits.map((l) => (l > median ? 1 : 0)));
      },
      report: () => ({}),
    }),
  }),
);

// A contract-v1 plugin written before v2, exactly as the v1 README showed it: runs through the adapter.
defineSamplerConformance(
  (): SamplerPluginV1 => ({
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
  }),
);

import { createDrsSampler } from '../../plugins/drs/index.js';
import { createNaiveSampler } from '../../plugins/naive/index.js';
import { createThresholdSampler } from '../../plugins/threshold/index.js';
import { SAMPLER_CONTRACT_VERSION, type SamplerPlugin } from '../../src/contracts.js';
import { defineSamplerConformance } from '../../src/testkit/index.js';

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

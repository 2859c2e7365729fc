/** The baseline: accept every proposal, i.e. sample G as it is. */
import { SAMPLER_CONTRACT_VERSION, type SamplerPlugin } from '../../src/contracts.js';

export function createNaiveSampler(): SamplerPlugin {
  return {
    contractVersion: SAMPLER_CONTRACT_VERSION,
    name: 'naive',
    description: "Accepts every generator sample: the generator's own distribution, the baseline to compare against.",
    parameters: [],
    start: () => ({
      decide: (logits) => new Float64Array(logits.length).fill(1),
      report: () => ({}),
    }),
  };
}

/** The baseline: accept every proposal, i.e. sample G as it is. A contract-v1 plugin: it runs through the engine's adapter. */
import type { SamplerPluginV1 } from '../../src/contracts.js';

export function createNaiveSampler(): SamplerPluginV1 {
  return {
    contractVersion: 1,
    name: 'naive',
    description: "Accepts every generator sample: the generator's own distribution, the baseline to compare against.",
    parameters: [],
    start: () => ({
      decide: (logits) => new Float64Array(logits.length).fill(1),
      report: () => ({}),
    }),
  };
}

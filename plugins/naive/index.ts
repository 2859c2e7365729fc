/**
 * The baseline: accept every proposal, i.e. sample G as it is. A contract-v1 plugin: it runs through the engine's adapter.
 * Stateless, so its snapshot is empty and a stream of it can be resumed.
 */
import type { SamplerPluginV1, SamplerStateV1 } from '../../src/contracts.js';

export function createNaiveSampler(): SamplerPluginV1 {
  return {
    contractVersion: 1,
    name: 'naive',
    description: "Accepts every generator sample: the generator's own distribution, the baseline to compare against.",
    parameters: [],
    start: () => naiveState(),
    restore: () => naiveState(),
  };
}

function naiveState(): SamplerStateV1 {
  return {
    decide: (logits) => new Float64Array(logits.length).fill(1),
    report: () => ({}),
    snapshot: () => ({}),
  };
}

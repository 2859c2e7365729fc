/**
 * A test-only sampler that declares one parameter of every type the contract has, so the
 * comparison page's generated controls can be exercised end to end. Built on src/contracts.ts only.
 */
import type { SamplerPluginV1 } from '../../src/contracts.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export function createEveryTypeSampler(): SamplerPluginV1 {
  return {
    contractVersion: 1,
    name: 'every-type',
    description: 'Test sampler: accepts each proposal with a fixed probability; declares a float, an int, a boolean and an enum parameter.',
    parameters: [
      { name: 'acceptance', type: 'float', default: 0.5, min: 0.01, max: 1, description: 'The acceptance probability of every eligible proposal.' },
      { name: 'every', type: 'int', default: 1, min: 1, max: 100, description: 'Only every n-th proposal of a batch is eligible.' },
      { name: 'byLogit', type: 'boolean', default: false, description: 'Scale the probability by σ(logit), so proposals D likes are kept more often.' },
      {
        name: 'countFrom',
        type: 'enum',
        values: ['start', 'end'],
        default: 'start',
        description: 'Count the every-n-th eligible proposals from the start or from the end of each batch.',
      },
    ],
    start: (params) => {
      const acceptance = params.acceptance as number;
      const every = params.every as number;
      const byLogit = params.byLogit === true;
      const fromEnd = params.countFrom === 'end';
      return {
        decide: (logits) => logits.map((l, i) => ((fromEnd ? logits.length - 1 - i : i) % every === 0 ? acceptance * (byLogit ? sigmoid(l) : 1) : 0)),
        report: () => ({}),
      };
    },
  };
}

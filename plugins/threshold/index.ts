/**
 * Keeps a proposal when its logit is at least τ (docs/sampling.md, "The threshold baseline"). Tails
 * where p_d/p_g is small but nonzero vanish instead of being down-weighted.
 */
import { SAMPLER_CONTRACT_VERSION, SamplerParameterError, percentile, type SamplerPlugin } from '../../src/contracts.js';

const NAME = 'threshold';

export function createThresholdSampler(): SamplerPlugin<number> {
  return {
    contractVersion: SAMPLER_CONTRACT_VERSION,
    name: NAME,
    description: 'Accepts a sample when its discriminator logit is at least a threshold τ, given directly (logitThreshold) or as a percentile of burn-in logits.',
    parameters: [
      { name: 'logitThreshold', type: 'float', min: -1e6, max: 1e6, description: 'τ as a logit value. Excludes `percentile`.' },
      { name: 'percentile', type: 'float', default: 50, min: 0, max: 100, description: 'τ as this percentile (0–100) of the burn-in logits; used when logitThreshold is not given.' },
      { name: 'burnInSamples', type: 'int', default: 10_000, min: 100, max: 1_000_000, description: 'Generator samples in the burn-in that the percentile is taken over (cached per model).' },
    ],
    validate(params, given) {
      if (given.has('logitThreshold') && given.has('percentile')) {
        throw new SamplerParameterError(NAME, 'percentile', 'give either logitThreshold or percentile, not both');
      }
    },
    async prepare(params, context) {
      if (params.logitThreshold !== undefined) return params.logitThreshold as number;
      const burnIn = await context.burnIn(params.burnInSamples as number);
      return percentile(burnIn.logits, params.percentile as number);
    },
    start(_params, tau) {
      return {
        decide: (logits) => logits.map((l) => (l >= tau ? 1 : 0)),
        report: () => ({ details: { logitThreshold: tau } }),
      };
    },
  };
}

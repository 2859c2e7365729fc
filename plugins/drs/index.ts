/**
 * Discriminator Rejection Sampling (Azadi et al., 2019), exactly as in docs/sampling.md, "DRS step by step":
 * burn-in for D̃_M, a running max updated before each acceptance probability, F̂ in float64
 * with a stable log1mexp, and γ either fixed (`gamma: 0` is exact rejection sampling) or the
 * `gammaPercentile`-th percentile of F over each batch.
 */
import { SAMPLER_CONTRACT_VERSION, SamplerParameterError, percentile, type SamplerPlugin } from '../../src/contracts.js';
import { drsF, sigmoid } from './math.js';

const NAME = 'drs';

export function createDrsSampler(): SamplerPlugin<number> {
  return {
    contractVersion: SAMPLER_CONTRACT_VERSION,
    name: NAME,
    description:
      'Discriminator Rejection Sampling: accepts x with probability σ(F̂(x)), using D’s logit as a log density ratio. ' +
      'gamma: 0 is exact rejection sampling; by default γ is the 95th percentile of F per batch (the published practice), trading exactness for acceptance rate.',
    parameters: [
      { name: 'burnInSamples', type: 'int', default: 10_000, min: 100, max: 1_000_000, description: 'Generator samples used to estimate D̃_M before sampling (cached per model).' },
      { name: 'epsilon', type: 'float', default: 1e-6, min: 1e-12, max: 0.1, description: 'ε in log(1 − exp(D̃ − D̃_M − ε)); keeps F̂ finite at the running max.' },
      { name: 'gamma', type: 'float', min: -1000, max: 1000, description: 'Fixed γ (logit shift). 0 = exact rejection sampling. Excludes gammaPercentile.' },
      { name: 'gammaPercentile', type: 'float', default: 95, min: 0, max: 100, description: 'γ as this percentile (0–100) of F over each batch; used when gamma is not given.' },
    ],
    validate(params, given) {
      if (given.has('gamma') && given.has('gammaPercentile')) {
        throw new SamplerParameterError(NAME, 'gamma', 'give either gamma or gammaPercentile, not both');
      }
    },
    async prepare(params, context) {
      const burnIn = await context.burnIn(params.burnInSamples as number);
      return burnIn.logitMax;
    },
    start(params, burnInLogitMax) {
      const epsilon = params.epsilon as number;
      const fixedGamma = params.gamma as number | undefined;
      const q = params.gammaPercentile as number;
      let logitMax = burnInLogitMax;
      let gamma: number | undefined = fixedGamma;
      return {
        decide(logits) {
          const f = new Float64Array(logits.length);
          for (let i = 0; i < logits.length; i++) {
            const l = logits[i] as number;
            if (l > logitMax) logitMax = l; // running max, before p (never a look-ahead)
            f[i] = drsF(l, logitMax, epsilon);
          }
          gamma = fixedGamma ?? percentile(f, q);
          const g = gamma;
          return f.map((v) => sigmoid(v - g));
        },
        report: () => ({ logitMax, ...(gamma === undefined ? {} : { gamma }) }),
      };
    },
  };
}

/**
 * Discriminator Rejection Sampling (Azadi et al., 2019), exactly as in docs/sampling.md, "DRS step by step":
 * burn-in for D̃_M, a running max updated before each acceptance probability, F̂ in float64
 * with a stable log1mexp, and γ either fixed (`gamma: 0` is exact rejection sampling) or the
 * `gammaPercentile`-th percentile of F over each batch. With a fixed γ a `sample` query re-thins
 * what it accepted under a lower max (`rethin`, docs/sampling.md, "Exact means exact").
 */
import {
  SAMPLER_CONTRACT_VERSION,
  SamplerParameterError,
  calibrationParameter,
  checkCalibration,
  emitAccepted,
  percentile,
  type CalibrationMethod,
  type Calibrator,
  type SamplerParams,
  type SamplerPlugin,
  type SamplerState,
} from '../../src/contracts.js';
import { drsF, sigmoid } from './math.js';

const NAME = 'drs';

interface Prepared {
  /** D̃_M of the burn-in, on the calibrated scale. */
  readonly logitMax: number;
  readonly calibrator: Calibrator;
}

export function createDrsSampler(): SamplerPlugin<Prepared> {
  return {
    contractVersion: SAMPLER_CONTRACT_VERSION,
    name: NAME,
    description:
      'Discriminator Rejection Sampling: accepts x with probability σ(F̂(x)), using D’s logit as a log density ratio. ' +
      'gamma: 0 is exact rejection sampling; by default γ is the 95th percentile of F per batch (the published practice), trading exactness for acceptance rate.',
    monotone: true,
    parameters: [
      {
        name: 'burnInSamples',
        type: 'int',
        default: 100_000,
        min: 100,
        max: 1_000_000,
        description: 'Generator samples used to estimate D̃_M before sampling (cached per model and size).',
      },
      {
        name: 'epsilon',
        type: 'float',
        default: 1e-6,
        min: 1e-12,
        max: 0.1,
        description: 'ε in log(1 − exp(D̃ − D̃_M − ε)); keeps F̂ finite at the running max.',
      },
      { name: 'gamma', type: 'float', min: -1000, max: 1000, description: 'Fixed γ (logit shift). 0 = exact rejection sampling. Excludes gammaPercentile.' },
      {
        name: 'gammaPercentile',
        type: 'float',
        default: 95,
        min: 0,
        max: 100,
        description: 'γ as this percentile (0–100) of F over each batch; used when gamma is not given.',
      },
      calibrationParameter(),
    ],
    validate(params, given, model) {
      if (given.has('gamma') && given.has('gammaPercentile')) {
        throw new SamplerParameterError(NAME, 'gamma', 'give either gamma or gammaPercentile, not both');
      }
      checkCalibration(NAME, params.calibration, model);
    },
    async prepare(params, context) {
      const calibrator = await context.calibrator(params.calibration as CalibrationMethod);
      const burnIn = await context.burnIn(params.burnInSamples as number);
      return { logitMax: calibrator.logit(burnIn.logitMax), calibrator }; // calibrators are non-decreasing
    },
    start: (params, prepared) => drsState(drsOptions(params, prepared)),
    // The snapshot is the running max D̃_M and the latest γ: the burn-in's D̃_M is recomputed by `prepare`, then replaced.
    restore(params, prepared, _context, snapshot) {
      const { logitMax, gamma } = (snapshot ?? {}) as { logitMax?: unknown; gamma?: unknown };
      if (typeof logitMax !== 'number' || !Number.isFinite(logitMax) || logitMax < prepared.logitMax) {
        throw new Error(`drs snapshot: logitMax must be a finite number at least the burn-in's ${prepared.logitMax}, got ${String(logitMax)}`);
      }
      if (gamma !== undefined && (typeof gamma !== 'number' || !Number.isFinite(gamma))) throw new Error('drs snapshot: gamma must be a finite number');
      return drsState({ ...drsOptions(params, prepared), logitMax }, gamma);
    },
  };
}

function drsOptions(params: SamplerParams, prepared: Prepared): DrsOptions {
  return { epsilon: params.epsilon as number, gamma: params.gamma as number | undefined, gammaPercentile: params.gammaPercentile as number, ...prepared };
}

interface DrsOptions extends Prepared {
  readonly epsilon: number;
  readonly gamma: number | undefined;
  readonly gammaPercentile: number;
}

function drsState({ epsilon, gamma: fixedGamma, gammaPercentile, logitMax: start, calibrator }: DrsOptions, lastGamma?: number): SamplerState {
  let logitMax = start;
  let gamma: number | undefined = lastGamma ?? fixedGamma;
  return {
    step(round) {
      const { logits } = round;
      const f = new Float64Array(logits.length);
      for (let i = 0; i < logits.length; i++) {
        const l = calibrator.logit(logits[i] as number);
        if (l > logitMax) logitMax = l; // running max, before p (never a look-ahead)
        f[i] = drsF(l, logitMax, epsilon);
      }
      gamma = fixedGamma ?? percentile(f, gammaPercentile); // selects on a copy: f keeps its order
      const g = gamma;
      for (let i = 0; i < f.length; i++) f[i] = sigmoid((f[i] as number) - g); // F → p in place, no second array
      return emitAccepted(round, f);
    },
    rethin(outputs) {
      if (fixedGamma === undefined) return null; // a per-batch γ has no single target to re-thin towards
      const g = fixedGamma;
      return outputs.logits.map((raw, i) => {
        const now = sigmoid(drsF(calibrator.logit(raw), logitMax, epsilon) - g);
        const then = outputs.probabilities[i] as number;
        return then > 0 ? Math.min(1, now / then) : 1;
      });
    },
    report: () => ({ logitMax, ...(gamma === undefined ? {} : { gamma }) }),
    snapshot: () => ({ logitMax, ...(gamma === undefined ? {} : { gamma }) }),
  };
}

/**
 * Keeps a proposal when its (calibrated) logit is at least τ (docs/sampling.md, "The threshold
 * baseline"). Tails where p_d/p_g is small but nonzero vanish instead of being down-weighted.
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
  type SamplerPlugin,
  type SamplerState,
} from '../../src/contracts.js';

const NAME = 'threshold';

interface Prepared {
  readonly tau: number;
  readonly calibrator: Calibrator;
}

export function createThresholdSampler(): SamplerPlugin<Prepared> {
  return {
    contractVersion: SAMPLER_CONTRACT_VERSION,
    name: NAME,
    description:
      'Accepts a sample when its discriminator logit is at least a threshold τ, given directly (logitThreshold) or as a percentile of burn-in logits.',
    monotone: true,
    parameters: [
      {
        name: 'logitThreshold',
        type: 'float',
        min: -1e6,
        max: 1e6,
        description: 'τ as a logit value (on the calibrated scale when calibrated). Excludes `percentile`.',
      },
      {
        name: 'percentile',
        type: 'float',
        default: 50,
        min: 0,
        max: 100,
        description: 'τ as this percentile (0–100) of the burn-in logits; used when logitThreshold is not given.',
      },
      {
        name: 'burnInSamples',
        type: 'int',
        default: 10_000,
        min: 100,
        max: 1_000_000,
        description: 'Generator samples in the burn-in that the percentile is taken over (cached per model).',
      },
      calibrationParameter(),
    ],
    validate(params, given, model) {
      if (given.has('logitThreshold') && given.has('percentile')) {
        throw new SamplerParameterError(NAME, 'percentile', 'give either logitThreshold or percentile, not both');
      }
      checkCalibration(NAME, params.calibration, model);
    },
    async prepare(params, context) {
      const calibrator = await context.calibrator(params.calibration as CalibrationMethod);
      if (params.logitThreshold !== undefined) return { tau: params.logitThreshold as number, calibrator };
      const burnIn = await context.burnIn(params.burnInSamples as number);
      return {
        tau: percentile(
          burnIn.logits.map((l) => calibrator.logit(l)),
          params.percentile as number,
        ),
        calibrator,
      };
    },
    start: (_params, prepared) => thresholdState(prepared),
    // τ comes from the burn-in, recomputed identically by `prepare`: nothing changes during a run.
    restore: (_params, prepared) => thresholdState(prepared),
  };
}

function thresholdState({ tau, calibrator }: Prepared): SamplerState {
  return {
    step: (round) =>
      emitAccepted(
        round,
        round.logits.map((l) => (calibrator.logit(l) >= tau ? 1 : 0)),
      ),
    report: () => ({ details: { logitThreshold: tau } }),
    snapshot: () => ({}),
  };
}

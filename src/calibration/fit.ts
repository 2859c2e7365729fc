/**
 * Calibration of a model's D, as in the MH-GAN paper: D's logits on held-out real samples and
 * on as many fresh generated ones; Platt and isotonic calibrators fitted on one half of each,
 * judged on the other half (Z statistic and expected calibration error, before and after).
 */
import { CalibrationMethod, type Calibrator } from '../contracts.js';
import { Random } from '../random.js';
import { expectedCalibrationError, zStatistic } from './diagnostics.js';
import { fitIsotonic, isotonicProbability } from './isotonic.js';
import { fitPlatt, sigmoid } from './platt.js';

/** How one method did on the judging half. */
export interface CalibrationReport {
  readonly method: CalibrationMethod;
  /** Held-out real samples used: half to fit, half to judge, each against as many fresh generated samples. */
  readonly count: number;
  /** Z statistic of D's raw probabilities on the judging half, and of the calibrated ones. */
  readonly zBefore: number;
  readonly zAfter: number;
  /** Expected calibration error (10 bins), before and after. */
  readonly eceBefore: number;
  readonly eceAfter: number;
}

export interface CalibrationFit {
  readonly calibrators: ReadonlyMap<CalibrationMethod, Calibrator>;
  /** One per fitted method (platt, isotonic). */
  readonly reports: readonly CalibrationReport[];
}

export interface CalibrationData {
  /** D's raw logits on the held-out real samples (non-finite ones are skipped). */
  readonly realLogits: ArrayLike<number>;
  /** D's raw logits on fresh generated samples, as many as real ones. */
  readonly generatedLogits: ArrayLike<number>;
  /** Seeds the split of the real samples. */
  readonly seed: number;
}

const identity: Calibrator = { method: CalibrationMethod.NONE, logit: (raw) => raw };

const logit = (p: number): number => Math.log(p) - Math.log1p(-p);

export function fitCalibration({ realLogits, generatedLogits, seed }: CalibrationData): CalibrationFit {
  const real = shuffled(finite(realLogits), new Random(seed, 5));
  const generated = finite(generatedLogits);
  const half = Math.floor(Math.min(real.length, generated.length) / 2);
  if (half < 1) throw new RangeError(`calibration needs at least 2 finite real and 2 finite generated logits, got ${real.length} and ${generated.length}`);
  const fit = labelled(real.subarray(0, half), generated.subarray(0, half));
  const judge = labelled(real.subarray(half, 2 * half), generated.subarray(half, 2 * half));

  const platt = fitPlatt(fit.logits, fit.labels);
  const isotonic = fitIsotonic(fit.logits, fit.labels);
  const calibrators = new Map<CalibrationMethod, Calibrator>([
    [CalibrationMethod.NONE, identity],
    [CalibrationMethod.PLATT, { method: CalibrationMethod.PLATT, logit: (raw) => platt.a * raw + platt.b }],
    [CalibrationMethod.ISOTONIC, { method: CalibrationMethod.ISOTONIC, logit: (raw) => logit(isotonicProbability(isotonic, raw)) }],
  ]);

  const before = judge.logits.map(sigmoid);
  const reports = [CalibrationMethod.PLATT, CalibrationMethod.ISOTONIC].map((method): CalibrationReport => {
    const calibrator = calibrators.get(method)!;
    const after = judge.logits.map((l) => sigmoid(calibrator.logit(l)));
    return {
      method,
      count: realLogits.length,
      zBefore: zStatistic(before, judge.labels),
      zAfter: zStatistic(after, judge.labels),
      eceBefore: expectedCalibrationError(before, judge.labels),
      eceAfter: expectedCalibrationError(after, judge.labels),
    };
  });
  return { calibrators, reports };
}

function finite(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(Array.from(values).filter((v) => Number.isFinite(v)));
}

/** Fisher–Yates with a seeded stream. */
function shuffled(values: Float64Array, rng: Random): Float64Array {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const t = values[i]!;
    values[i] = values[j]!;
    values[j] = t;
  }
  return values;
}

function labelled(real: Float64Array, generated: Float64Array): { logits: Float64Array; labels: Float64Array } {
  const logits = new Float64Array(real.length + generated.length);
  logits.set(real);
  logits.set(generated, real.length);
  const labels = new Float64Array(logits.length);
  labels.fill(1, 0, real.length);
  return { logits, labels };
}

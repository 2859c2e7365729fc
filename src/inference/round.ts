/**
 * The G → D round as the rest of the engine sees it: what a worker needs to run a model, and
 * the discriminator's raw output turned into logits.
 */
import type { DiscriminatorOutput } from '../models/manifest.js';
import type { ReadyModel } from '../models/repository.js';
import type { WorkerModelSpec } from './protocol.js';

export function workerSpec(model: ReadyModel): WorkerModelSpec {
  return {
    id: model.id,
    generatorPath: model.generatorPath,
    discriminatorPath: model.discriminatorPath,
    ...model.signature,
    latentDim: model.manifest.latent.dim,
    outputShape: model.manifest.output.shape,
    latentGradientPath: model.latentGradientPath,
    remote: model.manifest.inference,
  };
}

/** Probabilities are clipped to [ε, 1 − ε] so that p = 0 or 1 gives a finite logit. */
const PROBABILITY_CLIP = 1e-7;

/**
 * D's raw scores → logits in float64. A probability outside [0, 1] (±Inf included) is not a
 * probability: it becomes NaN, counted as an invalid logit like any other.
 */
export function toLogits(raw: Float32Array, output: DiscriminatorOutput): Float64Array {
  const out = new Float64Array(raw.length);
  if (output === 'logit') {
    out.set(raw);
    return out;
  }
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i]!;
    if (!(v >= 0 && v <= 1)) {
      out[i] = NaN;
      continue;
    }
    const p = Math.min(1 - PROBABILITY_CLIP, Math.max(PROBABILITY_CLIP, v));
    out[i] = Math.log(p) - Math.log1p(-p);
  }
  return out;
}

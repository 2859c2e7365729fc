/**
 * The G → D round as the rest of the engine sees it: what a worker needs to run a model, and
 * the discriminator's raw output turned into logits.
 */
import type { DiscriminatorOutput } from '../models/manifest.js';
import type { ReadyModel } from '../models/repository.js';
import type { WorkerModelSpec } from './protocol.js';

/**
 * The worker spec of a model's rounds; for a class-conditional model, of its rounds of class
 * `classLabel` (G and D get it on every row). Each class is its own batching key, so a shared
 * batch never mixes classes; the worker shares one session pair across them.
 */
export function workerSpec(model: ReadyModel, classLabel: number | null = null): WorkerModelSpec {
  const { labelInput, ...signature } = model.signature;
  const spec = {
    id: model.id,
    generatorPath: model.generatorPath,
    discriminatorPath: model.discriminatorPath,
    ...signature,
    latentDim: model.manifest.latent.dim,
    outputShape: model.manifest.output.shape,
    latentGradientPath: model.latentGradientPath,
    remote: model.manifest.inference,
  };
  if (labelInput === undefined) {
    if (classLabel !== null) throw new Error(`model "${model.id}" is not class-conditional: no class ${classLabel}`);
    return spec;
  }
  if (classLabel === null) throw new Error(`model "${model.id}" is class-conditional: its rounds need a class`);
  return { ...spec, id: classBatchKey(model.id, classLabel), condition: { input: labelInput, label: classLabel } };
}

/** The batching key of a conditional model's class (also the model label the batcher reports; see `batchModelId`). */
export function classBatchKey(modelId: string, classLabel: number): string {
  return `${modelId}#class=${classLabel}`;
}

/** The model id behind a batching key (strips a class that `classBatchKey` added, given the known model ids). */
export function batchModelId(key: string, isModel: (id: string) => boolean): string {
  if (isModel(key)) return key;
  const at = key.lastIndexOf('#class=');
  return at > 0 && isModel(key.slice(0, at)) ? key.slice(0, at) : key;
}

/** Probabilities are clipped to [ε, 1 − ε] so that p = 0 or 1 gives a finite logit. */
const PROBABILITY_CLIP = 1e-7;

/**
 * D's raw scores → logits in float64. A probability outside [0, 1] (±Inf included) is not a
 * probability: it becomes NaN, counted as an invalid logit like any other.
 */
export function toLogits(raw: Float32Array, output: DiscriminatorOutput): Float64Array {
  return writeLogits(raw, output, new Float64Array(raw.length));
}

/** `toLogits` into `out` (as long as `raw`), which it returns. */
export function writeLogits(raw: Float32Array, output: DiscriminatorOutput, out: Float64Array): Float64Array {
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

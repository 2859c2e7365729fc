/**
 * The optional latent-gradient graph's values (manifest `latentGradient`; its signature is checked
 * in onnx-check.ts): on seeded latents its `x` and `logit` must be what G → D computes, and `grad`
 * finite. A graph for another pair, or a stale one after retraining, computes the gradient of the
 * wrong function, and the latent samplers would silently target something else: the model then
 * loads FAILED, with the first mismatch named. (tools/gradient checks `grad` itself against
 * autograd when it builds the graph.)
 */
import ort from 'onnxruntime-node';
import { toLogits } from '../inference/round.js';
import type { ModelManifest } from './manifest.js';
import { OnnxCheckError } from './model-error.js';
import { probeLatents } from './probe.js';

/** Rows pushed through both the graph and G → D at load. */
const CHECK_ROWS = 16;
/** Allowed |graph − pair| ≤ tolerance · (1 + |pair|): float32 kernels fused differently, not a different function. */
export const LATENT_GRADIENT_TOLERANCE = 1e-3;

/** Why the latent samplers cannot run on a model that names no graph. */
export const noLatentGradient = (id: string): string => `model "${id}" ships no latent-gradient graph (manifest "latentGradient")`;

export async function checkLatentGradientValues(
  manifest: ModelManifest,
  path: string,
  pair: {
    readonly generatorPath: string;
    readonly discriminatorPath: string;
    readonly generatorInput: string;
    readonly generatorOutput: string;
    readonly discriminatorInput: string;
    readonly discriminatorOutput: string;
    /** A class-conditional pair's int64 label input (every graph gets it too). */
    readonly labelInput?: string | undefined;
  },
): Promise<void> {
  const file = manifest.latentGradient ?? 'latentGradient';
  const options = { intraOpNumThreads: 1, interOpNumThreads: 1 };
  const sessions = await Promise.all([path, pair.generatorPath, pair.discriminatorPath].map((p) => ort.InferenceSession.create(p, options)));
  const [graph, generator, discriminator] = sessions as [ort.InferenceSession, ort.InferenceSession, ort.InferenceSession];
  try {
    const z = new ort.Tensor('float32', probeLatents(manifest.latent, CHECK_ROWS), [CHECK_ROWS, manifest.latent.dim]);
    // A conditional pair: every row gets a class (cycling through them), fed to all three graphs.
    const classes = manifest.conditioning?.labels.length ?? 0;
    const label = pair.labelInput === undefined ? null : new ort.Tensor('int64', BigInt64Array.from({ length: CHECK_ROWS }, (_, i) => BigInt(i % classes)), [CHECK_ROWS]);
    const withLabel = (feeds: Record<string, ort.Tensor>): Record<string, ort.Tensor> => (label === null ? feeds : { ...feeds, [pair.labelInput!]: label });
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await graph.run(withLabel({ z }));
    } catch (error) {
      throw new OnnxCheckError(file, `failed on a batch of ${CHECK_ROWS}: ${(error as Error).message.split('\n')[0]}`);
    }
    const x = (await generator.run(withLabel({ [pair.generatorInput]: z })))[pair.generatorOutput] as ort.Tensor;
    const d = (await discriminator.run(withLabel({ [pair.discriminatorInput]: x })))[pair.discriminatorOutput] as ort.Tensor;
    const logits = toLogits(d.data as Float32Array, manifest.discriminatorOutput); // the graph's logit is D's, as a logit
    const mismatch = firstMismatch(out.x!.data as Float32Array, x.data as Float32Array, 'x') ?? firstMismatch(out.logit!.data as Float32Array, logits, 'logit');
    if (mismatch) {
      throw new OnnxCheckError(file, `disagrees with G → D on ${CHECK_ROWS} seeded latents: ${mismatch} (allowed |Δ| ≤ ${LATENT_GRADIENT_TOLERANCE}·(1+|value|)); rebuild it from this pair`);
    }
    if (!(out.grad!.data as Float32Array).every(Number.isFinite)) throw new OnnxCheckError(file, `"grad" is NaN/±Inf on seeded latents`);
  } finally {
    await Promise.allSettled(sessions.map((s) => s.release()));
  }
}

function firstMismatch(graph: Float32Array, pair: ArrayLike<number>, what: string): string | null {
  for (let i = 0; i < graph.length; i++) {
    const a = graph[i]!;
    const b = pair[i]!;
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (!(Math.abs(a - b) <= LATENT_GRADIENT_TOLERANCE * (1 + Math.abs(b)))) return `"${what}" value ${i} is ${a}, G → D gives ${b}`;
  }
  return null;
}

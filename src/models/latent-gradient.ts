/**
 * The optional latent-gradient graph (manifest `latentGradient`): z → x = G(z), logit = d(G(z)),
 * grad = ∇_z d(G(z)). Checked at load against the pair itself; a graph that is missing, malformed
 * or disagrees with G → D leaves the model READY for the rejection samplers and makes the latent
 * samplers unavailable on it, with this check's message as the reason.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { toLogits } from '../inference/round.js';
import type { ModelManifest } from './manifest.js';
import { probeLatents } from './probe.js';

/** Tensor names of the graph (fixed by the format; tools/analytic and tools/gradient write them). */
export const LATENT_GRADIENT_IO = { input: 'z', sample: 'x', logit: 'logit', gradient: 'grad' } as const;

/** Rows pushed through both the graph and G → D at load. */
const CHECK_ROWS = 16;
/** Allowed |graph − pair| ≤ tolerance · (1 + |pair|): float32 kernels fused differently, not a different function. */
export const LATENT_GRADIENT_TOLERANCE = 1e-3;

/** What a model offers the latent samplers: the graph's path, or why there is none. */
export type LatentGradientStatus = { readonly path: string; readonly unavailable: null } | { readonly path: null; readonly unavailable: string };

export async function checkLatentGradient(
  manifest: ModelManifest,
  dir: string,
  pair: { readonly generatorPath: string; readonly discriminatorPath: string; readonly generatorInput: string; readonly generatorOutput: string; readonly discriminatorInput: string; readonly discriminatorOutput: string },
): Promise<LatentGradientStatus> {
  const file = manifest.latentGradient;
  if (file === undefined) return { path: null, unavailable: `model "${manifest.id}" ships no latent-gradient graph (manifest "latentGradient")` };
  const path = join(dir, file);
  const fail = (why: string): LatentGradientStatus => ({ path: null, unavailable: `${manifest.id}/${file}: ${why}` });
  if (!existsSync(path)) return fail('file not found (named in manifest.json "latentGradient")');
  const sessions: ort.InferenceSession[] = [];
  const open = async (p: string) => {
    const s = await ort.InferenceSession.create(p, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    sessions.push(s);
    return s;
  };
  try {
    let graph: ort.InferenceSession;
    try {
      graph = await open(path);
    } catch (error) {
      return fail(`cannot be loaded by onnxruntime: ${(error as Error).message.split('\n')[0]}`);
    }
    const { input, sample, logit, gradient } = LATENT_GRADIENT_IO;
    if (!graph.inputNames.includes(input)) return fail(`needs input "${input}" [batch, ${manifest.latent.dim}], found ${graph.inputNames.map((n) => `"${n}"`).join(', ')}`);
    for (const name of [sample, logit, gradient]) {
      if (!graph.outputNames.includes(name)) return fail(`needs outputs "x", "logit" and "grad"; "${name}" is missing (found ${graph.outputNames.map((n) => `"${n}"`).join(', ')})`);
    }
    const dim = manifest.latent.dim;
    const z = probeLatents(manifest.latent, CHECK_ROWS);
    const [generator, discriminator] = await Promise.all([open(pair.generatorPath), open(pair.discriminatorPath)]);
    const zTensor = new ort.Tensor('float32', z, [CHECK_ROWS, dim]);
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await graph.run({ [input]: zTensor });
    } catch (error) {
      return fail(`failed on a batch of ${CHECK_ROWS}: ${(error as Error).message.split('\n')[0]}`);
    }
    const x = (await generator.run({ [pair.generatorInput]: zTensor }))[pair.generatorOutput] as ort.Tensor;
    const d = (await discriminator.run({ [pair.discriminatorInput]: x }))[pair.discriminatorOutput] as ort.Tensor;
    const graphX = out[sample] as ort.Tensor;
    const graphLogit = out[logit] as ort.Tensor;
    const graphGrad = out[gradient] as ort.Tensor;
    if (graphX.size !== x.size) return fail(`"x" has ${graphX.size} values for ${CHECK_ROWS} rows, G gives ${x.size}`);
    if (graphLogit.size !== CHECK_ROWS) return fail(`"logit" has ${graphLogit.size} values for ${CHECK_ROWS} rows, expected one per row`);
    if (graphGrad.size !== CHECK_ROWS * dim) return fail(`"grad" has ${graphGrad.size} values for ${CHECK_ROWS} rows, expected ${CHECK_ROWS * dim} (latent.dim ${dim} per row)`);
    // The graph's logit is D's raw logit: compare it to D's output as a logit (a probability-output D is converted).
    const pairLogits = toLogits(d.data as Float32Array, manifest.discriminatorOutput);
    const mismatch = firstMismatch(graphX.data as Float32Array, x.data as Float32Array) ?? firstMismatch(graphLogit.data as Float32Array, pairLogits, 'logit');
    if (mismatch) return fail(`disagrees with G → D on seeded latents: ${mismatch} (allowed |Δ| ≤ ${LATENT_GRADIENT_TOLERANCE}·(1+|value|))`);
    if (!(graphGrad.data as Float32Array).every(Number.isFinite)) return fail(`"grad" is NaN/±Inf on seeded latents`);
    return { path, unavailable: null };
  } finally {
    await Promise.allSettled(sessions.map((s) => s.release()));
  }
}

function firstMismatch(graph: Float32Array, pair: ArrayLike<number>, what = 'x'): string | null {
  for (let i = 0; i < graph.length; i++) {
    const a = graph[i]!;
    const b = pair[i]!;
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (!(Math.abs(a - b) <= LATENT_GRADIENT_TOLERANCE * (1 + Math.abs(b)))) return `"${what}" value ${i} is ${a}, G → D gives ${b}`;
  }
  return null;
}

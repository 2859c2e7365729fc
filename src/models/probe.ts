/**
 * The load-time probe: a fixed, seeded batch through G → D, so that a pair which cannot give
 * usable, per-row scores is FAILED at load rather than breaking samplers later.
 *
 * - G must produce at least one all-finite sample, D at least one valid score: a few invalid
 *   scores are fine (runs count them as rejections), all of them means the model is broken.
 * - A class-conditional pair gets label r mod (number of labels) on probe row r, in G and D alike.
 * - Each row must be computed alone: the first rows are run again as their own batch, in
 *   reverse order, and must match. Batch-dependent rows (BatchNorm in training mode, minibatch
 *   statistics) break seeded runs, the shared batcher and DRS itself.
 */
import ort from 'onnxruntime-node';
import type { LatentDistribution, ModelManifest } from './manifest.js';
import { Random } from '../random.js';
import { OnnxCheckError } from './model-error.js';

/** Rows in the probe batch; cheap even for the bundled 28×28 DCGAN. */
export const PROBE_ROWS = 64;
/** Rows re-run as their own batch for the batch-independence check. */
export const PROBE_SUBSET_ROWS = 8;
const PROBE_SEED = 0x9e0be;
/**
 * The same row in two batch compositions may differ by |Δ| ≤ BATCH_TOLERANCE·(1 + |value|):
 * kernels may sum in a different order per batch size, far below what batch statistics change.
 */
export const BATCH_TOLERANCE = 1e-4;

/** One open session of the pair and its tensor names. */
export interface ProbeSession {
  readonly session: ort.InferenceSession;
  readonly input: string;
  readonly output: string;
  /** The file as named in the manifest, for messages. */
  readonly file: string;
}

export interface ProbeOptions {
  readonly manifest: ModelManifest;
  readonly generator: ProbeSession;
  readonly discriminator: ProbeSession;
}

/** What the probe saw, kept on READY models. */
export interface ProbeReport {
  readonly rows: number;
  /** Probe samples with any NaN/±Inf value. */
  readonly nonFiniteSamples: number;
  /** D scores that are NaN/±Inf (or outside [0, 1] for a probability output). */
  readonly invalidScores: number;
}

/** The probe's latents: deterministic, drawn from the manifest's latent distribution. */
export function probeLatents(latent: { readonly dim: number; readonly distribution: LatentDistribution }, rows = PROBE_ROWS): Float32Array {
  return new Random(PROBE_SEED).latents(rows, latent.dim, latent.distribution);
}

/** Runs the probe; throws OnnxCheckError naming the file at fault. */
export async function probePair({ manifest, generator, discriminator }: ProbeOptions): Promise<ProbeReport> {
  const rows = PROBE_ROWS;
  const dim = manifest.latent.dim;
  const sampleSize = manifest.output.shape.reduce((a, b) => a * b, 1);
  const z = probeLatents(manifest.latent, rows);
  const labels = probeLabels(manifest, rows);
  const x = await runGenerator(generator, { z, rows, dim, shape: manifest.output.shape, labels });

  let nonFiniteSamples = 0;
  for (let r = 0; r < rows; r++) if (!x.subarray(r * sampleSize, (r + 1) * sampleSize).every(Number.isFinite)) nonFiniteSamples++;
  if (nonFiniteSamples === rows) {
    throw new OnnxCheckError(generator.file, `every probe sample contains NaN/±Inf (${rows} of ${rows} samples from ${rows} seeded latents); the generator is broken`);
  }
  const subsetLabels = labels && reversedLabels(labels);
  const xSubset = await runGenerator(generator, { z: reversedRows(z, dim), rows: PROBE_SUBSET_ROWS, dim, shape: manifest.output.shape, labels: subsetLabels });
  checkBatchIndependent({ file: generator.file, role: 'the generator computes', full: x, subset: xSubset, width: sampleSize });

  const scores = await runDiscriminator(discriminator, { x, rows, shape: manifest.output.shape, generatorFile: generator.file, labels });
  const probability = manifest.discriminatorOutput === 'probability';
  const counts = { nan: 0, inf: 0, outside: 0 };
  for (const s of scores) {
    if (Number.isNaN(s)) counts.nan++;
    else if (!Number.isFinite(s)) counts.inf++;
    else if (probability && (s < 0 || s > 1)) counts.outside++;
  }
  const invalidScores = counts.nan + counts.inf + counts.outside;
  if (invalidScores === rows) {
    const detail = probability
      ? `${rows} of ${rows} are NaN/±Inf or outside [0, 1] (${counts.nan} NaN, ${counts.inf} ±Inf, ${counts.outside} outside [0, 1]); a probability-output discriminator must return values in [0, 1]`
      : `${rows} of ${rows} are NaN/±Inf (${counts.nan} NaN, ${counts.inf} ±Inf); a discriminator must return finite logits`;
    throw new OnnxCheckError(discriminator.file, `every probe score is invalid on ${generator.file}'s output for ${rows} seeded latents: ${detail}`);
  }
  const subsetScores = await runDiscriminator(discriminator, {
    x: reversedRows(x, sampleSize),
    rows: PROBE_SUBSET_ROWS,
    shape: manifest.output.shape,
    generatorFile: generator.file,
    labels: subsetLabels,
  });
  checkBatchIndependent({ file: discriminator.file, role: 'the discriminator scores', full: scores, subset: subsetScores, width: 1 });
  return { rows, nonFiniteSamples, invalidScores };
}

/** The probe's labels (row r gets r mod the number of labels) under the manifest's label input; null for an unconditional model. */
function probeLabels(manifest: ModelManifest, rows: number): ProbeLabels | null {
  const c = manifest.conditioning;
  if (!c) return null;
  return { input: c.input, values: BigInt64Array.from({ length: rows }, (_, r) => BigInt(r % c.labels.length)) };
}

interface ProbeLabels {
  readonly input: string;
  readonly values: BigInt64Array;
}

function reversedLabels(labels: ProbeLabels): ProbeLabels {
  return { input: labels.input, values: labels.values.slice(0, PROBE_SUBSET_ROWS).reverse() };
}

/** The label input of a batch of `rows`, or nothing. */
function labelFeed(labels: ProbeLabels | null | undefined, rows: number): Record<string, ort.Tensor> {
  return labels ? { [labels.input]: new ort.Tensor('int64', labels.values.slice(0, rows), [rows]) } : {};
}

async function runGenerator(
  g: ProbeSession,
  { z, rows, dim, shape, labels }: { z: Float32Array; rows: number; dim: number; shape: readonly number[]; labels: ProbeLabels | null | undefined },
): Promise<Float32Array> {
  let x: ort.Tensor;
  try {
    const feeds = { [g.input]: new ort.Tensor('float32', z.subarray(0, rows * dim), [rows, dim]), ...labelFeed(labels, rows) };
    x = (await g.session.run(feeds))[g.output] as ort.Tensor;
  } catch (error) {
    throw new OnnxCheckError(g.file, `failed on a batch of ${rows}: ${(error as Error).message.split('\n')[0]}`);
  }
  const expected = [rows, ...shape];
  if (x.dims.length !== expected.length || x.dims.some((v, i) => v !== expected[i])) {
    throw new OnnxCheckError(g.file, `produced shape [${x.dims.join(', ')}] for a batch of ${rows}, expected [${expected.join(', ')}]`);
  }
  return x.data as Float32Array;
}

async function runDiscriminator(
  d: ProbeSession,
  {
    x,
    rows,
    shape,
    generatorFile,
    labels,
  }: { x: Float32Array; rows: number; shape: readonly number[]; generatorFile: string; labels: ProbeLabels | null | undefined },
): Promise<Float32Array> {
  const size = shape.reduce((a, b) => a * b, 1);
  let scores: ort.Tensor;
  try {
    const feeds = { [d.input]: new ort.Tensor('float32', x.subarray(0, rows * size), [rows, ...shape]), ...labelFeed(labels, rows) };
    scores = (await d.session.run(feeds))[d.output] as ort.Tensor;
  } catch (error) {
    throw new OnnxCheckError(d.file, `failed on ${generatorFile}'s output: ${(error as Error).message.split('\n')[0]}`);
  }
  if (scores.size !== rows) throw new OnnxCheckError(d.file, `produced ${scores.size} values for a batch of ${rows}, expected one per sample`);
  return scores.data as Float32Array;
}

/** The first PROBE_SUBSET_ROWS rows (of `width` values each), last first. */
function reversedRows(data: Float32Array, width: number): Float32Array {
  const out = new Float32Array(PROBE_SUBSET_ROWS * width);
  for (let r = 0; r < PROBE_SUBSET_ROWS; r++) out.set(data.subarray(r * width, (r + 1) * width), (PROBE_SUBSET_ROWS - 1 - r) * width);
  return out;
}

/** Throws unless each subset row matches its row in the full probe batch. */
function checkBatchIndependent({ file, role, full, subset, width }: { file: string; role: string; full: Float32Array; subset: Float32Array; width: number }): void {
  for (let r = 0; r < PROBE_SUBSET_ROWS; r++) {
    const at = (PROBE_SUBSET_ROWS - 1 - r) * width;
    for (let j = 0; j < width; j++) {
      const a = full[r * width + j]!;
      const b = subset[at + j]!;
      if (sameValue(a, b)) continue;
      const where = width === 1 ? `probe row ${r}` : `probe row ${r}, value ${j}`;
      throw new OnnxCheckError(
        file,
        `${role} each row depending on the other rows in its batch (${where}: ${a} in a batch of ${PROBE_ROWS}, ${b} in a batch of ${PROBE_SUBSET_ROWS} in reverse order; ` +
          `allowed |Δ| ≤ ${BATCH_TOLERANCE.toExponential(0)}·(1+|value|)). Each row must be computed alone: export the model in eval mode ` +
          '(model.eval() before torch.onnx.export), without BatchNorm in training mode or minibatch-statistics layers',
      );
    }
  }
}

function sameValue(a: number, b: number): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Object.is(a, b); // NaN matches NaN, ∞ the same ∞
  return Math.abs(a - b) <= BATCH_TOLERANCE * (1 + Math.abs(a));
}

/**
 * Checks a G/D pair's ONNX signatures against its manifest and against each other, then probes
 * the pair (probe.ts) to prove the files really compute usable, per-row values.
 */
import ort from 'onnxruntime-node';
import type { ModelManifest } from './manifest.js';
import { OnnxCheckError } from './model-error.js';
import { probePair, type ProbeReport } from './probe.js';

export { OnnxCheckError };

/** Tensor names of the pair, read from the files. */
export interface PairSignature {
  readonly generatorInput: string;
  readonly generatorOutput: string;
  readonly discriminatorInput: string;
  readonly discriminatorOutput: string;
  /** The int64 label input both G and D take (manifest `conditioning.input`); absent for an unconditional pair. */
  readonly labelInput?: string;
}

type Dim = number | string;

const isDynamic = (d: Dim | undefined): boolean => typeof d === 'string' || (typeof d === 'number' && d <= 0);
const fmt = (shape: readonly Dim[]): string => `[${shape.map((d) => (typeof d === 'string' ? d || '?' : d)).join(', ')}]`;

async function openSession(path: string, file: string): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  } catch (error) {
    throw new OnnxCheckError(file, `cannot be loaded by onnxruntime: ${(error as Error).message.split('\n')[0]}`);
  }
}

/**
 * A class-conditional model's inputs: the manifest's label input (int64, `[batch]`) and exactly
 * one other, the float32 data input, which is returned.
 */
function conditionedInput(metas: readonly ort.InferenceSession.ValueMetadata[], label: string, file: string) {
  const names = metas.map((m) => `"${m.name}"`).join(', ');
  const labelMeta = metas.find((m) => m.name === label);
  if (!labelMeta || metas.length !== 2) {
    throw new OnnxCheckError(
      file,
      `a class-conditional model's file must have exactly two inputs, the data and the int64 label "${label}" (manifest conditioning.input), found ${metas.length} (${names})`,
    );
  }
  if (!labelMeta.isTensor || labelMeta.type !== 'int64') {
    throw new OnnxCheckError(file, `label input "${label}" must be an int64 tensor, found ${labelMeta.isTensor ? labelMeta.type : 'a non-tensor'}`);
  }
  checkShape(labelMeta.shape, [], `label input "${label}"`, file);
  return singleTensor(
    metas.filter((m) => m !== labelMeta),
    'input besides the label',
    file,
  );
}

function singleTensor(metas: readonly ort.InferenceSession.ValueMetadata[], role: string, file: string) {
  if (metas.length !== 1) {
    throw new OnnxCheckError(file, `must have exactly one ${role}, found ${metas.length} (${metas.map((m) => `"${m.name}"`).join(', ')})`);
  }
  const meta = metas[0]!;
  if (!meta.isTensor) throw new OnnxCheckError(file, `${role} "${meta.name}" must be a tensor`);
  if (meta.type !== 'float32') throw new OnnxCheckError(file, `${role} "${meta.name}" must be float32, found ${meta.type}`);
  return meta;
}

/** Requires [batch, ...expected] with a dynamic batch axis; symbolic inner dims are accepted. */
function checkShape(shape: readonly Dim[], expected: readonly number[], what: string, file: string): void {
  if (shape.length === 0) throw new OnnxCheckError(file, `${what} declares no shape; expected ${fmt(['batch', ...expected])}`);
  if (shape.length !== expected.length + 1) {
    throw new OnnxCheckError(file, `${what} has rank ${shape.length} ${fmt(shape)}, expected rank ${expected.length + 1} ${fmt(['batch', ...expected])}`);
  }
  if (!isDynamic(shape[0])) {
    throw new OnnxCheckError(file, `${what} has shape ${fmt(shape)}: the batch axis (dim 0) must be dynamic, found fixed size ${shape[0]}`);
  }
  expected.forEach((size, i) => {
    const d = shape[i + 1];
    if (typeof d === 'number' && d > 0 && d !== size) {
      throw new OnnxCheckError(file, `${what} has shape ${fmt(shape)}, expected ${fmt(['batch', ...expected])} (dim ${i + 1} is ${d}, not ${size})`);
    }
  });
}

/** What the load-time check learned about a pair. */
export interface PairCheck {
  readonly signature: PairSignature;
  readonly probe: ProbeReport;
}

/**
 * Opens both files, checks names, types, ranks and sizes, and probes G → D. Sessions are
 * released before returning: inference happens in workers.
 */
export async function checkPair(manifest: ModelManifest, generatorPath: string, discriminatorPath: string): Promise<PairCheck> {
  const gFile = manifest.generator;
  const dFile = manifest.discriminator;
  const g = await openSession(generatorPath, gFile);
  let d: ort.InferenceSession | undefined;
  try {
    d = await openSession(discriminatorPath, dFile);
    const label = manifest.conditioning?.input;
    const gIn = label === undefined ? singleTensor(g.inputMetadata, 'input', gFile) : conditionedInput(g.inputMetadata, label, gFile);
    const gOut = singleTensor(g.outputMetadata, 'output', gFile);
    const dIn = label === undefined ? singleTensor(d.inputMetadata, 'input', dFile) : conditionedInput(d.inputMetadata, label, dFile);
    const dOut = singleTensor(d.outputMetadata, 'output', dFile);
    const outShape = manifest.output.shape;
    checkShape(gIn.shape, [manifest.latent.dim], `input "${gIn.name}" (latent.dim ${manifest.latent.dim})`, gFile);
    checkShape(gOut.shape, outShape, `output "${gOut.name}" (output.shape ${fmt(outShape)})`, gFile);
    checkShape(dIn.shape, outShape, `input "${dIn.name}" (must accept ${gFile}'s output ${fmt(gOut.shape)})`, dFile);
    if (dOut.shape.length === 2) checkShape(dOut.shape, [1], `output "${dOut.name}"`, dFile);
    else checkShape(dOut.shape, [], `output "${dOut.name}" (one logit per sample)`, dFile);

    // A real run: symbolic inner dims, broken graphs and batch-dependent rows only show up then.
    const probe = await probePair({
      manifest,
      generator: { session: g, input: gIn.name, output: gOut.name, file: gFile },
      discriminator: { session: d, input: dIn.name, output: dOut.name, file: dFile },
    });
    const signature = { generatorInput: gIn.name, generatorOutput: gOut.name, discriminatorInput: dIn.name, discriminatorOutput: dOut.name };
    return { signature: label === undefined ? signature : { ...signature, labelInput: label }, probe };
  } finally {
    await g.release();
    await d?.release();
  }
}

/** Tensor names the latent-gradient graph must have (tools/gradient writes them). */
export const LATENT_GRADIENT_NAMES = { input: 'z', x: 'x', logit: 'logit', grad: 'grad' } as const;

/**
 * Checks the optional latent-gradient graph's signature: one float32 input `z` [batch, latent.dim];
 * float32 outputs `x` [batch, ...output.shape], `logit` [batch, 1] and `grad` [batch, latent.dim].
 * Its values are checked when it is built (tools/gradient) and by test/models; the session is released.
 */
export async function checkLatentGradient(manifest: ModelManifest, path: string): Promise<void> {
  const file = manifest.latentGradient ?? 'latentGradient';
  const s = await openSession(path, file);
  try {
    const names = LATENT_GRADIENT_NAMES;
    const label = manifest.conditioning?.input;
    const z = label === undefined ? singleTensor(s.inputMetadata, 'input', file) : conditionedInput(s.inputMetadata, label, file);
    if (z.name !== names.input) throw new OnnxCheckError(file, `input must be named "${names.input}", found "${z.name}"`);
    checkShape(z.shape, [manifest.latent.dim], `input "z" (latent.dim ${manifest.latent.dim})`, file);
    const outputs = new Map(s.outputMetadata.map((m) => [m.name, m]));
    const expected: [string, readonly number[], string][] = [
      [names.x, manifest.output.shape, `output.shape ${fmt(manifest.output.shape)}`],
      [names.logit, [1], 'one logit per sample'],
      [names.grad, [manifest.latent.dim], `latent.dim ${manifest.latent.dim}`],
    ];
    const missing = expected.map(([n]) => n).filter((n) => !outputs.has(n));
    if (missing.length > 0) {
      throw new OnnxCheckError(file, `must have outputs "x", "logit" and "grad"; missing ${missing.map((n) => `"${n}"`).join(', ')} (found ${[...outputs.keys()].map((n) => `"${n}"`).join(', ')})`);
    }
    for (const [name, shape, what] of expected) {
      const meta = outputs.get(name)!;
      if (!meta.isTensor || meta.type !== 'float32') throw new OnnxCheckError(file, `output "${name}" must be a float32 tensor`);
      checkShape(meta.shape, shape, `output "${name}" (${what})`, file);
    }
  } finally {
    await s.release();
  }
}

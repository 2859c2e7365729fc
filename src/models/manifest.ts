/**
 * `manifest.json`: the format tools outside this project write to describe a G/D pair.
 * Parsing collects every problem at once, each naming its field.
 */

/** How latents are drawn: standard normal, or uniform on [−1, 1]. */
export const LatentDistribution = { NORMAL: 'normal', UNIFORM: 'uniform' } as const;
export type LatentDistribution = (typeof LatentDistribution)[keyof typeof LatentDistribution];

/** What one sample is: a flat vector, or an image [channels, height, width]. */
export const OutputKind = { VECTOR: 'vector', IMAGE: 'image' } as const;
export type OutputKind = (typeof OutputKind)[keyof typeof OutputKind];

/** What D outputs: a logit, or a probability (converted with a clipped logit). */
export const DiscriminatorOutput = { LOGIT: 'logit', PROBABILITY: 'probability' } as const;
export type DiscriminatorOutput = (typeof DiscriminatorOutput)[keyof typeof DiscriminatorOutput];

const oneOf = <T extends string>(table: Readonly<Record<string, T>>, v: unknown): v is T => Object.values(table).includes(v as T);
const listOf = (table: Readonly<Record<string, string>>): string => Object.values(table).map((v) => `"${v}"`).join(' or ');

export interface Mixture2dSpec {
  readonly centers: readonly (readonly [number, number])[];
  readonly sigma: number;
}

export interface ClassifierSpec {
  readonly file: string;
  readonly input: string;
  readonly featuresOutput: string;
  readonly logitsOutput: string;
  readonly realFeatures: string;
  readonly classes: readonly string[];
  readonly testAccuracy?: number;
}

/** What a class-conditional model declares: the int64 input both G and D take, and the class names. */
export interface ClassConditioning {
  readonly kind: 'class';
  /** Name of the int64 `[batch]` input of both the generator and the discriminator. */
  readonly input: string;
  /** Class names; label k (0-based) is `labels[k]`. */
  readonly labels: readonly string[];
}

export interface ModelManifest {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly generator: string;
  readonly discriminator: string;
  readonly latent: { readonly dim: number; readonly distribution: LatentDistribution };
  readonly output: {
    readonly shape: readonly number[];
    readonly kind: OutputKind;
    /** Value range of image pixels, e.g. [-1, 1]. Required for images. */
    readonly range?: readonly [number, number];
  };
  readonly discriminatorOutput: DiscriminatorOutput;
  /** Optional evaluation data; blocks unknown to this version are kept as they are. */
  readonly evaluation?: {
    readonly mixture2d?: Mixture2dSpec;
    readonly classifier?: ClassifierSpec;
    readonly [block: string]: unknown;
  };
  /** Held-out real samples (raw little-endian float32, row-major) for calibration; `labels`: their classes (int64), for a class-conditional model. */
  readonly calibration?: { readonly realSamples: string; readonly count: number; readonly labels?: string };
  /** A class-conditional model: G takes (z, label), D scores (x, label); label k is `labels[k]`. */
  readonly conditioning?: ClassConditioning;
  /** Where a remote backend runs this model: its server (instead of `INFERENCE_URL`) and its name there. */
  readonly inference?: { readonly url?: string; readonly model?: string };
  /**
   * Optional latent-gradient graph (tools/gradient): input `z` [batch, latent.dim]; outputs `x` = G(z),
   * `logit` = d(G(z)) [batch, 1] and `grad` = ∇_z d(G(z)) [batch, latent.dim].
   * The latent samplers (ddls, dot) need it.
   */
  readonly latentGradient?: string;
  readonly [extra: string]: unknown;
}

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
  }
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPositiveInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
const show = (v: unknown): string => (v === undefined ? 'missing' : JSON.stringify(v));

/** Validates parsed JSON against the manifest format; throws ManifestError listing every problem. */
export function parseManifest(raw: unknown, file: string, expectedId?: string): ModelManifest {
  const problems: string[] = [];
  const need = (ok: boolean, message: string): void => {
    if (!ok) problems.push(message);
  };
  if (!isObject(raw)) throw new ManifestError(file, ['must be a JSON object']);

  for (const key of ['id', 'title', 'generator', 'discriminator'] as const) {
    need(typeof raw[key] === 'string' && raw[key] !== '', `"${key}" must be a non-empty string, got ${show(raw[key])}`);
  }
  need(raw.description === undefined || typeof raw.description === 'string', `"description" must be a string`);
  if (expectedId !== undefined && typeof raw.id === 'string') {
    need(raw.id === expectedId, `"id" is "${raw.id}" but the folder is "${expectedId}"; they must match`);
  }
  need(
    raw.latentGradient === undefined || (typeof raw.latentGradient === 'string' && raw.latentGradient !== ''),
    `"latentGradient" must be a non-empty string (an ONNX file in the model folder), got ${show(raw.latentGradient)}`,
  );
  for (const key of ['generator', 'discriminator', 'latentGradient'] as const) {
    const f = raw[key];
    if (typeof f === 'string') need(!f.includes('..') && !f.startsWith('/'), `"${key}" must be a file inside the model folder, got ${show(f)}`);
  }

  const latent = raw.latent;
  if (!isObject(latent)) problems.push(`"latent" must be an object like {"dim": 2, "distribution": "normal"}, got ${show(latent)}`);
  else {
    need(isPositiveInt(latent.dim), `"latent.dim" must be a positive integer, got ${show(latent.dim)}`);
    need(oneOf(LatentDistribution, latent.distribution), `"latent.distribution" must be ${listOf(LatentDistribution)}, got ${show(latent.distribution)}`);
  }

  const output = raw.output;
  if (!isObject(output)) problems.push(`"output" must be an object like {"shape": [2], "kind": "vector"}, got ${show(output)}`);
  else {
    const shape = output.shape;
    const shapeOk = Array.isArray(shape) && shape.length > 0 && shape.every(isPositiveInt);
    need(shapeOk, `"output.shape" must be a non-empty array of positive integers, got ${show(shape)}`);
    need(oneOf(OutputKind, output.kind), `"output.kind" must be ${listOf(OutputKind)}, got ${show(output.kind)}`);
    if (output.kind === OutputKind.IMAGE) {
      need(shapeOk && shape.length === 3 && [1, 3].includes(shape[0] as number), `"output.shape" of an image must be [channels, height, width] with 1 or 3 channels, got ${show(shape)}`);
      const range = output.range;
      need(
        Array.isArray(range) && range.length === 2 && range.every((x) => typeof x === 'number' && Number.isFinite(x)) && (range[0] as number) < (range[1] as number),
        `"output.range" of an image must be [low, high] with low < high, got ${show(range)}`,
      );
    }
  }

  need(oneOf(DiscriminatorOutput, raw.discriminatorOutput), `"discriminatorOutput" must be ${listOf(DiscriminatorOutput)}, got ${show(raw.discriminatorOutput)}`);

  if (raw.evaluation !== undefined) {
    if (!isObject(raw.evaluation)) problems.push(`"evaluation" must be an object`);
    else checkEvaluation(raw.evaluation, problems);
  }
  if (raw.calibration !== undefined) {
    const c = raw.calibration;
    need(isObject(c) && typeof c.realSamples === 'string' && isPositiveInt(c.count), `"calibration" must be {"realSamples": "<file>", "count": <positive integer>}, got ${show(c)}`);
    if (isObject(c) && c.labels !== undefined) {
      const ok = typeof c.labels === 'string' && c.labels !== '' && !c.labels.includes('..') && !c.labels.startsWith('/');
      need(ok, `"calibration.labels" must be a file inside the model folder, got ${show(c.labels)}`);
    }
  }
  if (raw.conditioning !== undefined) checkConditioning(raw.conditioning, raw.calibration, problems);
  else if (isObject(raw.calibration) && raw.calibration.labels !== undefined) {
    problems.push('"calibration.labels" is only for a class-conditional model: add "conditioning" or remove it');
  }

  if (raw.inference !== undefined) {
    const inf = raw.inference;
    const ok =
      isObject(inf) &&
      Object.keys(inf).every((k) => k === 'url' || k === 'model') &&
      (inf.url === undefined || (typeof inf.url === 'string' && /^https?:\/\/./.test(inf.url))) &&
      (inf.model === undefined || (typeof inf.model === 'string' && inf.model !== ''));
    need(ok, `"inference" must be {"url": "http(s)://…", "model": "<name on that server>"} (both optional), got ${show(inf)}`);
  }

  if (problems.length > 0) throw new ManifestError(file, problems);
  return { description: '', ...raw } as unknown as ModelManifest;
}

function checkEvaluation(evaluation: Json, problems: string[]): void {
  const mixture = evaluation.mixture2d;
  if (mixture !== undefined) {
    const ok =
      isObject(mixture) &&
      Array.isArray(mixture.centers) &&
      mixture.centers.length > 0 &&
      mixture.centers.every((c) => Array.isArray(c) && c.length === 2 && c.every((x) => typeof x === 'number' && Number.isFinite(x))) &&
      typeof mixture.sigma === 'number' &&
      mixture.sigma > 0;
    if (!ok) problems.push(`"evaluation.mixture2d" must be {"centers": [[x, y], ...], "sigma": <positive number>}`);
  }
  const classifier = evaluation.classifier;
  if (classifier !== undefined) {
    const ok =
      isObject(classifier) &&
      ['file', 'input', 'featuresOutput', 'logitsOutput', 'realFeatures'].every((k) => typeof classifier[k] === 'string') &&
      Array.isArray(classifier.classes) &&
      classifier.classes.every((c) => typeof c === 'string');
    if (!ok) problems.push(`"evaluation.classifier" must name file, input, featuresOutput, logitsOutput, realFeatures and classes`);
  }
}

const CONDITIONING_SHAPE = '{"kind": "class", "input": "<int64 input of G and D>", "labels": ["<class 0>", ...]}';

function checkConditioning(c: unknown, calibration: unknown, problems: string[]): void {
  if (!isObject(c)) {
    problems.push(`"conditioning" must be an object like ${CONDITIONING_SHAPE}, got ${show(c)}`);
    return;
  }
  if (c.kind !== 'class') problems.push(`"conditioning.kind" must be "class" (the only kind this version knows), got ${show(c.kind)}`);
  if (typeof c.input !== 'string' || c.input === '') problems.push(`"conditioning.input" must name the int64 label input of G and D, got ${show(c.input)}`);
  const labels = c.labels;
  if (!Array.isArray(labels) || labels.length === 0 || !labels.every((l) => typeof l === 'string' && l !== '')) {
    problems.push(`"conditioning.labels" must be a non-empty array of class names, got ${show(labels)}`);
  } else if (new Set(labels).size !== labels.length) {
    problems.push(`"conditioning.labels" must not repeat a name, got ${show(labels)}`);
  }
  if (isObject(calibration) && calibration.labels === undefined) {
    problems.push('"calibration.labels" is required for a class-conditional model: name the int64 file of the real samples\' classes, so calibration is per class');
  }
}

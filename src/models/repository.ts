/**
 * The model repository: one folder per model under MODELS_DIR, each with manifest.json and a
 * G/D pair. A model that fails to load is kept as FAILED with its error; the others serve.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelDescriptor } from '../contracts.js';
import { checkLatentGradientValues, noLatentGradient } from './latent-gradient.js';
import { checkLatentGradient, checkPair, type PairSignature } from './onnx-check.js';
import type { ProbeReport } from './probe.js';
import { ManifestError, parseManifest, type ModelManifest } from './manifest.js';

/** READY models serve requests; FAILED ones carry their load error. */
export const ModelStatus = { READY: 'READY', FAILED: 'FAILED' } as const;
export type ModelStatus = (typeof ModelStatus)[keyof typeof ModelStatus];

export interface ReadyModel {
  readonly status: 'READY';
  readonly id: string;
  readonly dir: string;
  readonly manifest: ModelManifest;
  readonly descriptor: ModelDescriptor;
  readonly generatorPath: string;
  readonly discriminatorPath: string;
  readonly signature: PairSignature;
  /** What the load-time probe saw (e.g. how many probe scores were invalid). */
  readonly probe: ProbeReport;
  /** Values per sample (product of output.shape). */
  readonly sampleSize: number;
  /** The held-out real samples file (manifest `calibration.realSamples`), checked at load; null when none. */
  readonly realSamplesPath: string | null;
  /** The class of each held-out real sample (manifest `calibration.labels`, class-conditional models); null when none. */
  readonly realLabels: Int32Array | null;
  /**
   * The latent-gradient graph (manifest `latentGradient`): its signature and its values against G → D checked at load (a
   * named graph that fails either makes the model FAILED); null when none.
   */
  readonly latentGradientPath: string | null;
  /** Why the latent samplers cannot run on this model (it names no graph); null when they can. */
  readonly latentGradientUnavailable: string | null;
}

export interface FailedModel {
  readonly status: 'FAILED';
  readonly id: string;
  readonly dir: string;
  /** Present when the manifest itself parsed. */
  readonly manifest?: ModelManifest;
  readonly error: string;
}

export type ModelEntry = ReadyModel | FailedModel;

/**
 * The package's root: the nearest folder above this file holding a package.json. The same from
 * src/models/ (tsx, tests) and dist/src/models/ (built, or installed under node_modules).
 */
function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(here, '..', '..');
  }
}

/** The bundled demo models, next to package.json (shipped in the npm package). */
export const BUNDLED_MODELS_DIR = join(packageRoot(), 'models');

export class ModelRepository {
  private readonly byId: ReadonlyMap<string, ModelEntry>;

  constructor(
    readonly dir: string,
    entries: readonly ModelEntry[],
  ) {
    this.byId = new Map(entries.map((e) => [e.id, e]));
  }

  list(): ModelEntry[] {
    return [...this.byId.values()];
  }

  get(id: string): ModelEntry | undefined {
    return this.byId.get(id);
  }

  ready(): ReadyModel[] {
    return this.list().filter((e): e is ReadyModel => e.status === 'READY');
  }
}

/**
 * Loads every model folder in `dir` (the `modelsDir` option; default: the bundled models),
 * sorted by id. Throws only when `dir` is not a folder; a bad model becomes a FAILED entry.
 */
export async function loadModelRepository(dir?: string): Promise<ModelRepository> {
  const root = resolve(dir ?? BUNDLED_MODELS_DIR);
  if (!isFolder(root)) {
    throw new Error(dir === undefined ? `the bundled models folder ${root} is missing from this install: pass modelsDir` : `modelsDir: ${root} does not exist or is not a folder`);
  }
  const ids = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
  const entries = await Promise.all(ids.map((id) => loadModel(join(root, id), id)));
  return new ModelRepository(root, entries);
}

export function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Loads one model folder; a problem becomes a FAILED entry whose error names the file as `<id>/<file>`. */
export async function loadModel(dir: string, id: string): Promise<ModelEntry> {
  const manifestPath = join(dir, 'manifest.json');
  let manifest: ModelManifest;
  try {
    if (!existsSync(manifestPath)) throw new Error(`${id}/manifest.json: not found`);
    let text: string;
    try {
      text = readFileSync(manifestPath, 'utf8');
    } catch (error) {
      throw new ManifestError(`${id}/manifest.json`, [`cannot be read (${(error as Error).message})`]);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new ManifestError(`${id}/manifest.json`, [`is not valid JSON (${(error as Error).message})`]);
    }
    manifest = parseManifest(raw, `${id}/manifest.json`, id);
  } catch (error) {
    return { status: 'FAILED', id, dir, error: relativeError(error, dir, id) };
  }
  const generatorPath = join(dir, manifest.generator);
  const discriminatorPath = join(dir, manifest.discriminator);
  try {
    for (const [path, name] of [[generatorPath, manifest.generator], [discriminatorPath, manifest.discriminator]] as const) {
      if (!existsSync(path)) throw new Error(`${id}/${name}: file not found (named in manifest.json)`);
    }
    const sampleSize = manifest.output.shape.reduce((a, b) => a * b, 1);
    const { signature, probe } = await checkPair(manifest, generatorPath, discriminatorPath);
    const realSamplesPath = checkRealSamples(manifest, dir, sampleSize);
    const realLabels = readRealLabels(manifest, dir);
    const latentGradientPath = manifest.latentGradient === undefined ? null : join(dir, manifest.latentGradient);
    if (latentGradientPath !== null) {
      if (!existsSync(latentGradientPath)) throw new Error(`${id}/${manifest.latentGradient}: file not found (named in manifest.json "latentGradient")`);
      await checkLatentGradient(manifest, latentGradientPath);
      await checkLatentGradientValues(manifest, latentGradientPath, { generatorPath, discriminatorPath, ...signature });
    }
    const descriptor: ModelDescriptor = {
      id,
      latentDim: manifest.latent.dim,
      outputShape: manifest.output.shape,
      outputKind: manifest.output.kind,
      realSamples: manifest.calibration?.count ?? 0,
      latentGradient: latentGradientPath !== null,
      latentDistribution: manifest.latent.distribution,
    };
    return {
      status: 'READY',
      id,
      dir,
      manifest,
      descriptor,
      generatorPath,
      discriminatorPath,
      signature,
      probe,
      sampleSize,
      realSamplesPath,
      realLabels,
      latentGradientPath,
      latentGradientUnavailable: latentGradientPath === null ? noLatentGradient(id) : null,
    };
  } catch (error) {
    return { status: 'FAILED', id, dir, manifest, error: relativeError(error, dir, id) };
  }
}

/** The held-out real samples file, when the manifest names one: it must hold exactly `count` samples of float32. */
function checkRealSamples(manifest: ModelManifest, dir: string, sampleSize: number): string | null {
  const calibration = manifest.calibration;
  if (!calibration) return null;
  const { realSamples: file, count } = calibration;
  if (file.includes('..') || file.startsWith('/')) throw new Error(`${manifest.id}/manifest.json: "calibration.realSamples" must be a file inside the model folder, got "${file}"`);
  const path = join(dir, file);
  if (!existsSync(path)) throw new Error(`${manifest.id}/${file}: file not found (named in manifest.json "calibration.realSamples")`);
  const expected = count * sampleSize * 4;
  const size = statSync(path).size;
  if (size !== expected) {
    throw new Error(`${manifest.id}/${file}: ${size} bytes, expected ${expected} (calibration.count ${count} × ${sampleSize} float32 values per sample)`);
  }
  return path;
}

/** The real samples' classes (manifest `calibration.labels`): `count` int64 values, each a label of `conditioning.labels`. */
function readRealLabels(manifest: ModelManifest, dir: string): Int32Array | null {
  const file = manifest.calibration?.labels;
  if (file === undefined) return null;
  const where = `${manifest.id}/${file}`;
  const path = join(dir, file);
  if (!existsSync(path)) throw new Error(`${where}: file not found (named in manifest.json "calibration.labels")`);
  const { count } = manifest.calibration!;
  const bytes = readFileSync(path);
  if (bytes.length !== count * 8) throw new Error(`${where}: ${bytes.length} bytes, expected ${count * 8} (calibration.count ${count} × one int64 label)`);
  const classes = manifest.conditioning!.labels.length; // parseManifest allows calibration.labels only with conditioning
  const raw = new BigInt64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = raw[i]!;
    if (v < 0n || v >= BigInt(classes)) throw new Error(`${where}: label ${v} of real sample ${i} is not a class of conditioning.labels (0 to ${classes - 1})`);
    labels[i] = Number(v);
  }
  for (let k = 0; k < classes; k++) {
    if (!labels.includes(k)) throw new Error(`${where}: no real sample of class ${k} ("${manifest.conditioning!.labels[k]}"); calibration is per class and needs some of each`);
  }
  return labels;
}

/**
 * The error as `<id>/<file>: ...`. Messages from onnxruntime and node:fs carry absolute paths,
 * which would leak the server's layout to API clients: the model folder becomes `<id>`.
 */
function relativeError(error: unknown, dir: string, id: string): string {
  let message = error instanceof Error ? error.message : String(error);
  const prefixes = new Set([resolve(dir)]);
  try {
    prefixes.add(realpathSync(dir));
  } catch {
    // a missing folder has no real path; the others still apply
  }
  // Longest first, so a prefix never leaves the tail of a longer one behind.
  for (const prefix of [...prefixes].sort((a, b) => b.length - a.length)) {
    message = message.split(prefix + sep).join(`${id}/`).split(prefix).join(id);
  }
  return message.startsWith(`${id}/`) ? message : `${id}/${message}`;
}

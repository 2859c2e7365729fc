/**
 * `npm run triton-config -- OUT_DIR [--models DIR] [--max-batch N] [--queue-delay-us N]`
 *
 * Writes a Triton Inference Server model repository for the models (default: the bundled ones)
 * into OUT_DIR, with the names the remote backend and this server's `/v2` use:
 *   {id}.generator/config.pbtxt + 1/model.onnx      the generator (onnxruntime_onnx, dynamic batching)
 *   {id}.discriminator/config.pbtxt + 1/model.onnx  the discriminator (same)
 *   {id}/config.pbtxt + 1/                          the ensemble: latent → G → sample → D → logit
 * Tensor names and dimensions are read from the ONNX files with onnxruntime-node. Point Triton at
 * OUT_DIR (`tritonserver --model-repository=OUT_DIR`) and this server at it (`INFERENCE_URL=http://triton:8000`).
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { ROUND_INPUT, ROUND_LOGIT, ROUND_SAMPLE } from '../src/inference/remote.js';
import { BUNDLED_MODELS_DIR, loadModelRepository } from '../src/models/repository.js';

export interface TritonOptions {
  /** Folder of model folders. Default: the bundled models. */
  readonly modelsDir?: string;
  /** `max_batch_size` of each model. Default 8192 (MAX_REQUEST_BATCH_SIZE's default). */
  readonly maxBatchSize?: number;
  /** Dynamic batching's `max_queue_delay_microseconds`. Default 2000 (MAX_QUEUE_DELAY_MS's 2 ms). */
  readonly queueDelayUs?: number;
}

interface TensorDims {
  readonly name: string;
  /** Without the batch axis. */
  readonly dims: readonly number[];
}

/** An ONNX file's one input and one output, batch axis dropped; throws when it is not [batch, …fixed dims]. */
export async function onnxTensors(path: string): Promise<{ input: TensorDims; output: TensorDims }> {
  const session = await ort.InferenceSession.create(path);
  try {
    const one = (list: readonly ort.InferenceSession.ValueMetadata[], what: string): TensorDims => {
      const meta = list[0];
      if (list.length !== 1 || !meta?.isTensor) throw new Error(`${path}: expected one tensor ${what}, got ${list.length}`);
      if (meta.type !== 'float32') throw new Error(`${path}: ${what} "${meta.name}" is ${meta.type}, expected float32`);
      const dims = meta.shape.slice(1);
      if (!dims.every((d): d is number => typeof d === 'number' && d > 0))
        throw new Error(`${path}: ${what} "${meta.name}" has no fixed shape after the batch axis`);
      return { name: meta.name, dims };
    };
    return { input: one(session.inputMetadata, 'input'), output: one(session.outputMetadata, 'output') };
  } finally {
    await session.release();
  }
}

const tensor = ({ name, dims }: TensorDims): string => `  {\n    name: "${name}"\n    data_type: TYPE_FP32\n    dims: [ ${dims.join(', ')} ]\n  }`;

function onnxConfig(name: string, t: { input: TensorDims; output: TensorDims }, maxBatchSize: number, queueDelayUs: number): string {
  return [
    `name: "${name}"`,
    `platform: "onnxruntime_onnx"`,
    `max_batch_size: ${maxBatchSize}`,
    `input [\n${tensor(t.input)}\n]`,
    `output [\n${tensor(t.output)}\n]`,
    `dynamic_batching {\n  max_queue_delay_microseconds: ${queueDelayUs}\n}`,
    '',
  ].join('\n');
}

function ensembleConfig(id: string, g: { input: TensorDims; output: TensorDims }, d: { input: TensorDims; output: TensorDims }, maxBatchSize: number): string {
  const step = (model: string, input: [string, string], output: [string, string]): string =>
    `    {\n      model_name: "${model}"\n      model_version: -1\n      input_map {\n        key: "${input[0]}"\n        value: "${input[1]}"\n      }\n      output_map {\n        key: "${output[0]}"\n        value: "${output[1]}"\n      }\n    }`;
  return [
    `name: "${id}"`,
    `platform: "ensemble"`,
    `max_batch_size: ${maxBatchSize}`,
    `input [\n${tensor({ name: ROUND_INPUT, dims: g.input.dims })}\n]`,
    `output [\n${tensor({ name: ROUND_SAMPLE, dims: g.output.dims })},\n${tensor({ name: ROUND_LOGIT, dims: d.output.dims })}\n]`,
    `ensemble_scheduling {\n  step [\n${step(`${id}.generator`, [g.input.name, ROUND_INPUT], [g.output.name, ROUND_SAMPLE])},\n${step(`${id}.discriminator`, [d.input.name, ROUND_SAMPLE], [d.output.name, ROUND_LOGIT])}\n  ]\n}`,
    '',
  ].join('\n');
}

/** Writes the repository; returns the folders written. READY models only (a FAILED one is reported and skipped). */
export async function writeTritonRepository(outDir: string, options: TritonOptions = {}): Promise<{ written: string[]; skipped: string[] }> {
  const maxBatchSize = options.maxBatchSize ?? 8192;
  const queueDelayUs = options.queueDelayUs ?? 2000;
  const repository = await loadModelRepository(options.modelsDir ?? BUNDLED_MODELS_DIR);
  const written: string[] = [];
  const skipped: string[] = [];
  for (const model of repository.list()) {
    if (model.status !== 'READY') {
      skipped.push(`${model.id}: ${model.error}`);
      continue;
    }
    const g = await onnxTensors(model.generatorPath);
    const d = await onnxTensors(model.discriminatorPath);
    for (const [part, path, t] of [
      ['generator', model.generatorPath, g],
      ['discriminator', model.discriminatorPath, d],
    ] as const) {
      const name = `${model.id}.${part}`;
      mkdirSync(join(outDir, name, '1'), { recursive: true });
      copyFileSync(path, join(outDir, name, '1', 'model.onnx'));
      writeFileSync(join(outDir, name, 'config.pbtxt'), onnxConfig(name, t, maxBatchSize, queueDelayUs));
      written.push(name);
    }
    mkdirSync(join(outDir, model.id, '1'), { recursive: true }); // an ensemble's version folder stays empty
    writeFileSync(join(outDir, model.id, 'config.pbtxt'), ensembleConfig(model.id, g, d, maxBatchSize));
    written.push(model.id);
  }
  return { written, skipped };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { models: { type: 'string' }, 'max-batch': { type: 'string' }, 'queue-delay-us': { type: 'string' } },
  });
  const out = positionals[0];
  const int = (flag: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`--${flag} must be a positive integer, got "${raw}"`);
    return Number(raw);
  };
  if (!out || positionals.length > 1) throw new Error('usage: npm run triton-config -- OUT_DIR [--models DIR] [--max-batch N] [--queue-delay-us N]');
  const { written, skipped } = await writeTritonRepository(resolve(out), {
    modelsDir: values.models === undefined ? undefined : resolve(values.models),
    maxBatchSize: int('max-batch', values['max-batch']),
    queueDelayUs: int('queue-delay-us', values['queue-delay-us']),
  });
  console.log(`wrote ${written.length} Triton models to ${resolve(out)}: ${written.join(', ')}`);
  for (const s of skipped) console.warn(`skipped ${s}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  });
}

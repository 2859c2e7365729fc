/**
 * An inference worker: owns its own G and D sessions per model and runs whole rounds
 * (latents → G → D) so samples never cross threads between the two models.
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import type { FromWorker, ToWorker, WorkerModelSpec, WorkerOptions } from './protocol.js';

interface Sessions {
  readonly generator: ort.InferenceSession;
  readonly discriminator: ort.InferenceSession;
}

const port = parentPort!;
const options = workerData as WorkerOptions;
const sessions = new Map<string, Promise<Sessions>>();

function open(path: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, {
    intraOpNumThreads: options.intraOpNumThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

function sessionsFor(model: WorkerModelSpec): Promise<Sessions> {
  let s = sessions.get(model.id);
  if (!s) {
    s = Promise.all([open(model.generatorPath), open(model.discriminatorPath)]).then(([generator, discriminator]) => ({ generator, discriminator }));
    s.catch(() => sessions.delete(model.id));
    sessions.set(model.id, s);
  }
  return s;
}

/** The tensor's bytes as a standalone buffer we may transfer. */
function ownBuffer(data: Float32Array): ArrayBuffer {
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer) return data.buffer;
  return data.slice().buffer as ArrayBuffer;
}

async function run(jobId: number, model: WorkerModelSpec, rows: number, latents: ArrayBuffer): Promise<void> {
  const started = performance.now();
  const { generator, discriminator } = await sessionsFor(model);
  const z = new ort.Tensor('float32', new Float32Array(latents), [rows, model.latentDim]);
  const x = (await generator.run({ [model.generatorInput]: z }))[model.generatorOutput] as ort.Tensor;
  const d = (await discriminator.run({ [model.discriminatorInput]: x }))[model.discriminatorOutput] as ort.Tensor;
  const samples = ownBuffer(x.data as Float32Array);
  const logits = ownBuffer(d.data as Float32Array);
  const message: FromWorker = { type: 'result', jobId, samples, logits, inferenceMs: performance.now() - started };
  port.postMessage(message, [samples, logits]);
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'run') {
    run(message.jobId, message.model, message.rows, message.latents).catch((error: unknown) => {
      const reply: FromWorker = { type: 'error', jobId: message.jobId, message: (error as Error).message ?? String(error) };
      port.postMessage(reply);
    });
  } else if (message.type === 'close') {
    void Promise.allSettled(
      [...sessions.values()].map(async (s) => {
        const { generator, discriminator } = await s;
        await Promise.all([generator.release(), discriminator.release()]);
      }),
    ).then(() => {
      sessions.clear();
      port.postMessage({ type: 'closed' } satisfies FromWorker);
    });
  }
});

/**
 * An inference worker: owns its own G and D sessions per model and runs whole rounds
 * (latents → G → D) so samples never cross threads between the two models.
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { ownedBuffer } from './buffers.js';
import type { FromWorker, RowCondition, SingleModelSpec, ToWorker, WorkerModelSpec, WorkerOptions } from './protocol.js';

interface Sessions {
  readonly generator: ort.InferenceSession;
  readonly discriminator: ort.InferenceSession;
}

const port = parentPort!;
const options = workerData as WorkerOptions;
const sessions = new Map<string, Promise<Sessions>>();
/** Model specs by id, as the pool sent them with each model's first round. */
const specs = new Map<string, WorkerModelSpec>();
const singles = new Map<string, Promise<ort.InferenceSession>>();
/**
 * Jobs still running: `close` waits for them. Releasing a session under `run()`, or terminating
 * the thread while onnxruntime's native run is in progress, aborts the whole process.
 */
const inFlight = new Set<Promise<void>>();
let closing = false;

function open(path: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, {
    intraOpNumThreads: options.intraOpNumThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

/** One G/D session pair per pair of files: the per-class specs of a conditional model share it. */
function sessionsFor(model: WorkerModelSpec): Promise<Sessions> {
  const key = `${model.generatorPath}\n${model.discriminatorPath}`;
  let s = sessions.get(key);
  if (!s) {
    s = Promise.all([open(model.generatorPath), open(model.discriminatorPath)]).then(([generator, discriminator]) => ({ generator, discriminator }));
    s.catch(() => sessions.delete(key));
    sessions.set(key, s);
  }
  return s;
}

/** The class input of a job's rows, or nothing for an unconditional model. */
function conditionFeed(condition: RowCondition | undefined, rows: number): Record<string, ort.Tensor> {
  if (!condition) return {};
  return { [condition.input]: new ort.Tensor('int64', new BigInt64Array(rows).fill(BigInt(condition.label)), [rows]) };
}

/** Once `close` has arrived, no new native run starts: the close then waits for at most the ones already started. */
function refuseIfClosing(): void {
  if (closing) throw new Error('the worker is closing');
}

async function run(jobId: number, model: WorkerModelSpec, rows: number, latents: ArrayBuffer): Promise<void> {
  const started = performance.now();
  const { generator, discriminator } = await sessionsFor(model);
  const z = new ort.Tensor('float32', new Float32Array(latents), [rows, model.latentDim]);
  refuseIfClosing();
  const label = conditionFeed(model.condition, rows);
  const x = (await generator.run({ [model.generatorInput]: z, ...label }))[model.generatorOutput] as ort.Tensor;
  refuseIfClosing();
  const d = (await discriminator.run({ [model.discriminatorInput]: x, ...label }))[model.discriminatorOutput] as ort.Tensor;
  const samples = ownedBuffer(x.data as Float32Array);
  const logits = ownedBuffer(d.data as Float32Array);
  const message: FromWorker = { type: 'result', jobId, samples, logits, inferenceMs: performance.now() - started };
  port.postMessage(message, [samples, logits]);
}

/**
 * A gradient round: z → x, logit, ∇_z logit through the model's latent-gradient graph
 * (src/models/latent-gradient.ts); a class-conditional model's graph gets the job's class too.
 */
async function runGradient(jobId: number, model: WorkerModelSpec, rows: number, latents: ArrayBuffer): Promise<void> {
  const started = performance.now();
  if (!model.latentGradientPath) throw new Error(`model "${model.id}" has no latent-gradient graph`);
  // Keyed by file, like G/D: the per-class specs of a conditional model share one session.
  const session = singleSession(`latent-gradient\n${model.latentGradientPath}`, model.latentGradientPath);
  const z = new ort.Tensor('float32', new Float32Array(latents), [rows, model.latentDim]);
  const ready = await session;
  refuseIfClosing();
  const out = await ready.run({ z, ...conditionFeed(model.condition, rows) }, ['x', 'logit', 'grad']);
  const [samples, logits, gradients] = ['x', 'logit', 'grad'].map((name) => ownedBuffer(out[name]!.data as Float32Array)) as [
    ArrayBuffer,
    ArrayBuffer,
    ArrayBuffer,
  ];
  const message: FromWorker = { type: 'gradient-result', jobId, samples, logits, gradients, inferenceMs: performance.now() - started };
  port.postMessage(message, [samples, logits, gradients]);
}

function singleSession(key: string, path: string): Promise<ort.InferenceSession> {
  let session = singles.get(key);
  if (!session) {
    session = open(path);
    session.catch(() => singles.delete(key));
    singles.set(key, session);
  }
  return session;
}

async function runSingle(jobId: number, model: SingleModelSpec, rows: number, input: ArrayBuffer): Promise<void> {
  const session = singleSession(model.id, model.path);
  const tensor = new ort.Tensor('float32', new Float32Array(input), [rows, ...model.rowShape]);
  const ready = await session;
  refuseIfClosing();
  const results = await ready.run({ [model.input]: tensor, ...conditionFeed(model.condition, rows) }, [...model.outputs]);
  const outputs = model.outputs.map((name) => ownedBuffer(results[name]!.data as Float32Array));
  port.postMessage({ type: 'single-result', jobId, outputs } satisfies FromWorker, outputs);
}

type JobMessage = Extract<ToWorker, { type: 'run' | 'single' | 'gradient' }>;

function modelSpec(message: Extract<ToWorker, { type: 'run' }>): WorkerModelSpec {
  if (message.spec) specs.set(message.modelId, message.spec);
  const spec = specs.get(message.modelId);
  if (!spec) throw new Error(`no spec for model "${message.modelId}" on this worker`);
  return spec;
}

/**
 * Jobs run one at a time, in order. The pool sends the next one ahead (no idle gap between
 * rounds); while it waits here, a `cancel` for it still saves its inference.
 */
const waiting: JobMessage[] = [];
let running = false;

function refuse(message: JobMessage): void {
  port.postMessage({ type: 'error', jobId: message.jobId, message: 'the worker is closing' } satisfies FromWorker);
}

function startNext(): void {
  const message = running ? undefined : waiting.shift();
  if (!message) return;
  running = true;
  // Async, so a job that fails at once (a model with no spec here) still answers and frees the worker.
  const job = (async () =>
    message.type === 'run'
      ? run(message.jobId, modelSpec(message), message.rows, message.latents)
      : message.type === 'gradient'
        ? runGradient(message.jobId, message.model, message.rows, message.latents)
        : runSingle(message.jobId, message.model, message.rows, message.input))().catch((error: unknown) => {
    const reply: FromWorker = { type: 'error', jobId: message.jobId, message: (error as Error).message ?? String(error) };
    port.postMessage(reply);
  });
  inFlight.add(job);
  void job.finally(() => {
    inFlight.delete(job);
    running = false;
    startNext();
  });
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'run' || message.type === 'single' || message.type === 'gradient') {
    if (closing) {
      refuse(message);
      return;
    }
    waiting.push(message);
    startNext();
  } else if (message.type === 'cancel') {
    const index = waiting.findIndex((m) => m.jobId === message.jobId);
    if (index >= 0) {
      waiting.splice(index, 1);
      port.postMessage({ type: 'cancelled', jobId: message.jobId } satisfies FromWorker);
    }
  } else if (message.type === 'close') {
    closing = true;
    // Queued jobs never start: only the running one (if any) is waited for.
    for (const queued of waiting.splice(0)) refuse(queued);
    void close().then(() => port.postMessage({ type: 'closed' } satisfies FromWorker));
  }
});

/** Lets running jobs finish, then releases every session. */
async function close(): Promise<void> {
  await Promise.allSettled(inFlight);
  const all = [...sessions.values()].map(async (s) => {
    const { generator, discriminator } = await s;
    await Promise.all([generator.release(), discriminator.release()]);
  });
  await Promise.allSettled([...all, ...[...singles.values()].map(async (s) => (await s).release())]);
  sessions.clear();
  singles.clear();
}

port.postMessage({ type: 'ready' } satisfies FromWorker);

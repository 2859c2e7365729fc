/**
 * A pool of inference workers. onnxruntime-node's `run()` is synchronous on its thread, so
 * every round runs in a worker and the main event loop only moves buffers.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { abortError } from '../abort.js';
import type { BackendReadiness, GradientResult, InferenceBackend, RoundResult } from './backend.js';
import { ownedBuffer } from './buffers.js';
import type { FromWorker, SingleModelSpec, ToWorker, WorkerModelSpec, WorkerOptions } from './protocol.js';

export interface WorkerPoolOptions {
  /** Worker threads. Default: half the cores (at least 1). */
  readonly workers?: number;
  /** onnxruntime intra-op threads per worker. Default: (cores − 1) / workers, at least 1: workers × threads never oversubscribe the cores the main thread leaves. */
  readonly intraOpNumThreads?: number;
  /** Most jobs queued on one worker at once. Default 32 (`queueAheadMs` decides below that). */
  readonly maxInFlightPerWorker?: number;
  /**
   * Inference a worker is given ahead (estimated from each model's measured time per row): it
   * keeps taking jobs, beyond two, while what it holds would take less than this. The main
   * thread can then decide a round (several ms of work on a big round) without the worker
   * running dry. Default 10 ms.
   */
  readonly queueAheadMs?: number;
  /**
   * How long `close()` waits for a worker's native runs already started (it starts no more)
   * before terminating it. Default: as long as they take (one round at most per run in flight):
   * terminating a thread, or exiting the process, while onnxruntime runs aborts the process.
   */
  readonly closeTimeoutMs?: number;
}

export type { GradientResult, RoundResult } from './backend.js';

interface Job {
  readonly id: number;
  readonly modelId: string;
  /** What keys its time estimate: the job type and the model id. */
  readonly kind: string;
  /** Rows it runs (for the queued-work estimate). */
  readonly rows: number;
  /** Builds the message for this job's id (`known`: whether the worker has the model's spec), with the buffers to transfer. */
  readonly message: (jobId: number, known: (modelId: string) => boolean) => [ToWorker, ArrayBuffer[]];
  resolve: (result: FromWorker) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  readonly inFlight: Map<number, Job>;
  /** Settles when the worker says it is ready, or fails before. */
  ready: Promise<void>;
  settleReady: (error?: Error) => void;
  /** Models whose spec this worker has been sent. */
  readonly known: Set<string>;
  /** Estimated milliseconds of the jobs in flight on it. */
  aheadMs: number;
}

/** Jobs a worker always takes at once (one running, one waiting), whatever their estimate. */
const MIN_IN_FLIGHT = 2;

/** Worker entry: the compiled `.js` next to this file, or the `.ts` source under tsx (tests). */
function spawnWorker(options: WorkerOptions): Worker {
  const isTs = import.meta.url.endsWith('.ts');
  const entry = new URL(`./worker.${isTs ? 'ts' : 'js'}`, import.meta.url);
  if (!isTs) return new Worker(entry, { workerData: options });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: options });
}

/** The local inference backend (the default). A round sent to a worker finishes even when its caller aborts. */
export class WorkerPool implements InferenceBackend {
  readonly kind = 'local';
  readonly size: number;
  readonly intraOpNumThreads: number;
  private readonly maxInFlight: number;
  private readonly queueAheadMs: number;
  /** Milliseconds per row of each model's jobs, a moving average (absent until its first job finished). */
  private readonly msPerRow = new Map<string, number>();
  private readonly closeTimeoutMs: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly freedListeners = new Set<() => void>();
  private nextJobId = 1;
  private closed = false;
  /** Rounds completed, for stats and tests. */
  rounds = 0;

  constructor(options: WorkerPoolOptions = {}) {
    const cores = availableParallelism();
    this.size = Math.max(1, Math.floor(options.workers ?? Math.max(1, Math.floor(cores / 2))));
    // Leave a core to the main thread (latents, acceptance, GraphQL): on 2 cores, 2 onnxruntime
    // threads plus the main thread halved small-batch throughput (BENCHMARKS.md).
    this.intraOpNumThreads = Math.max(1, Math.floor(options.intraOpNumThreads ?? Math.max(1, Math.floor((cores - 1) / this.size))));
    this.maxInFlight = Math.max(1, options.maxInFlightPerWorker ?? 32);
    this.queueAheadMs = Math.max(0, options.queueAheadMs ?? 50);
    this.closeTimeoutMs = options.closeTimeoutMs ?? Infinity;
    for (let i = 0; i < this.size; i++) this.slots.push(this.startSlot());
  }

  /** Resolves when every worker has loaded onnxruntime; rejects when one fails first. */
  whenReady(): Promise<void> {
    return Promise.all(this.slots.map((slot) => slot.ready)).then(() => undefined);
  }

  /** Ready once the workers are up, until closed. */
  readiness(): Promise<BackendReadiness> {
    return Promise.resolve(this.closed ? { ready: false, reason: 'the worker pool is closed' } : { ready: true });
  }

  private startSlot(): Slot {
    const slot = { worker: spawnWorker({ intraOpNumThreads: this.intraOpNumThreads }), inFlight: new Map(), known: new Set(), aheadMs: 0 } as Slot;
    this.expectReady(slot);
    this.attach(slot);
    return slot;
  }

  private expectReady(slot: Slot): void {
    slot.ready = new Promise<void>((resolve, reject) => {
      slot.settleReady = (error) => (error ? reject(error) : resolve());
    });
    slot.ready.catch(() => undefined); // awaited only by whenReady(); a replaced worker's is not
  }

  private attach(slot: Slot): void {
    slot.worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') return slot.settleReady();
      if (message.type === 'closed') return;
      const job = slot.inFlight.get(message.jobId);
      if (!job) return;
      slot.inFlight.delete(message.jobId);
      slot.aheadMs = slot.inFlight.size === 0 ? 0 : Math.max(0, slot.aheadMs - this.estimateMs(job));
      if (message.type === 'result') this.rounds++;
      if (message.type === 'result' || message.type === 'gradient-result') this.learn(job, message.inferenceMs);
      if (message.type === 'cancelled') job.reject(new DOMException('the round was cancelled before it started', 'AbortError'));
      else if (message.type === 'error') job.reject(new Error(`inference failed on model "${job.modelId}": ${message.message}`));
      else job.resolve(message);
      this.pump();
      this.notifyFreed();
    });
    const fail = (error: Error): void => {
      slot.settleReady(new Error(`inference worker failed to start: ${error.message}`));
      for (const job of slot.inFlight.values()) job.reject(new Error(`inference worker died: ${error.message}`));
      slot.inFlight.clear();
      slot.aheadMs = 0;
      if (this.closed) return;
      // Replace the dead worker so the pool keeps serving.
      slot.worker.removeAllListeners();
      slot.worker = spawnWorker({ intraOpNumThreads: this.intraOpNumThreads });
      this.expectReady(slot);
      slot.known.clear();
      this.attach(slot);
      this.pump();
      this.notifyFreed();
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`exited with code ${code}`));
    });
  }

  /**
   * Runs one round (latents → G → D) on the least-busy worker. Aborting `signal` drops the
   * round if no worker has started it (it then rejects); a started round still completes.
   */
  async run(model: WorkerModelSpec, latents: Float32Array, rows: number, signal?: AbortSignal): Promise<RoundResult> {
    const buffer = ownedBuffer(latents);
    const message: Job['message'] = (jobId, known) => {
      const spec = known(model.id) ? undefined : model;
      return [{ type: 'run', jobId, modelId: model.id, spec, rows, latents: buffer }, [buffer]];
    };
    const reply = await this.submit(model.id, 'run', rows, message, signal);
    if (reply.type !== 'result') throw new Error(`unexpected reply ${reply.type}`);
    return { samples: new Float32Array(reply.samples), logits: new Float32Array(reply.logits), inferenceMs: reply.inferenceMs };
  }

  /** Runs one gradient round (latents → x, logit, ∇_z logit) on the model's latent-gradient graph. */
  async runGradient(model: WorkerModelSpec, latents: Float32Array, rows: number): Promise<GradientResult> {
    const buffer = ownedBuffer(latents);
    const reply = await this.submit(model.id, 'gradient', rows, (jobId) => [{ type: 'gradient', jobId, model, rows, latents: buffer }, [buffer]]);
    if (reply.type !== 'gradient-result') throw new Error(`unexpected reply ${reply.type}`);
    return {
      samples: new Float32Array(reply.samples),
      logits: new Float32Array(reply.logits),
      gradients: new Float32Array(reply.gradients),
      inferenceMs: reply.inferenceMs,
    };
  }

  /** Runs a single-input model (e.g. an evaluation classifier) and returns its named outputs. */
  async runSingle(model: SingleModelSpec, input: Float32Array, rows: number): Promise<Float32Array[]> {
    const buffer = ownedBuffer(input);
    const reply = await this.submit(model.id, 'single', rows, (jobId) => [{ type: 'single', jobId, model, rows, input: buffer }, [buffer]]);
    if (reply.type !== 'single-result') throw new Error(`unexpected reply ${reply.type}`);
    return reply.outputs.map((b) => new Float32Array(b));
  }

  /** `kind` keys the time-per-row estimate: the job type, as each runs a different graph. */
  private submit(modelId: string, kind: ToWorker['type'], rows: number, message: Job['message'], signal?: AbortSignal): Promise<FromWorker> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<FromWorker>((resolve, reject) => {
      const job: Job = { id: this.nextJobId++, modelId, kind: `${kind}\n${modelId}`, rows, message, resolve, reject };
      if (signal) {
        const onAbort = (): void => this.cancel(job, signal);
        signal.addEventListener('abort', onAbort, { once: true });
        job.resolve = (result) => (signal.removeEventListener('abort', onAbort), resolve(result));
        job.reject = (error) => (signal.removeEventListener('abort', onAbort), reject(error));
      }
      this.queue.push(job);
      this.pump();
    });
  }

  /** Drops a job still queued here; asks its worker to drop one already sent (answered with `cancelled` if it had not started). */
  private cancel(job: Job, signal: AbortSignal): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      job.reject(abortError(signal));
      return;
    }
    const slot = this.slots.find((s) => s.inFlight.get(job.id) === job);
    slot?.worker.postMessage({ type: 'cancel', jobId: job.id } satisfies ToWorker);
  }

  /**
   * Sends queued jobs, oldest first, to the worker with the least work ahead of it: each worker
   * takes two at once, and more while its estimated work ahead stays under `queueAheadMs`.
   */
  private pump(): void {
    while (this.queue.length > 0) {
      const job = this.queue[0]!;
      const cost = this.estimateMs(job);
      let best: Slot | undefined;
      for (const slot of this.slots) if (this.accepts(slot, cost) && (!best || slot.aheadMs < best.aheadMs)) best = slot;
      if (!best) return;
      this.queue.shift();
      best.inFlight.set(job.id, job);
      best.aheadMs += cost;
      const slot = best;
      const [message, transfer] = job.message(job.id, (modelId) => slot.known.has(modelId));
      if (message.type === 'run') slot.known.add(message.modelId);
      slot.worker.postMessage(message, transfer);
    }
  }

  private accepts(slot: Slot, cost: number): boolean {
    const held = slot.inFlight.size;
    if (held >= this.maxInFlight) return false;
    return held < MIN_IN_FLIGHT || slot.aheadMs + cost <= this.queueAheadMs;
  }

  /** A job's expected milliseconds: its rows at its kind's measured speed; unknown speed counts as the whole allowance. */
  private estimateMs(job: Job): number {
    const perRow = this.msPerRow.get(job.kind);
    return perRow === undefined ? this.queueAheadMs : job.rows * perRow;
  }

  private learn(job: Job, inferenceMs: number): void {
    if (!(inferenceMs >= 0) || job.rows <= 0) return;
    const perRow = inferenceMs / job.rows;
    const before = this.msPerRow.get(job.kind);
    this.msPerRow.set(job.kind, before === undefined ? perRow : 0.8 * before + 0.2 * perRow);
  }

  /** Rounds the workers would take at once: free in-flight places, less rounds already waiting. */
  get capacity(): number {
    let free = 0;
    for (const slot of this.slots) free += this.maxInFlight - slot.inFlight.size;
    return Math.max(0, free - this.queue.length);
  }

  /** Workers with nothing to do (none of their rounds in flight), less rounds already waiting. */
  get idleWorkers(): number {
    let idle = 0;
    for (const slot of this.slots) if (slot.inFlight.size === 0) idle++;
    return Math.max(0, idle - this.queue.length);
  }

  /** Calls `listener` whenever a round finishes (a worker may be idle); returns the unsubscribe. */
  onFreed(listener: () => void): () => void {
    this.freedListeners.add(listener);
    return () => this.freedListeners.delete(listener);
  }

  private notifyFreed(): void {
    for (const listener of this.freedListeners) listener();
  }

  /** Rounds waiting for a worker (not counting those already sent). */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Stops the workers: queued rounds are rejected; a worker answers its rounds that have not
   * reached onnxruntime yet with an error, lets the native runs already started return (a
   * session released or a thread terminated under `run()` aborts the whole process), then
   * releases its sessions and the thread is terminated.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('worker pool is closed'));
    await Promise.all(
      this.slots.map(async (slot) => {
        const closed = new Promise<void>((resolve) => {
          const timer = Number.isFinite(this.closeTimeoutMs) ? setTimeout(resolve, this.closeTimeoutMs) : undefined;
          const done = (): void => {
            clearTimeout(timer);
            resolve();
          };
          slot.worker.on('message', (m: FromWorker) => void (m.type === 'closed' && done()));
          slot.worker.once('exit', done); // a worker that died answers nothing
        });
        slot.worker.postMessage({ type: 'close' } satisfies ToWorker);
        await closed;
        for (const job of slot.inFlight.values()) job.reject(new Error('worker pool is closed'));
        slot.inFlight.clear();
        await slot.worker.terminate();
      }),
    );
  }
}

/**
 * A pool of inference workers. onnxruntime-node's `run()` is synchronous on its thread, so
 * every round runs in a worker and the main event loop only moves buffers.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerModelSpec, WorkerOptions } from './protocol.js';

export interface WorkerPoolOptions {
  /** Worker threads. Default: half the cores (at least 1). */
  readonly workers?: number;
  /** onnxruntime intra-op threads per worker. Default: cores / workers, so the two never oversubscribe. */
  readonly intraOpNumThreads?: number;
  /** Rounds queued on one worker at once; 2 keeps a worker busy while the main thread handles a reply. */
  readonly maxInFlightPerWorker?: number;
}

export interface RoundResult {
  readonly samples: Float32Array;
  readonly logits: Float32Array;
  readonly inferenceMs: number;
}

interface Job {
  readonly id: number;
  readonly model: WorkerModelSpec;
  readonly rows: number;
  readonly latents: Float32Array;
  resolve(result: RoundResult): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  readonly inFlight: Map<number, Job>;
}

/** Worker entry: the compiled `.js` next to this file, or the `.ts` source under tsx (tests). */
function spawnWorker(options: WorkerOptions): Worker {
  const isTs = import.meta.url.endsWith('.ts');
  const entry = new URL(`./worker.${isTs ? 'ts' : 'js'}`, import.meta.url);
  if (!isTs) return new Worker(entry, { workerData: options });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: options });
}

export class WorkerPool {
  readonly size: number;
  readonly intraOpNumThreads: number;
  private readonly maxInFlight: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextJobId = 1;
  private closed = false;
  /** Rounds completed, for stats and tests. */
  rounds = 0;

  constructor(options: WorkerPoolOptions = {}) {
    const cores = availableParallelism();
    this.size = Math.max(1, Math.floor(options.workers ?? Math.max(1, Math.floor(cores / 2))));
    this.intraOpNumThreads = Math.max(1, Math.floor(options.intraOpNumThreads ?? Math.max(1, Math.floor(cores / this.size))));
    this.maxInFlight = Math.max(1, options.maxInFlightPerWorker ?? 2);
    for (let i = 0; i < this.size; i++) this.slots.push(this.startSlot());
  }

  private startSlot(): Slot {
    const slot: Slot = { worker: spawnWorker({ intraOpNumThreads: this.intraOpNumThreads }), inFlight: new Map() };
    this.attach(slot);
    return slot;
  }

  private attach(slot: Slot): void {
    slot.worker.on('message', (message: FromWorker) => {
      if (message.type === 'closed') return;
      const job = slot.inFlight.get(message.jobId);
      if (!job) return;
      slot.inFlight.delete(message.jobId);
      this.rounds++;
      if (message.type === 'result') {
        job.resolve({ samples: new Float32Array(message.samples), logits: new Float32Array(message.logits), inferenceMs: message.inferenceMs });
      } else {
        job.reject(new Error(`inference failed on model "${job.model.id}": ${message.message}`));
      }
      this.pump();
    });
    const fail = (error: Error): void => {
      for (const job of slot.inFlight.values()) job.reject(new Error(`inference worker died: ${error.message}`));
      slot.inFlight.clear();
      if (this.closed) return;
      // Replace the dead worker so the pool keeps serving.
      slot.worker.removeAllListeners();
      slot.worker = spawnWorker({ intraOpNumThreads: this.intraOpNumThreads });
      this.attach(slot);
      this.pump();
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`exited with code ${code}`));
    });
  }

  /** Runs one round (latents → G → D) on the least-busy worker. */
  run(model: WorkerModelSpec, latents: Float32Array, rows: number): Promise<RoundResult> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    return new Promise<RoundResult>((resolve, reject) => {
      this.queue.push({ id: this.nextJobId++, model, rows, latents, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let best: Slot | undefined;
      for (const slot of this.slots) if (!best || slot.inFlight.size < best.inFlight.size) best = slot;
      if (!best || best.inFlight.size >= this.maxInFlight) return;
      const job = this.queue.shift()!;
      best.inFlight.set(job.id, job);
      // Transfer the latents' buffer when we own all of it; otherwise copy the view.
      const latents = job.latents.byteOffset === 0 && job.latents.byteLength === job.latents.buffer.byteLength ? job.latents : job.latents.slice();
      const message: ToWorker = { type: 'run', jobId: job.id, model: job.model, rows: job.rows, latents: latents.buffer as ArrayBuffer };
      best.worker.postMessage(message, [latents.buffer as ArrayBuffer]);
    }
  }

  /** Rounds waiting for a worker (not counting those already sent). */
  get queued(): number {
    return this.queue.length;
  }

  /** Releases every session and stops the workers; pending rounds are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('worker pool is closed'));
    await Promise.all(
      this.slots.map(async (slot) => {
        const closed = new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 2000);
          slot.worker.on('message', (m: FromWorker) => {
            if (m.type === 'closed') {
              clearTimeout(timer);
              resolve();
            }
          });
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

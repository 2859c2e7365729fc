/**
 * Where inference runs: the local worker pool (the default) or a remote server that speaks the
 * Open Inference Protocol (`src/inference/remote.ts`). The batcher, burn-ins, calibration and
 * evaluation only see this interface.
 */
import type { SingleModelSpec, WorkerModelSpec } from './protocol.js';

export interface RoundResult {
  readonly samples: Float32Array;
  readonly logits: Float32Array;
  /** Time the inference itself took (the worker's G → D time, or the remote round trip). */
  readonly inferenceMs: number;
}

/** Whether the backend can serve now, and why not. */
export interface BackendReadiness {
  readonly ready: boolean;
  /** Why it is not ready (e.g. the remote server's answer). */
  readonly reason?: string;
}

export interface InferenceBackend {
  /** `local`: worker threads in this process; `remote`: an Open Inference Protocol server. */
  readonly kind: 'local' | 'remote';
  /** Local worker threads (0 for a remote backend that runs none). */
  readonly size: number;
  readonly intraOpNumThreads: number;
  /** Rounds completed, for stats and tests. */
  readonly rounds: number;
  /** Rounds waiting to be sent (not counting those already sent). */
  readonly queued: number;
  /** Resolves when the backend can take work; rejects when it cannot start. */
  whenReady(): Promise<void>;
  /** Whether it can serve right now (a remote backend asks its server's readiness). */
  readiness(signal?: AbortSignal): Promise<BackendReadiness>;
  /**
   * One round (latents → G → D) of `rows` proposals. The latents are handed over. `signal`
   * aborts the wait (and a remote request); a local round already sent to a worker still finishes.
   */
  run(model: WorkerModelSpec, latents: Float32Array, rows: number, signal?: AbortSignal): Promise<RoundResult>;
  /** A single-input model (the discriminator alone, the generator alone, an evaluation classifier): its named outputs. */
  runSingle(model: SingleModelSpec, input: Float32Array, rows: number, signal?: AbortSignal): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/**
 * A signal that aborts once every one of `signals` has aborted (a shared batch is dropped only
 * when all its callers gave up); none when any caller cannot cancel. Call `dispose` when the
 * batch is done: it removes the listeners from the callers' longer-lived signals.
 */
export function allAborted(signals: readonly (AbortSignal | undefined)[]): { readonly signal: AbortSignal | undefined; dispose(): void } {
  if (signals.length === 0 || signals.some((s) => s === undefined)) return { signal: undefined, dispose: () => undefined };
  const controller = new AbortController();
  const live = signals as readonly AbortSignal[];
  let left = live.length;
  const onAbort = (): void => {
    if (--left === 0) controller.abort(live[0]!.reason);
  };
  for (const s of live) {
    if (s.aborted) onAbort();
    else s.addEventListener('abort', onAbort, { once: true });
  }
  return { signal: controller.signal, dispose: () => live.forEach((s) => s.removeEventListener('abort', onAbort)) };
}

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

/** A gradient round's rows: G(z), D's raw score and ∇_z of D's logit. */
export interface GradientResult extends RoundResult {
  readonly gradients: Float32Array;
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
  /**
   * Rounds it would start at once now: while above 0 the batcher sends each batch at once;
   * at 0 callers' rounds coalesce until `onFreed` fires (or the queue delay ends).
   */
  readonly idleWorkers: number;
  /** Calls `listener` whenever a round finishes (the backend may take another); returns the unsubscribe. */
  onFreed(listener: () => void): () => void;
  /** Resolves when the backend can take work; rejects when it cannot start. */
  whenReady(): Promise<void>;
  /** Whether it can serve right now (a remote backend asks its server's readiness). */
  readiness(signal?: AbortSignal): Promise<BackendReadiness>;
  /**
   * One round (latents → G → D) of `rows` proposals. The latents are handed over. `signal`
   * aborts the wait (and a remote request); a local round already sent to a worker still finishes.
   */
  run(model: WorkerModelSpec, latents: Float32Array, rows: number, signal?: AbortSignal): Promise<RoundResult>;
  /**
   * Optional: one gradient round (latents → x, logit, ∇_z logit) on the model's latent-gradient graph, for the
   * latent samplers. The local worker pool runs them; a backend without it makes the latent samplers unavailable.
   */
  runGradient?(model: WorkerModelSpec, latents: Float32Array, rows: number): Promise<GradientResult>;
  /** A single-input model (the discriminator alone, the generator alone, an evaluation classifier): its named outputs. */
  runSingle(model: SingleModelSpec, input: Float32Array, rows: number, signal?: AbortSignal): Promise<Float32Array[]>;
  close(): Promise<void>;
}

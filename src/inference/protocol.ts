/** Messages between the worker pool and its inference workers. Buffers travel as transferables. */

/**
 * A class-conditional model's class for every row of a job: fed as an int64 `[rows]` tensor
 * named `input`, filled with `label`, besides the job's data input.
 */
export interface RowCondition {
  readonly input: string;
  readonly label: number;
}

/** Where a remote backend sends a model's requests: its server (else the default `INFERENCE_URL`) and its name there. */
export interface RemoteModelRef {
  readonly url?: string | undefined;
  /** The round model's name on that server (default: the model id); `.generator` / `.discriminator` are appended for the graphs alone. */
  readonly model?: string | undefined;
}

/** What a worker needs to open a model's sessions. */
export interface WorkerModelSpec {
  /** Batching key: the model id, with the class for a conditional model (rows of one batch share one class). */
  readonly id: string;
  readonly generatorPath: string;
  readonly discriminatorPath: string;
  readonly generatorInput: string;
  readonly generatorOutput: string;
  readonly discriminatorInput: string;
  readonly discriminatorOutput: string;
  readonly latentDim: number;
  readonly outputShape: readonly number[];
  /** G and D both get this class on every row (class-conditional models). */
  readonly condition?: RowCondition;
  /** The latent-gradient graph (z → x, logit, grad), when the model has a checked one. */
  readonly latentGradientPath: string | null;
  /** The manifest's `inference` override, for a remote backend. */
  readonly remote?: RemoteModelRef | undefined;
}

export interface WorkerOptions {
  readonly intraOpNumThreads: number;
}

/** A single-input model run for its named outputs (e.g. a classifier's features and logits). */
export interface SingleModelSpec {
  readonly id: string;
  readonly path: string;
  readonly input: string;
  /** Shape of one row; the batch axis is prepended. */
  readonly rowShape: readonly number[];
  readonly outputs: readonly string[];
  /** A class for every row, as a second input (a conditional discriminator scoring real samples). */
  readonly condition?: RowCondition;
  /** When this is one graph of a GAN model: which (a remote backend runs `{model}.generator` / `{model}.discriminator`). */
  readonly part?: { readonly model: string; readonly graph: 'generator' | 'discriminator'; readonly remote?: RemoteModelRef | undefined } | undefined;
}

export type ToWorker =
  /** `spec` travels with a worker's first round of the model only: cloning it per round cost more than the round's latents. */
  | {
      readonly type: 'run';
      readonly jobId: number;
      readonly modelId: string;
      readonly spec?: WorkerModelSpec | undefined;
      readonly rows: number;
      readonly latents: ArrayBuffer;
    }
  | { readonly type: 'single'; readonly jobId: number; readonly model: SingleModelSpec; readonly rows: number; readonly input: ArrayBuffer }
  /** A gradient round: latents through the model's latent-gradient graph. */
  | { readonly type: 'gradient'; readonly jobId: number; readonly model: WorkerModelSpec; readonly rows: number; readonly latents: ArrayBuffer }
  /** Drop the job if it has not started (answered with `cancelled`); a started one still answers. */
  | { readonly type: 'cancel'; readonly jobId: number }
  | { readonly type: 'close' };

export type FromWorker =
  | { readonly type: 'result'; readonly jobId: number; readonly samples: ArrayBuffer; readonly logits: ArrayBuffer; readonly inferenceMs: number }
  | { readonly type: 'single-result'; readonly jobId: number; readonly outputs: readonly ArrayBuffer[] }
  | {
      readonly type: 'gradient-result';
      readonly jobId: number;
      readonly samples: ArrayBuffer;
      readonly logits: ArrayBuffer;
      readonly gradients: ArrayBuffer;
      readonly inferenceMs: number;
    }
  | { readonly type: 'error'; readonly jobId: number; readonly message: string }
  | { readonly type: 'cancelled'; readonly jobId: number }
  | { readonly type: 'closed' }
  /** Sent once, when the worker has loaded onnxruntime and listens. */
  | { readonly type: 'ready' };

/**
 * The sampler contract: every type a sampler author needs, and nothing else.
 *
 * A sampler sits at the end of one inference round: the engine draws latents, runs G → D in a
 * worker, drops proposals whose logit is NaN/±Inf, and hands the sampler the remaining finite
 * logits of one request's round, in proposal order, with one seeded uniform each. The sampler
 * says what to output: proposals of this round, or rows it asked the engine to hold from earlier
 * rounds (a chain's current state). Version 1 samplers (one acceptance probability per logit)
 * run unchanged through an adapter (src/sampling/v1-adapter.ts).
 *
 * Plugins in `plugins/<name>/` import from this file only.
 */

import type { LatentDistribution, OutputKind } from './models/manifest.js';

/** Bumped on any breaking change to the interfaces below. */
export const SAMPLER_CONTRACT_VERSION = 2 as const;
/** Contract versions an engine runs: 2 natively, 1 through the adapter. */
export const SUPPORTED_CONTRACT_VERSIONS: readonly number[] = [1, 2];

/** The type of a declared sampler parameter. `enum`: one of the declaration's `values` (a string). */
export const SamplerParameterType = { FLOAT: 'float', INT: 'int', BOOLEAN: 'boolean', ENUM: 'enum' } as const;
export type SamplerParameterType = (typeof SamplerParameterType)[keyof typeof SamplerParameterType];
export type SamplerParameterValue = number | boolean | string;
export type SamplerParams = Readonly<Record<string, SamplerParameterValue>>;

/** One declared parameter. Exposed as-is in GraphQL (`Query.samplers`). */
export interface SamplerParameter {
  readonly name: string;
  readonly type: SamplerParameterType;
  /** Applied when the request omits the parameter; `undefined` = no default (optional, unset). */
  readonly default?: SamplerParameterValue;
  /** Inclusive bounds for numbers. */
  readonly min?: number;
  readonly max?: number;
  /** The allowed values of an `enum` parameter (required for enums, ignored otherwise). */
  readonly values?: readonly string[];
  readonly description: string;
}

/** How D's logit is calibrated before a sampler reads it (docs/sampling.md, "Calibration"). */
export const CalibrationMethod = { NONE: 'none', PLATT: 'platt', ISOTONIC: 'isotonic' } as const;
export type CalibrationMethod = (typeof CalibrationMethod)[keyof typeof CalibrationMethod];

/** The `calibration` parameter every sampler that reads D declares (default `none`). */
export function calibrationParameter(defaultMethod: CalibrationMethod = CalibrationMethod.NONE): SamplerParameter {
  return {
    name: 'calibration',
    type: SamplerParameterType.ENUM,
    values: Object.values(CalibrationMethod),
    default: defaultMethod,
    description:
      'Calibrate D before reading it: none (raw logit), platt (logistic fit on the logit) or isotonic (pool-adjacent-violators, interpolated), fitted at load on the model’s held-out real samples.',
  };
}

/** What a sampler may know about the model it runs on. */
export interface ModelDescriptor {
  readonly id: string;
  readonly latentDim: number;
  readonly outputShape: readonly number[];
  readonly outputKind: OutputKind;
  /**
   * Held-out real samples the model ships (manifest `calibration`); 0 when none, and then only
   * `calibration: none` works. For a class-conditional run: those of the run's class.
   */
  readonly realSamples: number;
  /** The class a run of a class-conditional model samples (G and D get it; burn-in, real data and calibration are that class's); absent otherwise. */
  readonly classLabel?: number;
  /** Whether the model ships a checked latent-gradient graph (manifest `latentGradient`): latent samplers need one. Absent = false. */
  readonly latentGradient?: boolean;
  /** How the model's latents are drawn (`normal`: N(0, I); `uniform`: U[−1, 1]^dim). Absent = normal. */
  readonly latentDistribution?: LatentDistribution;
}

/** Logits of a seeded, cached burn-in run of G → D (finite logits only). */
export interface BurnIn {
  readonly logits: Float64Array;
  readonly logitMax: number;
  /** Proposals drawn, including any dropped for a non-finite logit. */
  readonly proposed: number;
}

/** A fitted map from D's raw logit to a calibrated logit: non-decreasing, finite for finite input. */
export interface Calibrator {
  readonly method: CalibrationMethod;
  logit(raw: number): number;
}

/** Given to `prepare`: the engine's shared services for this model. */
export interface PreparationContext {
  readonly model: ModelDescriptor;
  /**
   * Burn-in logits for `count` proposals. Cached per model and count by the engine, seeded
   * independently of any request, so only the first request pays and results never depend on
   * which request came first.
   */
  burnIn(count: number): Promise<BurnIn>;
  /**
   * D's raw logits on the model's held-out real samples, in file order (NaN/±Inf kept, so index
   * `i` is real sample `i`; see `Round.holdReal`). Cached per model. Rejects when it ships none.
   */
  realLogits(): Promise<Float64Array>;
  /** The calibrator fitted at load (`none` is the identity). Rejects when the model has no real samples. */
  calibrator(method: CalibrationMethod): Promise<Calibrator>;
  readonly signal?: AbortSignal;
}

/** Given to `start`. */
export interface StartContext {
  readonly model: ModelDescriptor;
  /** The run's own seeded stream, for samplers that need more randomness than one uniform per proposal. */
  readonly random: UniformSource;
}

export interface UniformSource {
  /** Uniform on [0, 1). */
  uniform(): number;
}

/** Sampler-specific numbers reported in a run's stats. */
export interface SamplerReport {
  /** The running estimate of D̃_M = log M, where the sampler keeps one. */
  readonly logitMax?: number;
  /** γ used for the latest batch, where the sampler has one. */
  readonly gamma?: number;
  /** Anything else worth showing (e.g. a threshold); surfaces as JSON in stats. */
  readonly details?: Readonly<Record<string, number>>;
}

/**
 * One round as a sampler sees it, and what it can do with its rows. `k` indexes this round's
 * finite proposals (`logits`); slots are non-negative integers naming rows the engine holds for
 * the sampler across rounds. Outputs are emitted in call order; an output may repeat. A round
 * and its arrays are valid until `step` returns (the engine reuses them for the next batch):
 * copy what you keep, or `hold` the row.
 */
export interface Round {
  /** D̃(x) of this round's proposals, finite only, in proposal order. */
  readonly logits: Float64Array;
  /** One seeded uniform on [0, 1) per proposal, aligned with `logits`. */
  readonly uniforms: Float64Array;
  /** Outputs the request still wants at the start of this round. */
  readonly needed: number;
  /** Outputs proposal `k`; `probability` is what the sample reports as its acceptance probability (default 1). */
  emit(k: number, probability?: number): void;
  /** Outputs the row held in `slot` (it may be output again later). Held-out real rows cannot be output. */
  emitHeld(slot: number, probability?: number): void;
  /** Keeps proposal `k` in `slot` for later rounds (replacing what the slot held). */
  hold(slot: number, k: number): void;
  /** Keeps held-out real sample `index` in `slot`; `prepare` must have called `context.realLogits()`. */
  holdReal(slot: number, index: number): void;
  /** Forgets `slot`. */
  release(slot: number): void;
}

/** Outputs already sent, for `SamplerState.rethin`: their (raw) logits and the probabilities they were output with. */
export interface EmittedOutputs {
  readonly logits: Float64Array;
  readonly probabilities: Float64Array;
}

/** Per-request state: created once per sampling run, fed every round in order. */
export interface SamplerState {
  /**
   * Decides one round (only called when it has at least one finite logit). Returns how many of
   * the round's proposals it used, a prefix (default all): the rest count as never proposed.
   */
  step(round: Round): number | void;
  /**
   * Optional, for samplers that accept under a bound that can rise (DRS's D̃_M): for each output
   * already sent, the probability of keeping it so that it counts as accepted under the current
   * bound, `p_now(x) / p_then(x)` in [0, 1]; or null when nothing needs taking back. Consulted
   * when `report().logitMax` changes: a `sample` query re-thins its outputs with it and draws
   * more; a stream reports how many went out stale.
   */
  rethin?(outputs: EmittedOutputs): Float64Array | null;
  report(): SamplerReport;
  /**
   * Optional, for resumable streams (docs/sampling.md, "Resumable streams"): this state as plain
   * JSON (numbers, strings, booleans, null, arrays, objects; no NaN or ±Inf), taken between
   * rounds. `SamplerPlugin.restore` turns it back into a state that steps exactly as this one
   * would from here. The engine keeps the held rows and the `StartContext.random` position itself.
   */
  snapshot?(): SamplerSnapshot;
}

/** What every sampler plugin declares: its name, parameters, admission checks and shared preparation. */
export interface SamplerDeclaration<Prepared = unknown> {
  readonly contractVersion: typeof SAMPLER_CONTRACT_VERSION;
  readonly name: string;
  readonly description: string;
  readonly parameters: readonly SamplerParameter[];
  /**
   * Cross-parameter and per-model rules, run at admission after type and range checks (defaults
   * applied). `given` holds the names the request set explicitly. Throw `SamplerParameterError`.
   */
  validate?(params: SamplerParams, given: ReadonlySet<string>, model: ModelDescriptor): void;
  /** Work shared by requests before sampling starts (e.g. burn-in, real logits, a calibrator). */
  prepare?(params: SamplerParams, context: PreparationContext): Promise<Prepared>;
}

/** A sampler state as JSON (`SamplerState.snapshot`). Opaque to the engine, which only stores and signs it. */
export type SamplerSnapshot = null | boolean | number | string | readonly SamplerSnapshot[] | { readonly [key: string]: SamplerSnapshot };

export interface SamplerPlugin<Prepared = unknown> {
  readonly contractVersion: typeof SAMPLER_CONTRACT_VERSION;
  readonly name: string;
  readonly description: string;
  readonly parameters: readonly SamplerParameter[];
  /** Absent (or `round`): a round sampler, the interface above. `latent` plugins implement `LatentSamplerPlugin`. */
  readonly kind?: 'round';
  /**
   * True when, within one round and with its own state fixed, a proposal with a higher logit is
   * never less likely to be output than one with a lower logit (DRS, threshold). The conformance
   * suite checks it only for samplers that declare it.
   */
  readonly monotone?: boolean;
  /**
   * Cross-parameter and per-model rules, run at admission after type and range checks (defaults
   * applied). `given` holds the names the request set explicitly. Throw `SamplerParameterError`.
   */
  validate?(params: SamplerParams, given: ReadonlySet<string>, model: ModelDescriptor): void;
  /** Work shared by requests before sampling starts (e.g. burn-in, real logits, a calibrator). */
  prepare?(params: SamplerParams, context: PreparationContext): Promise<Prepared>;
  start(params: SamplerParams, prepared: Prepared, context: StartContext): SamplerState;
  /**
   * Optional, with `SamplerState.snapshot`: the state `snapshot` described, for the same params
   * and model (`prepare` has run again; `context.random` stands where it stood at the snapshot).
   * Throw (any error) on a snapshot this version cannot read; the request then fails naming
   * `resumeFrom`. A sampler without both cannot be resumed.
   */
  restore?(params: SamplerParams, prepared: Prepared, context: StartContext, snapshot: SamplerSnapshot): SamplerState;
  /** The format of this plugin's snapshots (default 1): bump it when it changes; a cursor of another version is refused. */
  readonly snapshotVersion?: number;
}

/** Contract version 1: a sampler returns one acceptance probability per logit; the engine draws the uniforms. */
export interface SamplerStateV1 {
  /** `logits`: this round's finite logits in proposal order. Returns probabilities in [0, 1], same length. */
  decide(logits: Float64Array): Float64Array;
  report(): SamplerReport;
  /** Optional, as in v2 (`SamplerState.snapshot`). */
  snapshot?(): SamplerSnapshot;
}

export interface PreparationContextV1 {
  readonly model: ModelDescriptor;
  burnIn(count: number): Promise<BurnIn>;
  readonly signal?: AbortSignal;
}

export interface SamplerPluginV1<Prepared = unknown> {
  readonly contractVersion: 1;
  readonly name: string;
  readonly description: string;
  readonly parameters: readonly SamplerParameter[];
  validate?(params: SamplerParams, given: ReadonlySet<string>): void;
  prepare?(params: SamplerParams, context: PreparationContextV1): Promise<Prepared>;
  start(params: SamplerParams, prepared: Prepared, model: ModelDescriptor): SamplerStateV1;
  /** Optional, as in v2 (`SamplerPlugin.restore`). */
  restore?(params: SamplerParams, prepared: Prepared, model: ModelDescriptor, snapshot: SamplerSnapshot): SamplerStateV1;
  readonly snapshotVersion?: number;
}

/**
 * Latent extension, version 1 (on top of contract v2; round samplers are untouched by it).
 *
 * A latent sampler moves latents instead of rejecting proposals (DDLS, DOT; docs/sampling.md,
 * "Moving the latent"). The engine hands it batches of seeded starting latents z₀; the sampler
 * asks for gradient rounds — z → x = G(z), d(G(z)), ∇_z d(G(z)), run in the inference workers on
 * the model's latent-gradient graph (manifest `latentGradient`) — and outputs G(z) of the rows it
 * chose. A model without the graph lists latent samplers as unavailable; a request for one on it
 * fails at admission with SAMPLER_UNAVAILABLE.
 *
 * Cost: one gradient row counts as `GRADIENT_ROUND_COST` proposals against the request's
 * `maxProposals` and the operation's budget (a proposal is one row through G → D).
 */
export const LATENT_EXTENSION_VERSION = 1 as const;

/**
 * Proposals one row of a gradient round costs: the forward pass through G and D (1) plus the
 * backward pass through both (reverse mode costs about twice the forward: 2). The unit of the
 * run's `proposed` and `proposalsPerOutput` for a latent sampler.
 */
export const GRADIENT_ROUND_COST = 3;

/** One gradient round's values, row by row. */
export interface GradientRound {
  readonly rows: number;
  /** D's raw logit of G(z) per row; NaN/±Inf possible (such a row cannot be moved or output). */
  readonly logits: Float64Array;
  /** ∇_z d(G(z)), row-major `rows × latentDim`. */
  readonly gradients: Float64Array;
}

/** Seeded randomness for a latent sampler: uniforms and standard normals. */
export interface LatentRandomSource extends UniformSource {
  /** Standard normal. */
  normal(): number;
}

/** One batch of starting latents handed to `LatentSamplerState.move`. */
export interface LatentBatch {
  /** z₀, row-major `rows × latentDim`: seeded draws from the model's latent distribution. */
  readonly latents: Float64Array;
  readonly rows: number;
  readonly latentDim: number;
  /** Outputs the request still wants at the start of this batch (`rows` ≤ `needed`). */
  readonly needed: number;
  /**
   * Runs a gradient round on `latents` (`rows × latentDim`, any number of rows) in the inference
   * workers. Charges GRADIENT_ROUND_COST proposals per row before it runs; rejects with
   * PROPOSAL_BUDGET_EXHAUSTED when the budget cannot pay, or when the run is cancelled.
   */
  gradient(latents: Float64Array): Promise<GradientRound>;
  /** Outputs G(z) of row `k` of `round` (a round of this batch); `probability` as in `Round.emit` (default 1). */
  emit(round: GradientRound, k: number, probability?: number): void;
}

export interface LatentSamplerState {
  /**
   * Moves one batch and emits its outputs; resolves when it is done with the batch. The engine
   * calls it with fresh latents while outputs are still wanted. At most one call at a time.
   */
  move(batch: LatentBatch): Promise<void>;
  report(): SamplerReport;
}

/** Given to a latent sampler's `start`. */
export interface LatentStartContext {
  readonly model: ModelDescriptor;
  /** The run's own seeded stream (independent of the starting latents). */
  readonly random: LatentRandomSource;
}

export interface LatentSamplerPlugin<Prepared = unknown> extends SamplerDeclaration<Prepared> {
  readonly kind: 'latent';
  readonly latentVersion: typeof LATENT_EXTENSION_VERSION;
  start(params: SamplerParams, prepared: Prepared, context: LatentStartContext): LatentSamplerState;
}

/** What kind of sampler a plugin is: `round` (contract v1/v2: decides G's proposals) or `latent` (latent extension: moves latents). */
export const SamplerKind = { ROUND: 'round', LATENT: 'latent' } as const;
export type SamplerKind = (typeof SamplerKind)[keyof typeof SamplerKind];

/** Whether a plugin is a latent sampler (latent extension). */
export function isLatentSampler(plugin: RegisteredSampler): plugin is LatentSamplerPlugin {
  return (plugin as { kind?: unknown }).kind === 'latent';
}

/** A round sampler of any version the engine runs. */
export type AnySamplerPlugin = SamplerPlugin | SamplerPluginV1;

/**
 * Anything an engine registers: round samplers of any version, and latent samplers. (Kept apart
 * from `AnySamplerPlugin` so that object literals typed as that union keep their inferred
 * parameter types.)
 */
export type RegisteredSampler = AnySamplerPlugin | LatentSamplerPlugin;

/** A plugin as the engine runs it: a v2 round sampler or a latent sampler. */
export type EngineSamplerPlugin = SamplerPlugin | LatentSamplerPlugin;

/** A bad sampler parameter; `parameter` names it. Surfaces as BAD_USER_INPUT in GraphQL. */
export class SamplerParameterError extends Error {
  override readonly name = 'SamplerParameterError';
  constructor(
    readonly sampler: string,
    readonly parameter: string,
    message: string,
  ) {
    super(`sampler "${sampler}", parameter "${parameter}": ${message}`);
  }
}

/** A sampler broke the contract (e.g. emitted a proposal that does not exist): a bug in the plugin. */
export class SamplerContractError extends Error {
  override readonly name = 'SamplerContractError';
  constructor(
    readonly sampler: string,
    message: string,
  ) {
    super(`sampler "${sampler}" broke the contract: ${message}`);
  }
}

/**
 * The usual last step of a sampler that computes one acceptance probability per proposal:
 * outputs proposal `k` when `uniforms[k] < p[k]` (p clamped to [0, 1], NaN → 0), in order,
 * until `needed` outputs; returns the proposals used (up to the one that completed the request).
 */
export function emitAccepted(round: Round, probabilities: ArrayLike<number>): number {
  const n = round.logits.length;
  const { uniforms, needed } = round;
  let taken = 0;
  let k = 0;
  for (; k < n && taken < needed; k++) {
    const v = probabilities[k] as number;
    const p = v > 0 ? (v < 1 ? v : 1) : 0; // clamps, and NaN → 0
    if ((uniforms[k] as number) < p) {
      round.emit(k, p);
      taken++;
    }
  }
  return k;
}

/** Throws a SamplerParameterError unless `method` can run on `model` (calibration needs real samples). */
export function checkCalibration(sampler: string, method: SamplerParameterValue | undefined, model: ModelDescriptor): void {
  if (method === undefined || method === CalibrationMethod.NONE || model.realSamples > 0) return;
  throw new SamplerParameterError(
    sampler,
    'calibration',
    `model "${model.id}" ships no held-out real samples (manifest "calibration"), so it cannot be calibrated; use calibration: none`,
  );
}

/**
 * The q-th percentile (0–100) of `values`, with linear interpolation between order
 * statistics (numpy's default). Percentiles are 0–100, never 0–1 (docs/sampling.md, "Pitfalls").
 * O(n): selects the two order statistics instead of sorting (NaN ranks above every number, as
 * in a sort).
 */
export function percentile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${q}`);
  const n = values.length;
  if (n === 0) throw new RangeError('percentile of an empty set');
  const a = new Float64Array(n);
  let m = 0; // numbers first, NaNs after them
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (v === v) a[m++] = v;
  }
  a.fill(NaN, m);
  const rank = (q / 100) * (n - 1);
  const lo = Math.floor(rank);
  if (lo >= m) return NaN;
  const lower = select(a, lo, m);
  if (rank === lo) return lower;
  if (lo + 1 >= m) return NaN;
  let upper = Infinity; // the next order statistic: the least of what selection left above `lo`
  for (let i = lo + 1; i < m; i++) if ((a[i] as number) < upper) upper = a[i] as number;
  return lower + (rank - lo) * (upper - lower);
}

/** Rearranges a[0..end) so that a[k] is its k-th smallest, smaller ones before it and larger after (quickselect, median of three; heapsort-free fallback to a sort if unlucky). */
function select(a: Float64Array, k: number, end: number): number {
  let left = 0;
  let right = end - 1;
  for (let budget = 2 * Math.ceil(Math.log2(end + 1)) + 8; right > left; budget--) {
    if (budget === 0) {
      a.subarray(left, right + 1).sort();
      break;
    }
    const mid = (left + right) >>> 1;
    // median of three into a[mid], then Hoare partition around it
    if ((a[mid] as number) < (a[left] as number)) swap(a, mid, left);
    if ((a[right] as number) < (a[left] as number)) swap(a, right, left);
    if ((a[right] as number) < (a[mid] as number)) swap(a, right, mid);
    const pivot = a[mid] as number;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) swap(a, i++, j--);
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break; // j < k < i: a[k] equals the pivot and sits in place
  }
  return a[k] as number;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i] as number;
  a[i] = a[j] as number;
  a[j] = t;
}

/**
 * The acceptance step of one round: hand the sampler the finite logits with one seeded uniform
 * each (the `Round` of the contract), record what it outputs and holds, and gather the output
 * rows. Hot path: plain loops, no per-row objects for proposals.
 */
import { SamplerContractError, type Round, type SamplerState, type UniformSource } from '../contracts.js';
import { OutputColumns } from './outputs.js';

/** A row the engine holds for a sampler across rounds. */
export interface HeldRow {
  readonly values: Float32Array;
  /** Raw D̃ of the row. */
  readonly logit: number;
  /** The proposal's number within the run (for counting distinct outputs); −1 − i for real sample i. */
  readonly id: number;
  readonly real: boolean;
  /** The generated row's latent (a resumed run recomputes the row from it), when the run kept latents; null for a real row. */
  readonly latent?: Float32Array | null;
}

/** A model's held-out real samples and D's logits on them. */
export interface RealData {
  /** Row-major, `count × sampleSize`. */
  readonly samples: Float32Array;
  readonly logits: Float64Array;
  readonly count: number;
}

/** The rows a round output, packed. */
export interface RoundOutputs {
  readonly samples: Float32Array;
  readonly logits: Float64Array;
  readonly probabilities: Float64Array;
  /** Proposal numbers within the run (held-out real rows are never output). */
  readonly ids: Float64Array;
  readonly count: number;
}

export interface RoundDecision {
  readonly outputs: RoundOutputs;
  /** Rows considered: all of them, or up to the last one the sampler used. */
  readonly considered: number;
  /** Considered rows whose logit was NaN or ±Inf. */
  readonly invalid: number;
  /** Whether the sampler saw any logit (γ is only meaningful then). */
  readonly decided: boolean;
}

export interface RoundInput {
  /** D̃ of every proposal of the round, in proposal order (NaN/±Inf for invalid ones). */
  readonly logits: Float64Array;
  /** Row-major samples of the round. */
  readonly samples: Float32Array;
  readonly sampleSize: number;
  readonly state: SamplerState;
  /** The run's acceptance stream: one uniform per proposal, valid or not, so it stays aligned. */
  readonly uniforms: UniformSource;
  /** Outputs still wanted: more are dropped. */
  readonly needed: number;
  /** The sampler's held rows (kept by the run). */
  readonly held: Map<number, HeldRow>;
  /** Held-out real samples, when the sampler asked for them in `prepare`. */
  readonly real: RealData | null;
  /** The run-wide number of this round's first proposal. */
  readonly firstId: number;
  /** The round's latents, row-major with `latentDim` per row: given when held rows must be resumable (streams). */
  readonly latents?: { readonly values: Float32Array; readonly dim: number } | undefined;
  /** For the error when a sampler breaks the contract. */
  readonly samplerName: string;
}

/**
 * Arrays decisions reuse from batch to batch (runs decide thousands of small batches: fresh
 * typed arrays for each were most of their garbage). A sampler sees views of them during `step`
 * only (the contract's `Round` is valid until `step` returns).
 */
export class DecisionScratch {
  uniforms = new Float64Array(0);
  finite = new Float64Array(0);
  rowOf = new Int32Array(0);
  outRows = new Int32Array(0);
  outProbabilities = new Float64Array(0);
  /** The batch's logits as float64 (the run converts D's output into it). */
  logits = new Float64Array(0);

  /** Room for a batch of `rows` proposals in every array. */
  reserve(rows: number): void {
    if (this.uniforms.length >= rows) return;
    const n = Math.max(rows, 2 * this.uniforms.length);
    this.uniforms = new Float64Array(n);
    this.finite = new Float64Array(n);
    this.rowOf = new Int32Array(n);
    this.outRows = new Int32Array(n);
    this.outProbabilities = new Float64Array(n);
    this.logits = new Float64Array(n);
  }
}

/**
 * Decides one batch. With `sink`, its outputs are appended there (and `outputs` are views of
 * what was appended, valid until the next append); without, they come in fresh arrays.
 */
export function decideRound(input: RoundInput, scratch: DecisionScratch = new DecisionScratch(), sink?: OutputColumns): RoundDecision {
  const { logits, state, uniforms, needed, samplerName } = input;
  const rows = logits.length;
  scratch.reserve(rows);
  let finiteCount = 0;
  for (let i = 0; i < rows; i++) if (Number.isFinite(logits[i])) finiteCount++;
  const allFinite = finiteCount === rows;
  let finite = logits;
  let rowOf: Int32Array | null = null;
  const u = scratch.uniforms.subarray(0, finiteCount);
  if (allFinite) {
    for (let i = 0; i < rows; i++) u[i] = uniforms.uniform();
  } else {
    finite = scratch.finite.subarray(0, finiteCount);
    rowOf = scratch.rowOf.subarray(0, finiteCount);
    for (let i = 0, k = 0; i < rows; i++) {
      const draw = uniforms.uniform();
      if (!Number.isFinite(logits[i])) continue;
      finite[k] = logits[i] as number;
      u[k] = draw;
      rowOf[k++] = i;
    }
  }
  if (finiteCount === 0) return { outputs: sink ? sink.since(sink.count) : emptyOutputs(), considered: rows, invalid: rows, decided: false };

  const recorder = new RoundRecorder(input, finite, u, rowOf, scratch);
  const returned = state.step(recorder);
  recorder.close();
  const used = returned ?? finiteCount;
  if (!(Number.isInteger(used) && used >= 0 && used <= finiteCount)) {
    throw new SamplerContractError(samplerName, `step() returned ${String(used)} proposals used; expected an integer in [0, ${finiteCount}]`);
  }
  const complete = recorder.count >= needed;
  const considered = used === finiteCount && !complete ? rows : used === 0 ? 0 : (rowOf ? (rowOf[used - 1] as number) : used - 1) + 1;
  let invalid = 0;
  if (!allFinite) for (let i = 0; i < considered; i++) if (!Number.isFinite(logits[i])) invalid++;
  const out = sink ?? new OutputColumns(input.sampleSize, recorder.count);
  const from = out.count;
  recorder.gather(out);
  return { outputs: sink ? out.since(from) : out.view(), considered, invalid, decided: true };
}

function emptyOutputs(): RoundOutputs {
  return { samples: new Float32Array(0), logits: new Float64Array(0), probabilities: new Float64Array(0), ids: new Float64Array(0), count: 0 };
}

/** The contract's `Round`, as the engine implements it for one step. */
class RoundRecorder implements Round {
  /** Raw row of each output, or −1 for a held row (then in `heldOut`); typed and grown by doubling, as naive outputs every row. */
  private outRows: Int32Array;
  private outProbabilities: Float64Array;
  private heldOut: Map<number, HeldRow> | null = null;
  private outputs = 0;
  private open = true;
  readonly needed: number;

  constructor(
    private readonly input: RoundInput,
    readonly logits: Float64Array,
    readonly uniforms: Float64Array,
    private readonly rowOf: Int32Array | null,
    private readonly scratch: DecisionScratch,
  ) {
    this.needed = input.needed;
    this.outRows = scratch.outRows;
    this.outProbabilities = scratch.outProbabilities;
  }

  get count(): number {
    return Math.min(this.outputs, this.needed);
  }

  close(): void {
    this.open = false;
  }

  emit(k: number, probability = 1): void {
    this.check(k, 'emit');
    this.push(this.rowOf ? (this.rowOf[k] as number) : k, probability);
  }

  emitHeld(slot: number, probability = 1): void {
    const held = this.heldRow(slot, 'emitHeld');
    if (held.real) throw this.fail(`emitHeld(${slot}): the slot holds a held-out real sample, which is never output`);
    (this.heldOut ??= new Map()).set(this.outputs, held);
    this.push(-1, probability);
  }

  private push(row: number, probability: number): void {
    if (this.outputs === this.outRows.length) {
      // More outputs than proposals (held rows emitted again): grow, and keep the larger arrays for the next batches.
      const rows = new Int32Array(Math.max(16, 2 * this.outputs));
      rows.set(this.outRows);
      this.outRows = this.scratch.outRows = rows;
      const p = new Float64Array(rows.length);
      p.set(this.outProbabilities);
      this.outProbabilities = this.scratch.outProbabilities = p;
    }
    this.outRows[this.outputs] = row;
    this.outProbabilities[this.outputs++] = probability;
  }

  hold(slot: number, k: number): void {
    this.check(k, 'hold');
    this.checkSlot(slot, 'hold');
    const { samples, sampleSize, firstId } = this.input;
    const row = this.row(k);
    const latents = this.input.latents;
    this.input.held.set(slot, {
      values: samples.slice(row * sampleSize, (row + 1) * sampleSize),
      logit: this.logits[k] as number,
      id: firstId + row,
      real: false,
      latent: latents ? latents.values.slice(row * latents.dim, (row + 1) * latents.dim) : null,
    });
  }

  holdReal(slot: number, index: number): void {
    this.checkSlot(slot, 'holdReal');
    const real = this.input.real;
    if (!real) throw this.fail(`holdReal(${slot}, ${index}): no held-out real samples (prepare must call context.realLogits() first)`);
    if (!(Number.isInteger(index) && index >= 0 && index < real.count))
      throw this.fail(`holdReal(${slot}, ${index}): index must be an integer in [0, ${real.count})`);
    const size = this.input.sampleSize;
    this.input.held.set(slot, {
      values: real.samples.subarray(index * size, (index + 1) * size),
      logit: real.logits[index] as number,
      id: -1 - index,
      real: true,
      latent: null,
    });
  }

  release(slot: number): void {
    this.checkSlot(slot, 'release');
    this.input.held.delete(slot);
  }

  /** Appends the outputs, up to `needed`, to `out`. */
  gather(out: OutputColumns): void {
    const count = this.count;
    const { samples: source, sampleSize, logits: rawLogits, firstId } = this.input;
    const at = out.count;
    out.reserve(count);
    const { samples, logits, probabilities, ids } = out;
    if (count === rawLogits.length && this.outputsEveryRowInOrder()) {
      // Every row output in order (naive, or DRS accepting all): whole blocks.
      if (out.keepsSamples) samples.set(source.subarray(0, count * sampleSize), at * sampleSize);
      logits.set(rawLogits, at);
      for (let o = 0; o < count; o++) {
        const p = this.outProbabilities[o] as number;
        probabilities[at + o] = p > 0 ? (p < 1 ? p : 1) : 0;
        ids[at + o] = firstId + o;
      }
      out.count += count;
      return;
    }
    for (let o = 0; o < count; o++) {
      const row = this.outRows[o] as number;
      const p = this.outProbabilities[o] as number;
      const to = at + o;
      probabilities[to] = p > 0 ? (p < 1 ? p : 1) : 0;
      if (row >= 0) {
        if (out.keepsSamples) {
          if (sampleSize <= 16) for (let j = 0; j < sampleSize; j++) samples[to * sampleSize + j] = source[row * sampleSize + j] as number;
          else samples.set(source.subarray(row * sampleSize, (row + 1) * sampleSize), to * sampleSize);
        }
        logits[to] = rawLogits[row] as number;
        ids[to] = firstId + row;
      } else {
        const held = this.heldOut!.get(o)!;
        if (out.keepsSamples) samples.set(held.values, to * sampleSize);
        logits[to] = held.logit;
        ids[to] = held.id;
      }
    }
    out.count += count;
  }

  private outputsEveryRowInOrder(): boolean {
    if (this.heldOut) return false;
    for (let o = 0; o < this.count; o++) if (this.outRows[o] !== o) return false;
    return true;
  }

  private row(k: number): number {
    return this.rowOf ? (this.rowOf[k] as number) : k;
  }

  private heldRow(slot: number, what: string): HeldRow {
    this.checkSlot(slot, what);
    const held = this.input.held.get(slot);
    if (!held) throw this.fail(`${what}(${slot}): the slot holds nothing`);
    return held;
  }

  private check(k: number, what: string): void {
    if (!this.open) throw this.fail(`${what}() called after step() returned`);
    if (!(Number.isInteger(k) && k >= 0 && k < this.logits.length))
      throw this.fail(`${what}(${k}): proposal index must be an integer in [0, ${this.logits.length})`);
  }

  private checkSlot(slot: number, what: string): void {
    if (!this.open) throw this.fail(`${what}() called after step() returned`);
    if (!(Number.isInteger(slot) && slot >= 0)) throw this.fail(`${what}: slot must be a non-negative integer, got ${slot}`);
  }

  private fail(message: string): SamplerContractError {
    return new SamplerContractError(this.input.samplerName, message);
  }
}

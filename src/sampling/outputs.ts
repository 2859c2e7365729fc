/**
 * Every output of a run so far, for what only the whole set allows: a `sample` query re-thins
 * it when the sampler's bound rises (docs/sampling.md, "Exact means exact"); a stream, which
 * cannot take back what it sent, counts the outputs that went out under a lower bound.
 */
import type { SamplerState } from '../contracts.js';
import type { Random } from '../random.js';
import type { RoundOutputs } from './accept.js';

const NO_SAMPLES = new Float32Array(0);

/**
 * Output rows in growable columns (capacity doubles): a run appends each batch's outputs here
 * instead of allocating arrays per batch and joining them later.
 */
export class OutputColumns {
  samples: Float32Array;
  logits: Float64Array;
  probabilities: Float64Array;
  ids: Float64Array;
  count = 0;

  /** `keepsSamples`: false keeps only logits, probabilities and ids (a stream's log). */
  constructor(
    readonly sampleSize: number,
    capacity = 0,
    readonly keepsSamples = true,
  ) {
    this.samples = keepsSamples ? new Float32Array(capacity * sampleSize) : NO_SAMPLES;
    this.logits = new Float64Array(capacity);
    this.probabilities = new Float64Array(capacity);
    this.ids = new Float64Array(capacity);
  }

  /** Room for `rows` more. */
  reserve(rows: number): void {
    const need = this.count + rows;
    if (need <= this.logits.length) return;
    const capacity = Math.max(need, 2 * this.logits.length, 16);
    const grow = <T extends Float32Array | Float64Array>(from: T, make: (n: number) => T, size: number): T => {
      const to = make(capacity * size);
      to.set(from.subarray(0, this.count * size));
      return to;
    };
    if (this.keepsSamples) this.samples = grow(this.samples, (n) => new Float32Array(n), this.sampleSize);
    this.logits = grow(this.logits, (n) => new Float64Array(n), 1);
    this.probabilities = grow(this.probabilities, (n) => new Float64Array(n), 1);
    this.ids = grow(this.ids, (n) => new Float64Array(n), 1);
  }

  /** Rows `[from, count)` as views (valid until the next append that grows the columns). */
  since(from: number): RoundOutputs {
    const size = this.sampleSize;
    return {
      samples: this.keepsSamples ? this.samples.subarray(from * size, this.count * size) : NO_SAMPLES,
      logits: this.logits.subarray(from, this.count),
      probabilities: this.probabilities.subarray(from, this.count),
      ids: this.ids.subarray(from, this.count),
      count: this.count - from,
    };
  }

  /** Every row, as views. */
  view(): RoundOutputs {
    return this.since(0);
  }

  /** Copies `outputs` in after the last row. */
  append(outputs: RoundOutputs): void {
    if (outputs.count === 0) return;
    this.reserve(outputs.count);
    const at = this.count;
    if (this.keepsSamples) this.samples.set(outputs.samples, at * this.sampleSize);
    this.logits.set(outputs.logits, at);
    this.probabilities.set(outputs.probabilities, at);
    this.ids.set(outputs.ids, at);
    this.count += outputs.count;
  }

  /** Removes rows `[from, from + n)`, moving the later ones up. */
  remove(from: number, n: number): void {
    if (n <= 0) return;
    const size = this.sampleSize;
    if (this.keepsSamples) this.samples.copyWithin(from * size, (from + n) * size, this.count * size);
    this.logits.copyWithin(from, from + n, this.count);
    this.probabilities.copyWithin(from, from + n, this.count);
    this.ids.copyWithin(from, from + n, this.count);
    this.count -= n;
  }

  /** Keeps only the rows at `rows` (ascending), in order. */
  keep(rows: readonly number[]): void {
    const size = this.sampleSize;
    rows.forEach((i, o) => {
      if (i === o) return;
      if (this.keepsSamples) this.samples.copyWithin(o * size, i * size, (i + 1) * size);
      this.logits[o] = this.logits[i] as number;
      this.probabilities[o] = this.probabilities[i] as number;
      this.ids[o] = this.ids[i] as number;
    });
    this.count = rows.length;
  }
}

export class OutputLog {
  /** What was logged; a `sample` query's run appends its outputs here directly. */
  readonly columns: OutputColumns;
  /** Logit max reported when outputs were last checked against the sampler's bound. */
  private checkedAt: number | undefined;

  /** `keepSamples`: false for streams, which only need logits and probabilities. `capacity`: rows expected. */
  constructor(sampleSize: number, keepSamples: boolean, capacity = 0) {
    this.columns = new OutputColumns(sampleSize, capacity, keepSamples);
  }

  /** Logs outputs appended elsewhere (a stream's), by copying. */
  add(outputs: RoundOutputs): void {
    this.columns.append(outputs);
  }

  get count(): number {
    return this.columns.count;
  }

  /** Everything logged, as views. */
  joined(): { samples: Float32Array; logits: Float64Array; probabilities: Float64Array; ids: Float64Array } {
    return this.columns.view();
  }

  /** Whether the sampler's reported bound moved since the last check (cheap test before a full pass). */
  private boundMoved(state: SamplerState): boolean {
    const now = state.report().logitMax;
    if (now === this.checkedAt) return false;
    this.checkedAt = now;
    return true;
  }

  /**
   * Re-thins the outputs against the sampler's current bound: keeps output i with probability
   * keep[i] (its acceptance probability becomes p_then · keep, i.e. p under the current bound).
   * Returns the ids of the outputs taken back.
   */
  rethin(state: SamplerState, rng: Random): number[] {
    if (!state.rethin || this.count === 0 || !this.boundMoved(state)) return [];
    const all = this.joined();
    const keep = state.rethin({ logits: all.logits, probabilities: all.probabilities });
    if (!keep) return [];
    const n = all.logits.length;
    const kept: number[] = [];
    const dropped: number[] = [];
    for (let i = 0; i < n; i++) {
      const k = keep[i] as number;
      const u = rng.uniform();
      if (k >= 1 || u < k) kept.push(i);
      else dropped.push(all.ids[i] as number);
      if (k < 1) all.probabilities[i] = (all.probabilities[i] as number) * Math.max(0, k);
    }
    if (dropped.length === 0) return [];
    this.columns.keep(kept);
    return dropped;
  }

  /** Outputs sent under a lower bound than the sampler's current one (0 when it has no `rethin`). */
  stale(state: SamplerState, previous: number): number {
    if (!state.rethin || this.count === 0 || !this.boundMoved(state)) return previous;
    const all = this.joined();
    const keep = state.rethin({ logits: all.logits, probabilities: all.probabilities });
    if (!keep) return previous;
    let stale = 0;
    for (const k of keep) if (k < 1) stale++;
    return stale;
  }
}

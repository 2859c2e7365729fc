/**
 * Every output of a run so far, for what only the whole set allows: a `sample` query re-thins
 * it when the sampler's bound rises (docs/sampling.md, "Exact means exact"); a stream, which
 * cannot take back what it sent, counts the outputs that went out under a lower bound.
 */
import type { SamplerState } from '../contracts.js';
import { concatFloat32, concatFloat64 } from '../inference/buffers.js';
import type { Random } from '../random.js';
import type { RoundOutputs } from './accept.js';

export class OutputLog {
  private sampleParts: Float32Array[] = [];
  private logitParts: Float64Array[] = [];
  private probabilityParts: Float64Array[] = [];
  private idParts: Float64Array[] = [];
  /** Logit max reported when outputs were last checked against the sampler's bound. */
  private checkedAt: number | undefined;

  /** `keepSamples`: false for streams, which only need logits and probabilities. */
  constructor(
    private readonly sampleSize: number,
    private readonly keepSamples: boolean,
  ) {}

  add(outputs: RoundOutputs): void {
    if (outputs.count === 0) return;
    if (this.keepSamples) this.sampleParts.push(outputs.samples);
    this.logitParts.push(outputs.logits);
    this.probabilityParts.push(outputs.probabilities);
    this.idParts.push(outputs.ids);
  }

  get count(): number {
    return this.logitParts.reduce((n, p) => n + p.length, 0);
  }

  /** Everything logged, joined (and kept joined). */
  joined(): { samples: Float32Array; logits: Float64Array; probabilities: Float64Array; ids: Float64Array } {
    this.sampleParts = [concatFloat32(this.sampleParts.length ? this.sampleParts : [new Float32Array(0)])];
    this.logitParts = [concatFloat64(this.logitParts.length ? this.logitParts : [new Float64Array(0)])];
    this.probabilityParts = [concatFloat64(this.probabilityParts.length ? this.probabilityParts : [new Float64Array(0)])];
    this.idParts = [concatFloat64(this.idParts.length ? this.idParts : [new Float64Array(0)])];
    return { samples: this.sampleParts[0]!, logits: this.logitParts[0]!, probabilities: this.probabilityParts[0]!, ids: this.idParts[0]! };
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
    const size = this.sampleSize;
    const samples = new Float32Array(kept.length * size);
    const take = (from: Float64Array): Float64Array => Float64Array.from(kept, (i) => from[i] as number);
    kept.forEach((i, o) => samples.set(all.samples.subarray(i * size, (i + 1) * size), o * size));
    this.sampleParts = [samples];
    this.logitParts = [take(all.logits)];
    this.probabilityParts = [take(all.probabilities)];
    this.idParts = [take(all.ids)];
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

/**
 * The acceptance step of one round: hand the sampler the finite logits, draw one seeded
 * uniform per proposal, and pick the accepted rows. Hot path: plain loops, no per-row objects.
 */
import type { SamplerState } from '../contracts.js';
import type { Random } from '../random.js';

export interface RoundDecision {
  /** Accepted row indices, in proposal order. */
  readonly accepted: Int32Array;
  /** Acceptance probability of every row (0 for invalid logits). */
  readonly probabilities: Float64Array;
  /** Rows considered: all of them, or up to the one that completed the request. */
  readonly considered: number;
  /** Considered rows whose logit was NaN or ±Inf. */
  readonly invalid: number;
  /** Whether the sampler saw any logit (γ is only meaningful then). */
  readonly decided: boolean;
}

export interface RoundInput {
  /** D̃ of every proposal of the round, in proposal order (NaN/±Inf for invalid ones). */
  readonly logits: Float64Array;
  readonly state: SamplerState;
  /** The run's acceptance stream: one uniform per proposal considered. */
  readonly uniforms: Random;
  /** Accepted samples still wanted: rows past the one that completes the request are not considered. */
  readonly needed: number;
  /** For the error when a sampler breaks the contract. */
  readonly samplerName: string;
}

export function decideRound({ logits, state, uniforms, needed, samplerName }: RoundInput): RoundDecision {
  const rows = logits.length;
  let finiteCount = 0;
  for (let i = 0; i < rows; i++) if (Number.isFinite(logits[i])) finiteCount++;
  const allFinite = finiteCount === rows;
  let finite = logits;
  if (!allFinite) {
    finite = new Float64Array(finiteCount);
    for (let i = 0, k = 0; i < rows; i++) if (Number.isFinite(logits[i])) finite[k++] = logits[i] as number;
  }
  const decided = finiteCount > 0 ? state.decide(finite) : new Float64Array(0);
  if (decided.length !== finiteCount) {
    throw new Error(`sampler "${samplerName}" broke the contract: decide() returned ${decided.length} probabilities for ${finiteCount} logits`);
  }
  const probabilities = new Float64Array(rows);
  for (let i = 0, k = 0; i < rows; i++) {
    if (!allFinite && !Number.isFinite(logits[i])) continue;
    const v = decided[k++] as number;
    probabilities[i] = v > 0 ? (v < 1 ? v : 1) : 0; // clamps, and NaN → 0
  }
  const accepted = new Int32Array(Math.min(rows, needed));
  let taken = 0;
  let invalid = 0;
  let i = 0;
  for (; i < rows && taken < needed; i++) {
    const u = uniforms.uniform(); // one per proposal, valid or not, keeps the stream aligned
    if (!allFinite && !Number.isFinite(logits[i])) invalid++;
    else if (u < (probabilities[i] as number)) accepted[taken++] = i;
  }
  return { accepted: accepted.subarray(0, taken), probabilities, considered: i, invalid, decided: finiteCount > 0 };
}

/** Copies the given rows of a row-major matrix into a new, packed one. */
export function gatherRows(source: Float32Array, rowSize: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * rowSize);
  for (let k = 0; k < rows.length; k++) {
    const from = (rows[k] as number) * rowSize;
    if (rowSize <= 16) for (let j = 0; j < rowSize; j++) out[k * rowSize + j] = source[from + j] as number;
    else out.set(source.subarray(from, from + rowSize), k * rowSize);
  }
  return out;
}

export function gather(source: Float64Array, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = source[rows[k] as number] as number;
  return out;
}

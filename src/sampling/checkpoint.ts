/**
 * Where a stream stands between two rounds, exactly enough to continue it: the positions of the
 * run's random streams, proposals drawn, the sampler's snapshot, the rows it holds and the
 * counts. A cursor (src/sampling/cursor.ts) is one of these, signed, with the request it belongs to.
 */
import type { SamplerSnapshot } from '../contracts.js';
import type { RandomState } from '../random.js';
import type { HeldRow } from './accept.js';
import type { TallySnapshot } from './tally.js';

/** A held row: a real sample by its index, or a generated one by its latent (its values are recomputed by G on resume). */
export interface HeldCheckpoint {
  readonly slot: number;
  /** The proposal number (for distinct counts); −1 − i for real sample i. */
  readonly id: number;
  /** Raw D̃ of the row. */
  readonly logit: number;
  /** Index of the held-out real sample, or null for a generated row. */
  readonly real: number | null;
  /** The generated row's latent; null for a real row. */
  readonly latent: Float32Array | null;
}

export interface RunCheckpoint {
  /** Proposals drawn so far: the next round's first proposal number. */
  readonly drawn: number;
  readonly latents: RandomState;
  readonly uniforms: RandomState;
  /** The sampler's own stream (`StartContext.random`). */
  readonly samplerRandom: RandomState;
  readonly sampler: SamplerSnapshot;
  readonly held: readonly HeldCheckpoint[];
  readonly tally: TallySnapshot;
}

/** Where a resumed run starts: a checkpoint, and how many outputs of the round after it the client already has. */
export interface ResumePoint {
  readonly checkpoint: RunCheckpoint;
  readonly skip: number;
}

/** The held rows as a checkpoint lists them; null when a generated row has no latent kept (not resumable). */
export function heldCheckpoint(held: ReadonlyMap<number, HeldRow>): HeldCheckpoint[] | null {
  const out: HeldCheckpoint[] = [];
  for (const [slot, row] of held) {
    if (row.real) out.push({ slot, id: row.id, logit: row.logit, real: -1 - row.id, latent: null });
    else if (row.latent) out.push({ slot, id: row.id, logit: row.logit, real: null, latent: row.latent });
    else return null;
  }
  return out;
}

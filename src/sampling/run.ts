/**
 * One sampling run: draws seeded proposals in fixed-size batches, lets the sampler decide each
 * batch (with seeded uniforms), and yields its outputs until `count`, the proposal budget, or
 * cancellation. Results depend only on the request (model, sampler, params, seed, batch size),
 * never on what else shares the inference batches nor on how many batches one inference round
 * holds: a self-sized round of several batches is decided batch by batch.
 */
import { setMaxListeners } from 'node:events';
import { AbortReason, linkAbort, raceAbort, abortError } from '../abort.js';
import type { BurnIn, CalibrationMethod, Calibrator, ModelDescriptor, PreparationContext, SamplerState } from '../contracts.js';
import { ErrorCode, SamplingError, errorCode } from '../errors.js';
import { concatFloat32, concatFloat64 } from '../inference/buffers.js';
import { toLogits } from '../inference/round.js';
import type { RoundOutput } from '../inference/batcher.js';
import type { Admission } from './engine.js';
import { decideRound, type HeldRow, type RealData, type RoundOutputs } from './accept.js';
import { OutputLog } from './outputs.js';
import { RoundPipeline, type RoundFn } from './pipeline.js';
import { Random } from '../random.js';
import { RunTally, emptyStats, type RunStats } from './tally.js';

export type { RunStats } from './tally.js';

/** Output samples with their logits and acceptance probabilities. */
export interface AcceptedSamples {
  /** Row-major, `count × sampleSize` values. */
  readonly samples: Float32Array;
  readonly logits: Float64Array;
  readonly acceptanceProbabilities: Float64Array;
  readonly count: number;
  readonly sampleSize: number;
}

/** Output samples and the stats of the run so far: one chunk of a run, or all of it. */
export interface RunResult extends AcceptedSamples {
  readonly stats: RunStats;
}

export interface SampleChunk extends RunResult {
  /** True on the last chunk. */
  readonly done: boolean;
}

/** How a run ended: COMPLETED (`count` accepted), or the code of what stopped it. */
export type RunOutcome = 'COMPLETED' | ErrorCode;

/** A finished run, however it finished. */
export interface RunEnd {
  readonly outcome: RunOutcome;
  /** What stopped it (null when COMPLETED). */
  readonly error: unknown;
  /** Its stats at the end (proposals up to the point it stopped). */
  readonly stats: RunStats;
  /** From the run's creation to its end, burn-in included. */
  readonly ms: number;
}

/** The engine's per-model services a run's sampler may ask for in `prepare`. */
export interface ModelServices {
  burnIn(count: number): Promise<BurnIn>;
  realData(): Promise<RealData>;
  calibrator(method: CalibrationMethod): Promise<Calibrator>;
}

export interface RunPlan extends Admission {
  /** What the sampler knows of the model (for a conditional run: its class and that class's real samples). */
  readonly descriptor: ModelDescriptor;
  readonly round: RoundFn;
  readonly services: ModelServices;
  /**
   * `collect` (a `sample` query): outputs come in one final chunk, after re-thinning them when
   * the sampler's bound rose. `stream` (default): outputs go out as they come.
   */
  readonly mode?: 'collect' | 'stream';
  /** A progress chunk with no samples is yielded at most this often while nothing is output. */
  readonly progressIntervalMs: number;
  /** Rounds a run may have in flight ahead of its acceptance step. */
  readonly pipelineDepth: number;
  /** Inference time a self-sized round aims at. */
  readonly roundTargetMs: number;
  /** Cancels the run when it aborts (a client, the server's shutdown). */
  readonly signal?: AbortSignal | undefined;
  /** Called after each decided round with what it added (for live metrics). */
  readonly onRound?: (round: { readonly proposed: number; readonly accepted: number }) => void;
  /** Called once when the run ends, however it ends. */
  readonly onEnd?: (end: RunEnd) => void;
}

/**
 * A run as an async iterable. `return()` (a consumer that stops early) and `cancel()` abort the
 * run's pending inference at once, instead of waiting for the round in flight.
 */
export class SamplingRun implements AsyncIterableIterator<SampleChunk> {
  private readonly controller = new AbortController();
  private readonly generator: AsyncGenerator<SampleChunk, void, undefined>;
  private readonly unlink: () => void;
  private current: RunStats;
  private ended = false;
  private readonly createdAt = performance.now();
  private tally: RunTally | undefined;
  private completed = false;
  private failure: unknown;

  constructor(private readonly plan: RunPlan) {
    // One abort listener per inference batch in flight (a big round spans several): not a leak.
    setMaxListeners(0, this.controller.signal);
    this.unlink = linkAbort(plan.signal, this.controller);
    this.current = emptyStats(plan.seed);
    this.generator = this.execute();
  }

  /** Stats so far (final once the iteration ended). */
  get stats(): RunStats {
    return this.current;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Values per sample. */
  get sampleSize(): number {
    return this.plan.model.sampleSize;
  }

  cancel(reason: unknown = AbortReason.ABORTED): void {
    this.controller.abort(reason);
  }

  next(): Promise<IteratorResult<SampleChunk>> {
    return this.generator.next();
  }

  async return(): Promise<IteratorResult<SampleChunk>> {
    this.cancel();
    await this.generator.return(undefined).catch(() => undefined);
    this.end(); // a generator stopped before its first step never runs its finally
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private async *execute(): AsyncGenerator<SampleChunk, void, undefined> {
    try {
      yield* this.produce();
      this.completed = true;
    } catch (error) {
      this.failure = error;
      throw error;
    } finally {
      this.end();
    }
  }

  /** Finished, failed or stopped: drop rounds still queued for this run, and let go of the caller's signal. */
  private end(): void {
    // All `count` accepted is COMPLETED even when the consumer stops right after the last chunk.
    if (this.tally && this.tally.accepted >= this.plan.count) this.completed = true;
    // Read before aborting below: a run stopped by its consumer or a signal reports that reason.
    const reason: unknown = this.controller.signal.reason;
    const error: unknown = this.completed ? null : (this.failure ?? reason ?? new DOMException('sampling run stopped', 'AbortError'));
    if (!this.controller.signal.aborted) this.controller.abort(AbortReason.RUN_ENDED);
    if (this.ended) return;
    this.ended = true;
    this.unlink();
    if (this.tally && !this.completed) this.current = this.tally.stats();
    this.plan.onEnd?.({ outcome: error === null ? 'COMPLETED' : errorCode(error), error, stats: this.current, ms: performance.now() - this.createdAt });
  }

  /** The sampler's state, and the real data when `prepare` asked for it. */
  private async prepare(signal: AbortSignal): Promise<{ state: SamplerState; real: RealData | null }> {
    const { plugin, params, descriptor, services, seed } = this.plan;
    let real: Promise<RealData> | null = null;
    const context: PreparationContext = {
      model: descriptor,
      burnIn: (n) => services.burnIn(n),
      realLogits: () => (real ??= services.realData()).then((d) => d.logits),
      calibrator: (method) => services.calibrator(method),
      signal,
    };
    const prepared = plugin.prepare ? await raceAbort(plugin.prepare(params, context), signal) : undefined;
    const state = plugin.start(params, prepared, { model: descriptor, random: new Random(seed, 4) });
    return { state, real: real ? await raceAbort(real, signal) : null };
  }

  private async *produce(): AsyncGenerator<SampleChunk, void, undefined> {
    const { model, plugin, count, seed, maxProposals, batchSize, maxRoundRows } = this.plan;
    const collect = this.plan.mode === 'collect';
    const signal = this.controller.signal;
    const { state, real } = await this.prepare(signal);
    const tally = new RunTally(seed, state);
    this.tally = tally;
    const uniforms = new Random(seed, 2);
    const rethinning = new Random(seed, 3);
    const held = new Map<number, HeldRow>();
    const log = new OutputLog(model.sampleSize, collect);
    const { dim, distribution } = model.manifest.latent;
    const pipeline = new RoundPipeline({
      round: this.plan.round,
      depth: this.plan.pipelineDepth,
      batchSize,
      maxRoundRows,
      roundTargetMs: this.plan.roundTargetMs,
      maxProposals,
      latents: { rng: new Random(seed, 1), dim, distribution },
      signal,
    });
    const progress = () => ({ proposed: tally.proposed, accepted: tally.accepted, acceptanceRate: tally.acceptanceRate, count });
    let lastYield = performance.now();
    let firstId = 0;
    /** The round being decided, and its next batch. */
    let current: { round: RoundOutput; logits: Float64Array; from: number; firstId: number } | null = null;

    for (;;) {
      if (tally.accepted >= count) {
        if (!collect) break;
        const dropped = log.rethin(state, rethinning); // exact under the final bound; then draw more
        if (dropped.length === 0) break;
        tally.retract(dropped);
        continue;
      }
      if (!current) {
        pipeline.fill(progress());
        const next = pipeline.next();
        if (!next) throw budgetExhausted(maxProposals, tally.accepted, count, tally.acceptanceRate);
        const round = await raceAbort(next, signal);
        pipeline.fill(progress()); // keep the workers busy while this round is decided
        current = { round, logits: toLogits(round.logits, model.manifest.discriminatorOutput), from: 0, firstId };
        firstId += round.logits.length;
      }

      // The sampler steps once per batch of `batchSize` proposals, however many batches the round
      // holds. Batches left when `count` is reached wait for a re-thinning that asks for more.
      const { round, logits } = current;
      const { sampleSize } = model;
      const parts: RoundOutputs[] = [];
      let proposed = 0;
      for (; current.from < logits.length && tally.accepted < count; current.from += batchSize) {
        const from = current.from;
        const to = Math.min(logits.length, from + batchSize);
        const decision = decideRound({
          logits: logits.subarray(from, to),
          samples: round.samples.subarray(from * sampleSize, to * sampleSize),
          sampleSize,
          state,
          uniforms,
          needed: count - tally.accepted,
          held,
          real,
          firstId: current.firstId + from,
          samplerName: plugin.name,
        });
        const first = from === 0;
        const { outputs: part } = decision;
        tally.add({ rounds: first ? round.rounds : 0, batchRowsTotal: first ? round.batchRowsTotal : 0, ...decision, ids: part.ids });
        log.add(part);
        parts.push(part);
        proposed += decision.considered;
      }
      if (current.from >= logits.length) current = null;
      const outputs = parts.length === 1 ? parts[0]! : joinOutputs(parts);
      if (!collect) tally.staleOutputs = log.stale(state, tally.staleOutputs);
      this.plan.onRound?.({ proposed, accepted: outputs.count });

      const done = !collect && tally.accepted >= count;
      const now = performance.now();
      if ((!collect && outputs.count > 0) || done || now - lastYield >= this.plan.progressIntervalMs) {
        lastYield = now;
        this.current = tally.stats();
        yield collect
          ? { ...emptyChunk(model.sampleSize), stats: this.current, done: false }
          : { ...outputs, acceptanceProbabilities: outputs.probabilities, sampleSize: model.sampleSize, stats: this.current, done };
      }
      if (signal.aborted) throw abortError(signal);
    }
    this.current = tally.stats();
    if (collect) {
      const all = log.joined();
      yield {
        samples: all.samples,
        logits: all.logits,
        acceptanceProbabilities: all.probabilities,
        count: all.logits.length,
        sampleSize: model.sampleSize,
        stats: this.current,
        done: true,
      };
    }
  }
}

/** A round's outputs, batch after batch. */
function joinOutputs(parts: readonly RoundOutputs[]): RoundOutputs {
  return {
    samples: concatFloat32(parts.map((p) => p.samples)),
    logits: concatFloat64(parts.map((p) => p.logits)),
    probabilities: concatFloat64(parts.map((p) => p.probabilities)),
    ids: concatFloat64(parts.map((p) => p.ids)),
    count: parts.reduce((n, p) => n + p.count, 0),
  };
}

function emptyChunk(sampleSize: number): AcceptedSamples {
  return { samples: new Float32Array(0), logits: new Float64Array(0), acceptanceProbabilities: new Float64Array(0), count: 0, sampleSize };
}

function budgetExhausted(maxProposals: number, accepted: number, count: number, rate: number): SamplingError {
  return new SamplingError(
    ErrorCode.PROPOSAL_BUDGET_EXHAUSTED,
    `proposal budget of ${maxProposals} exhausted after accepting ${accepted} of ${count} samples ` +
      `(acceptance rate ${(rate * 100).toPrecision(3)}%); raise maxProposals or choose a sampler/parameters with a higher acceptance rate`,
    { maxProposals, accepted, count, acceptanceRate: rate },
  );
}

/** Iterates a run to its end and joins its chunks into one result with the final stats. */
export async function collectRun(run: SamplingRun, onChunk?: (chunk: SampleChunk) => void): Promise<RunResult> {
  const chunks: SampleChunk[] = [];
  for await (const chunk of run) {
    chunks.push(chunk);
    onChunk?.(chunk);
  }
  return joinChunks(chunks, run.stats, run.sampleSize);
}

export function joinChunks(chunks: readonly AcceptedSamples[], stats: RunStats, sampleSize: number): RunResult {
  return {
    samples: concatFloat32(chunks.map((c) => c.samples)),
    logits: concatFloat64(chunks.map((c) => c.logits)),
    acceptanceProbabilities: concatFloat64(chunks.map((c) => c.acceptanceProbabilities)),
    count: chunks.reduce((n, c) => n + c.count, 0),
    sampleSize,
    stats,
  };
}

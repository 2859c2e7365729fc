/**
 * One sampling run: draws seeded proposals in fixed-size batches, lets the sampler decide each
 * batch (with seeded uniforms), and yields its outputs until `count`, the proposal budget, or
 * cancellation. Results depend only on the request (model, sampler, params, seed, batch size),
 * never on what else shares the inference batches nor on how many batches one inference round
 * holds: a self-sized round of several batches is decided batch by batch.
 */
import { setMaxListeners } from 'node:events';
import { AbortReason, AbortableWaits, linkAbort, raceAbort, abortError } from '../abort.js';
import {
  SamplerContractError,
  isLatentSampler,
  type BurnIn,
  type CalibrationMethod,
  type Calibrator,
  type LatentSamplerPlugin,
  type ModelDescriptor,
  type PreparationContext,
  type SamplerPlugin,
  type SamplerState,
} from '../contracts.js';
import { ErrorCode, SamplingError, badInput, errorCode } from '../errors.js';
import { concatFloat32, concatFloat64 } from '../inference/buffers.js';
import { writeLogits } from '../inference/round.js';
import type { DiscriminatorOutput } from '../models/manifest.js';
import type { Admission } from './engine.js';
import { DecisionScratch, decideRound, type HeldRow, type RealData } from './accept.js';
import { OutputColumns, OutputLog } from './outputs.js';
import { GradientLedger, LatentBatchRun, type GradientFn } from './latent.js';
import { RoundPipeline, RoundReader, type RoundFn, type RoundPiecesFn } from './pipeline.js';
import { Random } from '../random.js';
import { heldCheckpoint, type HeldCheckpoint, type ResumePoint, type RunCheckpoint } from './checkpoint.js';
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
  /**
   * A stream's position after this chunk (a run resumed from it continues exactly, see
   * `RunPlan.resume`); null when the sampler cannot snapshot its state, absent for a `sample` query.
   */
  readonly after?: ResumePoint | null;
  /**
   * Its position before this chunk's first sample: `{ ...before, skip: before.skip + k }` resumes
   * after the chunk's first k samples (for an event that carries part of a chunk). Null or absent as `after`.
   */
  readonly before?: ResumePoint | null;
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
  /** The round piece by piece (the run decides a round's first batches while the rest run); `round` when absent. */
  readonly pieces?: RoundPiecesFn;
  /** The model's inference milliseconds per row as far as known (rounds are sized from the start), and where to report what this run measures. */
  readonly speed?: { readonly msPerRow: number; readonly report: (msPerRow: number) => void };
  /** Gradient rounds on the model's latent-gradient graph (latent samplers only; admission checked the model has one). */
  readonly gradient?: GradientFn;
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
  /** Continue a stream from a checkpoint (a cursor) instead of starting it: the samples are those an uninterrupted run would send next. */
  readonly resume?: ResumePoint | undefined;
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

  /** What the sampler's `prepare` returned, and the real data when it asked for it. */
  private async prepareShared(signal: AbortSignal): Promise<{ prepared: unknown; real: RealData | null }> {
    const { plugin, params, descriptor, services } = this.plan;
    let real: Promise<RealData> | null = null;
    const context: PreparationContext = {
      model: descriptor,
      burnIn: (n) => services.burnIn(n),
      realLogits: () => (real ??= services.realData()).then((d) => d.logits),
      calibrator: (method) => services.calibrator(method),
      signal,
    };
    const prepared = plugin.prepare ? await raceAbort(plugin.prepare(params, context), signal) : undefined;
    return { prepared, real: real ? await raceAbort(real, signal) : null };
  }

  /** The sampler's state (started, or restored from the checkpoint), its random stream, and the real data when `prepare` asked for it. */
  private async prepare(plugin: SamplerPlugin, signal: AbortSignal): Promise<{ state: SamplerState; real: RealData | null; random: Random }> {
    const { params, descriptor, seed, resume } = this.plan;
    const { prepared, real } = await this.prepareShared(signal);
    const random = resume ? Random.restore(resume.checkpoint.samplerRandom) : new Random(seed, 4);
    const start = { model: descriptor, random };
    let state: SamplerState;
    if (!resume) state = plugin.start(params, prepared, start);
    else {
      if (!plugin.restore) throw badInput('resumeFrom', `sampler "${plugin.name}" cannot resume a stream (it implements no restore)`);
      try {
        state = plugin.restore(params, prepared, start, resume.checkpoint.sampler);
      } catch (error) {
        throw badInput('resumeFrom', `the cursor's sampler state does not restore: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { state, real, random };
  }

  /** The rows a checkpoint's sampler held: real ones from the model's real data, generated ones recomputed by G from their latents. */
  private async restoreHeld(rows: readonly HeldCheckpoint[], real: RealData | null, signal: AbortSignal): Promise<Map<number, HeldRow>> {
    const { model } = this.plan;
    const size = model.sampleSize;
    const dim = model.manifest.latent.dim;
    const generated = rows.filter((r) => r.real === null && r.latent?.length === dim);
    let samples: Float32Array = new Float32Array(0);
    if (generated.length > 0) {
      const latents = new Float32Array(generated.length * dim);
      generated.forEach((r, i) => latents.set(r.latent!, i * dim));
      samples = (await raceAbort(this.plan.round(latents, generated.length, signal), signal)).samples;
    }
    const held = new Map<number, HeldRow>();
    let g = 0;
    for (const r of rows) {
      if (r.real === null) {
        if (r.latent!.length !== dim) throw badInput('resumeFrom', `the cursor holds a latent of ${r.latent!.length} values; model "${model.id}" takes ${dim}`);
        const i = g++;
        held.set(r.slot, { values: samples.slice(i * size, (i + 1) * size), logit: r.logit, id: r.id, real: false, latent: r.latent });
        continue;
      }
      if (!real || r.real >= real.count) throw badInput('resumeFrom', `the cursor holds real sample ${r.real}, which model "${model.id}" does not ship`);
      held.set(r.slot, {
        values: real.samples.subarray(r.real * size, (r.real + 1) * size),
        logit: real.logits[r.real] as number,
        id: r.id,
        real: true,
        latent: null,
      });
    }
    return held;
  }

  private async *produce(): AsyncGenerator<SampleChunk, void, undefined> {
    const { plugin } = this.plan;
    if (isLatentSampler(plugin)) yield* this.produceLatent(plugin);
    else yield* this.produceRounds(plugin);
  }

  private async *produceRounds(plugin: SamplerPlugin): AsyncGenerator<SampleChunk, void, undefined> {
    const { model, count, seed, maxProposals, batchSize, maxRoundRows } = this.plan;
    const collect = this.plan.mode === 'collect';
    const signal = this.controller.signal;
    const { state, real, random } = await this.prepare(plugin, signal);
    const { resume } = this.plan;
    const saved = resume?.checkpoint;
    // A `sample` query holds all its outputs anyway: room for them (and their ids) up front instead of growing by copies.
    const tally = new RunTally(seed, state, saved?.tally, collect ? count : 0);
    this.tally = tally;
    const uniforms = saved ? Random.restore(saved.uniforms) : new Random(seed, 2);
    const rethinning = new Random(seed, 3);
    const heldRows = saved ? await this.restoreHeld(saved.held, real, signal) : new Map<number, HeldRow>();
    // Streams checkpoint every round they yield, when the sampler can snapshot its state.
    const checkpoints = !collect && state.snapshot !== undefined;
    let skip = resume?.skip ?? 0;
    const log = new OutputLog(model.sampleSize, collect, collect ? count : 0);
    const waits = new AbortableWaits(signal);
    const { dim, distribution } = model.manifest.latent;
    const pipeline = new RoundPipeline({
      round: this.plan.round,
      pieces: this.plan.pieces,
      initialMsPerRow: this.plan.speed?.msPerRow,
      onSpeed: this.plan.speed?.report,
      depth: this.plan.pipelineDepth,
      batchSize,
      maxRoundRows,
      roundTargetMs: this.plan.roundTargetMs,
      maxProposals,
      latents: { rng: saved ? Random.restore(saved.latents) : new Random(seed, 1), dim, distribution },
      signal,
      drawn: saved?.drawn,
      keepLatents: checkpoints,
    });
    const progress = () => ({
      proposed: tally.proposed,
      accepted: tally.accepted,
      acceptanceRate: tally.acceptanceRate,
      count,
      undecided: current ? current.reader.round.rows - current.from : 0,
    });
    let lastYield = performance.now();
    let firstId = saved?.drawn ?? 0;
    /** Where the stream stands after what it yielded so far: the resume point, or the start of a fresh run. */
    let before: ResumePoint | null = resume ?? null;
    if (!resume && checkpoints) {
      const start = new Random(seed, 1).state(); // the latent stream before the pipeline drew from it
      before = {
        checkpoint: {
          drawn: 0,
          latents: start,
          uniforms: uniforms.state(),
          samplerRandom: random.state(),
          sampler: state.snapshot!(),
          held: [],
          tally: tally.snapshot(),
        },
        skip: 0,
      };
    }
    /** The round being decided (read as its pieces arrive), and its next batch. */
    let current: { reader: RoundReader; from: number; firstId: number } | null = null;

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
        current = { reader: new RoundReader(next, model.sampleSize), from: 0, firstId };
        firstId += next.rows;
      }

      // The sampler steps once per batch of `batchSize` proposals, however many batches the round
      // holds, each as soon as its rows are back. Batches left when `count` is reached wait for a
      // re-thinning that asks for more.
      const { reader } = current;
      const next = reader.round;
      const { sampleSize } = model;
      // A `sample` query's outputs go straight into the log; a stream's into this round's event.
      const event = collect ? null : new OutputColumns(sampleSize, expectedOutputs(next.rows - current.from, count - tally.accepted, tally));
      const sink = event ?? log.columns;
      let proposed = 0;
      let accepted = 0;
      for (; current.from < next.rows && tally.accepted < count; current.from += batchSize) {
        const from = current.from;
        const to = Math.min(next.rows, from + batchSize);
        // Many pieces can be back at once (the workers run ahead): deciding them all in one go would hold up every other request.
        if (turnOverBudget()) await yieldTurn();
        const slice = reader.ready(from, to) ?? (await reader.wait(from, to, waits));
        const appendedFrom = sink.count;
        const decision = decideRound(
          {
            logits: toLogitsInto(slice.raw, model.manifest.discriminatorOutput, SCRATCH),
            samples: slice.samples,
            sampleSize,
            state,
            uniforms,
            needed: count - tally.accepted,
            held: heldRows,
            real,
            firstId: current.firstId + from,
            samplerName: plugin.name,
            latents: checkpoints && next.latents ? { values: next.latents.subarray(from * dim, to * dim), dim } : undefined,
          },
          SCRATCH,
          sink,
        );
        tally.add({ rounds: slice.rounds, batchRowsTotal: slice.batchRowsTotal, ...decision, ids: decision.outputs.ids });
        if (skip > 0) {
          // Resumed with outputs to skip: the client already has them.
          const dropped = Math.min(skip, decision.outputs.count);
          sink.remove(appendedFrom, dropped);
          skip -= dropped;
        }
        if (event) log.add(event.since(appendedFrom));
        accepted += sink.count - appendedFrom;
        proposed += decision.considered;
        // Keep the workers busy while this round is decided: once a rate is known, draw what it says is needed.
        pipeline.fill(progress());
      }
      if (current.from >= next.rows) current = null;
      if (!collect) tally.staleOutputs = tally.staleBefore + log.stale(state, tally.staleOutputs - tally.staleBefore);
      this.plan.onRound?.({ proposed, accepted });

      const done = !collect && tally.accepted >= count;
      const now = performance.now();
      if ((!collect && accepted > 0) || done || now - lastYield >= this.plan.progressIntervalMs) {
        lastYield = now;
        this.current = tally.stats();
        const held = checkpoints ? heldCheckpoint(heldRows) : null;
        const checkpoint: RunCheckpoint | null =
          checkpoints && held && next.latentsAfter
            ? {
                drawn: next.drawnAfter,
                latents: next.latentsAfter,
                uniforms: uniforms.state(),
                samplerRandom: random.state(),
                sampler: state.snapshot!(),
                held,
                tally: tally.snapshot(),
              }
            : null;
        // `skip` is left over only when a resumed round had fewer outputs than the cursor skipped: the rest comes off the next rounds.
        const after: ResumePoint | null = checkpoint ? { checkpoint, skip } : null;
        if (collect) yield { ...emptyChunk(model.sampleSize), stats: this.current, done: false };
        else {
          const chunkBefore = before;
          before = after;
          const outputs = event!.view();
          yield {
            ...outputs,
            acceptanceProbabilities: outputs.probabilities,
            sampleSize: model.sampleSize,
            stats: this.current,
            done,
            after,
            before: chunkBefore,
          };
        }
      }
      if (signal.aborted) throw abortError(signal);
    }
    this.current = tally.stats();
    if (collect) yield collectedChunk(log, model.sampleSize, this.current);
  }

  /** A latent sampler's run: batches of seeded starting latents through its `move` (src/sampling/latent.ts). */
  private async *produceLatent(plugin: LatentSamplerPlugin): AsyncGenerator<SampleChunk, void, undefined> {
    const { model, count, seed, maxProposals, batchSize, params, gradient } = this.plan;
    if (!gradient) throw new SamplingError(ErrorCode.SAMPLER_UNAVAILABLE, `sampler "${plugin.name}" needs gradient rounds, which this engine did not provide`);
    const collect = this.plan.mode === 'collect';
    const signal = this.controller.signal;
    if (this.plan.resume) throw badInput('resumeFrom', `sampler "${plugin.name}" cannot resume a stream (latent samplers keep no checkpoint)`);
    const { prepared } = await this.prepareShared(signal);
    const own = plugin.start(params, prepared, { model: model.descriptor, random: new Random(seed, 4) });
    const ledger = new GradientLedger(maxProposals);
    let accepted = 0;
    const state = { report: () => ledger.report(own.report(), accepted) };
    const tally = new RunTally(seed, state);
    this.tally = tally;
    const log = new OutputLog(model.sampleSize, collect);
    const { dim, distribution } = model.manifest.latent;
    const starts = new Random(seed, 1);
    let firstId = 0;
    let lastYield = performance.now();
    while (tally.accepted < count) {
      const needed = count - tally.accepted;
      const rows = Math.min(batchSize, needed);
      const batch = new LatentBatchRun({
        plugin,
        model,
        latents: Float64Array.from(starts.latents(rows, dim, distribution)),
        needed,
        accepted: tally.accepted,
        count,
        ledger,
        gradient,
        signal,
        firstId,
      });
      const spentBefore = ledger.spent;
      const roundsBefore = ledger.rounds;
      const rowsBefore = ledger.rows;
      try {
        await raceAbort(own.move(batch), signal);
      } finally {
        batch.close();
      }
      firstId += batch.idsUsed;
      const outputs = batch.gather();
      if (outputs.count === 0 && ledger.spent === spentBefore) {
        throw new SamplerContractError(plugin.name, 'move() ran no gradient round and output nothing: the run could never finish');
      }
      tally.add({
        rounds: ledger.rounds - roundsBefore,
        batchRowsTotal: ledger.rows - rowsBefore,
        considered: ledger.spent - spentBefore,
        invalid: 0,
        ids: outputs.ids,
        decided: true,
      });
      accepted = tally.accepted;
      log.add(outputs);
      this.plan.onRound?.({ proposed: ledger.spent - spentBefore, accepted: outputs.count });
      const done = tally.accepted >= count;
      const now = performance.now();
      if ((!collect && outputs.count > 0) || done || now - lastYield >= this.plan.progressIntervalMs) {
        lastYield = now;
        this.current = tally.stats();
        if (collect && done) break;
        yield collect
          ? { ...emptyChunk(model.sampleSize), stats: this.current, done: false }
          : { ...outputs, acceptanceProbabilities: outputs.probabilities, sampleSize: model.sampleSize, stats: this.current, done };
      }
      if (signal.aborted) throw abortError(signal);
    }
    this.current = tally.stats();
    if (collect) yield collectedChunk(log, model.sampleSize, this.current);
  }
}

/**
 * Decisions every run together may take in one turn of the event loop before they let it go on
 * (to other requests' I/O and timers): deciding every batch that is back at once could otherwise
 * hold the loop for tens of milliseconds under load.
 */
const TURN_BUDGET_MS = 3;
let turnStartedAt = performance.now();
let turnMarked = false;

/** Whether the runs have used this turn's budget (a turn ends at the event loop's next check phase). */
function turnOverBudget(): boolean {
  if (!turnMarked) {
    // The first run to ask this turn starts its clock (work before it was not runs' work).
    turnMarked = true;
    turnStartedAt = performance.now();
    setImmediate(() => {
      turnMarked = false;
      turnStartedAt = performance.now();
    });
  }
  return performance.now() - turnStartedAt > TURN_BUDGET_MS;
}

/** Continues in a later turn of the event loop. */
function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The arrays a batch's decision works in, shared by every run: a decision is synchronous (from
 * converting the batch's logits to appending its outputs), so no two ever overlap.
 */
const SCRATCH = new DecisionScratch();

/** Room to start a stream event with: the outputs a round of `rows` is expected to give, at most those still needed. */
function expectedOutputs(rows: number, needed: number, tally: RunTally): number {
  const rate = tally.proposed > 0 ? tally.acceptanceRate : 1;
  return Math.min(needed, Math.ceil(rows * Math.min(1, rate * 1.2)) + 16);
}

/** D's output for a batch as float64 logits, in the decisions' reused scratch array. */
function toLogitsInto(raw: Float32Array, output: DiscriminatorOutput, scratch: DecisionScratch): Float64Array {
  scratch.reserve(raw.length);
  return writeLogits(raw, output, scratch.logits.subarray(0, raw.length));
}

/** A `sample` query's one chunk: every output the run logged, joined. */
function collectedChunk(log: OutputLog, sampleSize: number, stats: RunStats): SampleChunk {
  const all = log.joined();
  return {
    samples: all.samples,
    logits: all.logits,
    acceptanceProbabilities: all.probabilities,
    count: all.logits.length,
    sampleSize,
    stats,
    done: true,
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

export function joinChunks(all: readonly AcceptedSamples[], stats: RunStats, sampleSize: number): RunResult & Pick<SampleChunk, 'after' | 'before'> {
  // Stream chunks joined into one event: it starts where the first started and ends where the last ended.
  const first = all[0] as Partial<SampleChunk> | undefined;
  const last = all.at(-1) as Partial<SampleChunk> | undefined;
  const withSamples = all.filter((c) => c.count > 0);
  const chunks = withSamples.length > 0 ? withSamples : all.slice(0, 1); // one chunk's arrays are passed on uncopied
  return {
    ...(last?.after !== undefined && { after: last.after }),
    ...(first?.before !== undefined && { before: first.before }),
    samples: concatFloat32(chunks.map((c) => c.samples)),
    logits: concatFloat64(chunks.map((c) => c.logits)),
    acceptanceProbabilities: concatFloat64(chunks.map((c) => c.acceptanceProbabilities)),
    count: chunks.reduce((n, c) => n + c.count, 0),
    sampleSize,
    stats,
  };
}

/**
 * One sampling run: draws seeded proposals in fixed-size batches, lets the sampler decide each
 * batch, accepts with seeded uniforms, and streams accepted samples until `count`, the
 * proposal budget, or cancellation. Results depend only on the request (model, sampler,
 * params, seed, batch size), never on what else shares the inference batches.
 */
import type { PreparationContext, SamplerParams, SamplerPlugin, SamplerState } from '../contracts.js';
import { SamplingError } from '../errors.js';
import { abortError, raceAbort, type RoundOutput } from '../inference/batcher.js';
import type { ReadyModel } from '../models/repository.js';
import { decideRound, gather, gatherRows } from './accept.js';
import { Random } from './random.js';

export interface RunStats {
  readonly seed: number;
  readonly proposed: number;
  readonly accepted: number;
  readonly acceptanceRate: number;
  /** Proposals whose logit was NaN or ±Inf; counted as rejections. */
  readonly invalidLogits: number;
  /** Inference rounds this run took part in. */
  readonly rounds: number;
  /** Mean rows of the shared batches those rounds ran in (> batchSize when requests coalesce). */
  readonly meanBatchSize: number;
  /** D̃_M before the first batch and now (samplers that keep one). */
  readonly logitMaxStart: number | null;
  readonly logitMaxEnd: number | null;
  /** γ of the latest batch, and its mean over batches (samplers that use one). */
  readonly gamma: number | null;
  readonly gammaMean: number | null;
  /** The sampler's own numbers (`SamplerReport.details`, e.g. a threshold), or null. */
  readonly samplerDetails: Readonly<Record<string, number>> | null;
  readonly elapsedMs: number;
}

/** Accepted samples with their logits and acceptance probabilities. */
export interface AcceptedSamples {
  /** Row-major, `count × sampleSize` values. */
  readonly samples: Float32Array;
  readonly logits: Float64Array;
  readonly acceptanceProbabilities: Float64Array;
  readonly count: number;
  readonly sampleSize: number;
}

export interface SampleChunk extends AcceptedSamples {
  readonly stats: RunStats;
  /** True on the last chunk. */
  readonly done: boolean;
}

export type RoundFn = (latents: Float32Array, rows: number, signal: AbortSignal) => Promise<RoundOutput>;

export interface RunPlan {
  readonly model: ReadyModel;
  readonly plugin: SamplerPlugin;
  readonly params: SamplerParams;
  readonly count: number;
  readonly seed: number;
  readonly maxProposals: number;
  readonly batchSize: number;
  readonly round: RoundFn;
  readonly burnIn: PreparationContext['burnIn'];
  /** A progress chunk with no samples is yielded at most this often while nothing is accepted. */
  readonly progressIntervalMs: number;
  /** Rounds a run may have in flight ahead of its acceptance step. */
  readonly pipelineDepth: number;
}

/** Probabilities → logits, clipped so that p = 0 or 1 stays finite. */
const PROBABILITY_CLIP = 1e-7;

export function toLogits(raw: Float32Array, output: 'logit' | 'probability'): Float64Array {
  const out = new Float64Array(raw.length);
  if (output === 'logit') {
    out.set(raw);
    return out;
  }
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i] as number;
    if (Number.isNaN(v)) {
      out[i] = NaN;
      continue;
    }
    const p = Math.min(1 - PROBABILITY_CLIP, Math.max(PROBABILITY_CLIP, v));
    out[i] = Math.log(p) - Math.log1p(-p);
  }
  return out;
}

/**
 * A run as an async iterable. `return()` (a consumer that stops early) and `cancel()` abort the
 * run's pending inference at once, instead of waiting for the round in flight.
 */
export class SamplingRun implements AsyncIterableIterator<SampleChunk> {
  private readonly controller = new AbortController();
  private readonly generator: AsyncGenerator<SampleChunk, void, undefined>;
  private current: RunStats;

  constructor(
    private readonly plan: RunPlan,
    signal?: AbortSignal,
  ) {
    if (signal) {
      if (signal.aborted) this.controller.abort(signal.reason);
      else signal.addEventListener('abort', () => this.controller.abort(signal.reason), { once: true });
    }
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

  cancel(reason?: unknown): void {
    this.controller.abort(reason);
  }

  next(): Promise<IteratorResult<SampleChunk>> {
    return this.generator.next();
  }

  async return(): Promise<IteratorResult<SampleChunk>> {
    this.cancel();
    await this.generator.return(undefined).catch(() => undefined);
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private async *execute(): AsyncGenerator<SampleChunk, void, undefined> {
    try {
      yield* this.produce();
    } finally {
      // Finished, failed or stopped: drop any round still queued or in flight for this run.
      if (!this.controller.signal.aborted) this.controller.abort(new DOMException('sampling run ended', 'AbortError'));
    }
  }

  private async *produce(): AsyncGenerator<SampleChunk, void, undefined> {
    const { model, plugin, params, count, seed, maxProposals, batchSize } = this.plan;
    const signal = this.controller.signal;
    const started = performance.now();
    const prepared = plugin.prepare
      ? await raceAbort(plugin.prepare(params, { model: model.descriptor, burnIn: this.plan.burnIn, signal }), signal)
      : undefined;
    const state: SamplerState = plugin.start(params, prepared, model.descriptor);
    const logitMaxStart = state.report().logitMax ?? null;

    const latentRng = new Random(seed, 1);
    const uniformRng = new Random(seed, 2);
    const { dim: latentDim, distribution } = model.manifest.latent;
    const sampleSize = model.sampleSize;
    let proposed = 0; // proposals considered
    let drawn = 0; // proposals sent to inference (≥ proposed: the tail of the last batch is not considered)
    let accepted = 0;
    let invalid = 0;
    let rounds = 0;
    let batchRowsTotal = 0;
    let gammaSum = 0;
    let gammaBatches = 0;
    let lastYield = performance.now();

    const stats = (): RunStats => {
      const report = state.report();
      return {
        seed,
        proposed,
        accepted,
        acceptanceRate: proposed > 0 ? accepted / proposed : 0,
        invalidLogits: invalid,
        rounds,
        meanBatchSize: rounds > 0 ? batchRowsTotal / rounds : 0,
        logitMaxStart,
        logitMaxEnd: report.logitMax ?? null,
        gamma: report.gamma ?? null,
        gammaMean: gammaBatches > 0 ? gammaSum / gammaBatches : null,
        samplerDetails: report.details ?? null,
        elapsedMs: performance.now() - started,
      };
    };

    // Rounds run ahead of the acceptance step (up to `pipelineDepth`) while the observed
    // acceptance rate says they will be needed, so the workers never wait on this loop.
    const inFlight: { rows: number; output: Promise<RoundOutput> }[] = [];
    let rowsInFlight = 0;
    const fill = (): void => {
      while (inFlight.length < this.plan.pipelineDepth) {
        if (inFlight.length > 0) {
          const rate = proposed > 0 ? accepted / proposed : 0;
          if (rate === 0 || accepted + rate * rowsInFlight >= count) return;
        }
        const rows = Math.min(batchSize, maxProposals - drawn);
        if (rows <= 0) return;
        drawn += rows;
        rowsInFlight += rows;
        const output = this.plan.round(latentRng.latents(rows, latentDim, distribution), rows, signal);
        output.catch(() => undefined); // awaited below, or abandoned when the run ends first
        inFlight.push({ rows, output });
      }
    };

    while (accepted < count) {
      fill();
      const next = inFlight.shift();
      if (!next) {
        const rate = proposed > 0 ? accepted / proposed : 0;
        throw new SamplingError(
          'PROPOSAL_BUDGET_EXHAUSTED',
          `proposal budget of ${maxProposals} exhausted after accepting ${accepted} of ${count} samples ` +
            `(acceptance rate ${(rate * 100).toPrecision(3)}%); raise maxProposals or choose a sampler/parameters with a higher acceptance rate`,
          { maxProposals, accepted, count, acceptanceRate: rate },
        );
      }
      const round = await raceAbort(next.output, signal);
      rowsInFlight -= next.rows;
      rounds += round.rounds;
      batchRowsTotal += round.batchRowsTotal;
      fill(); // keep the workers busy while this round is decided

      const logits = toLogits(round.logits, model.manifest.discriminatorOutput);
      const decision = decideRound(logits, state, uniformRng, count - accepted, plugin.name);
      proposed += decision.considered;
      invalid += decision.invalid;
      accepted += decision.accepted.length;
      const gamma = state.report().gamma;
      if (gamma !== undefined && decision.decided) {
        gammaSum += gamma;
        gammaBatches++;
      }

      const done = accepted >= count;
      const now = performance.now();
      if (decision.accepted.length > 0 || done || now - lastYield >= this.plan.progressIntervalMs) {
        lastYield = now;
        this.current = stats();
        yield {
          samples: gatherRows(round.samples, sampleSize, decision.accepted),
          logits: gather(logits, decision.accepted),
          acceptanceProbabilities: gather(decision.probabilities, decision.accepted),
          count: decision.accepted.length,
          sampleSize,
          stats: this.current,
          done,
        };
      }
      if (signal.aborted) throw abortError(signal);
    }
    this.current = stats();
  }
}

function emptyStats(seed: number): RunStats {
  return {
    seed,
    proposed: 0,
    accepted: 0,
    acceptanceRate: 0,
    invalidLogits: 0,
    rounds: 0,
    meanBatchSize: 0,
    logitMaxStart: null,
    logitMaxEnd: null,
    gamma: null,
    gammaMean: null,
    samplerDetails: null,
    elapsedMs: 0,
  };
}

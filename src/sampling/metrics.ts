/**
 * The service's Prometheus metrics (prom-client), in a registry per service instance so two
 * services in one process never collide. Names follow Triton's where they mean the same:
 * nv_inference_exec_count → inference_rounds_total, nv_inference_count → inference_rows_total
 * (so rows / rounds is the mean batch size), nv_inference_request_failure →
 * inference_round_failures_total, nv_inference_queue_duration_us / compute_infer_duration_us →
 * the queue and compute histograms (in seconds, Prometheus' base unit), and
 * nv_inference_pending_request_count → inference_pending_rounds.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BatchTiming } from '../inference/batcher.js';
import type { CounterSink, OperationKind, Transport } from './counters.js';
import type { RunRound, RunSummary } from './engine.js';

export const METRICS_PREFIX = 'gan_sampler_';

/** What the gauges read at scrape time. */
export interface MetricsSource {
  readonly activeRuns: number;
  readonly activeStreams: number;
  readonly pendingRounds: number;
  /** Models per status (READY, FAILED); empty before the engine started. */
  modelCounts(): Readonly<Record<string, number>>;
}

/** Powers of two around the default batch sizes (512 per request, 2048 per shared batch). */
const BATCH_SIZE_BUCKETS = [1, 16, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];
/** A round takes 0.1–100 ms on CPU; queueing up to the delay bound and beyond under load. */
const ROUND_SECONDS_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const RUN_SECONDS_BUCKETS = [0.005, 0.025, 0.1, 0.25, 1, 2.5, 10, 30, 120, 600];

let processRegistry: Registry | undefined;

/**
 * CPU, memory, event loop and GC metrics describe the process, not a service: one registry for
 * every service in the process (collectDefaultMetrics per service would add a GC observer and an
 * event-loop monitor each time, never removed).
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface Scrape {
  readonly contentType: string;
  readonly body: string;
}

export class SamplingMetrics implements CounterSink {
  /** This service's metrics only (no process metrics): merge it into a host's own exposition. */
  readonly registry = new Registry();
  private readonly rounds: Counter<'model'>;
  private readonly rows: Counter<'model'>;
  private readonly roundFailures: Counter<'model'>;
  private readonly batchSize: Histogram<'model'>;
  private readonly queueSeconds: Histogram<'model'>;
  private readonly computeSeconds: Histogram<'model'>;
  private readonly proposals: Counter<'model' | 'sampler'>;
  /**
   * Proposals and acceptances counted since the last scrape, per model and sampler: a round only
   * adds to these numbers (small requests' rounds come thousands a second, and a labelled
   * counter increment hashes its labels); each scrape folds them into the counters.
   */
  private readonly pendingRounds = new Map<string, { readonly model: string; readonly sampler: string; proposed: number; accepted: number }>();
  private readonly accepted: Counter<'model' | 'sampler'>;
  private readonly runs: Counter<'model' | 'sampler' | 'outcome'>;
  private readonly runSeconds: Histogram<'model' | 'sampler'>;
  private readonly operations: Counter<'transport' | 'operation'>;
  private readonly errors: Counter<'transport' | 'code'>;

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    const name = (n: string) => `${METRICS_PREFIX}${n}`;
    const counter = <L extends string>(n: string, help: string, labelNames: L[], collect?: () => void) =>
      new Counter<L>({ name: name(n), help, labelNames, registers, ...(collect && { collect }) });
    const histogram = <L extends string>(n: string, help: string, labelNames: L[], buckets: number[]) =>
      new Histogram<L>({ name: name(n), help, labelNames, buckets, registers });

    this.rounds = counter('inference_rounds_total', 'Shared G → D inference batches run, per model (Triton: nv_inference_exec_count).', ['model']);
    this.rows = counter('inference_rows_total', 'Rows (proposals, burn-in included) inferred, per model (Triton: nv_inference_count).', ['model']);
    this.roundFailures = counter('inference_round_failures_total', 'Inference batches that failed, per model (Triton: nv_inference_request_failure).', [
      'model',
    ]);
    this.batchSize = histogram('inference_batch_size', 'Rows per shared inference batch.', ['model'], BATCH_SIZE_BUCKETS);
    this.queueSeconds = histogram(
      'inference_queue_duration_seconds',
      'Per batch: from its first row’s arrival until inference started (waiting for company, then for a worker).',
      ['model'],
      ROUND_SECONDS_BUCKETS,
    );
    this.computeSeconds = histogram('inference_compute_duration_seconds', 'Per batch: the worker’s G → D time.', ['model'], ROUND_SECONDS_BUCKETS);
    const flushRounds = () => this.flushRounds();
    this.proposals = counter(
      'proposals_total',
      'Proposals considered by runs (burn-in not included); accepted / proposals is the acceptance rate.',
      ['model', 'sampler'],
      flushRounds,
    );
    this.accepted = counter('accepted_total', 'Samples accepted by runs.', ['model', 'sampler'], flushRounds);
    this.runs = counter('runs_total', 'Runs ended, by outcome (COMPLETED or an error code).', ['model', 'sampler', 'outcome']);
    this.runSeconds = histogram('run_duration_seconds', 'Run time from admission to its end, burn-in included.', ['model', 'sampler'], RUN_SECONDS_BUCKETS);
    this.operations = counter('operations_total', 'GraphQL operations, by transport (http, ws) and kind.', ['transport', 'operation']);
    this.errors = counter('errors_total', 'GraphQL errors sent, by transport and extensions.code.', ['transport', 'code']);

    const gauge = (n: string, help: string, read: () => number) =>
      new Gauge({
        name: name(n),
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge('active_runs', 'Sampling runs in progress (queries, streams and comparison entries).', () => source.activeRuns);
    gauge('active_streams', 'sampleStream subscriptions in progress.', () => source.activeStreams);
    gauge('inference_pending_rounds', 'Inference batches waiting for a free worker (Triton: nv_inference_pending_request_count).', () => source.pendingRounds);
    void new Gauge({
      name: name('models'),
      help: 'Models loaded, by status (READY, FAILED).',
      labelNames: ['status'],
      registers,
      collect() {
        this.reset();
        for (const [status, count] of Object.entries(source.modelCounts())) this.set({ status }, count);
      },
    });
  }

  observeBatch(timing: BatchTiming): void {
    const labels = { model: timing.modelId };
    if (!timing.ok) {
      this.roundFailures.inc(labels);
      return;
    }
    this.rounds.inc(labels);
    this.rows.inc(labels, timing.rows);
    this.batchSize.observe(labels, timing.rows);
    this.queueSeconds.observe(labels, timing.queueMs / 1000);
    this.computeSeconds.observe(labels, timing.computeMs / 1000);
  }

  /** Counted per round, so a long stream's acceptance rate shows while it runs (at the next scrape). */
  observeRound(round: RunRound): void {
    const key = `${round.modelId}\n${round.sampler}`;
    let pending = this.pendingRounds.get(key);
    if (!pending) this.pendingRounds.set(key, (pending = { model: round.modelId, sampler: round.sampler, proposed: 0, accepted: 0 }));
    pending.proposed += round.proposed;
    pending.accepted += round.accepted;
  }

  /** Folds the rounds counted since the last scrape into the counters. */
  private flushRounds(): void {
    for (const pending of this.pendingRounds.values()) {
      if (pending.proposed === 0 && pending.accepted === 0) continue;
      const labels = { model: pending.model, sampler: pending.sampler };
      this.proposals.inc(labels, pending.proposed);
      this.accepted.inc(labels, pending.accepted);
      pending.proposed = 0;
      pending.accepted = 0;
    }
  }

  observeRun(run: RunSummary): void {
    const labels = { model: run.modelId, sampler: run.sampler };
    this.runs.inc({ ...labels, outcome: run.outcome });
    this.runSeconds.observe(labels, run.ms / 1000);
  }

  operation(transport: Transport, operation: OperationKind): void {
    this.operations.inc({ transport, operation });
  }

  error(transport: Transport, code: string): void {
    this.errors.inc({ transport, code });
  }

  /** The Prometheus text exposition: this service's metrics, and the process metrics unless `process: false`. */
  async scrape(options: { readonly process?: boolean } = {}): Promise<Scrape> {
    const registry = options.process === false ? this.registry : Registry.merge([this.registry, processMetrics()]);
    return { contentType: registry.contentType, body: await registry.metrics() };
  }
}

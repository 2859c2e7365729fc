/** A finished run as callers get it: the samples, their model, and quality metrics on demand. */
import { onDemandMetrics, type MetricsSource } from '../evaluation/evaluator.js';
import type { ReadyModel } from '../models/repository.js';
import type { SamplingEngine } from './engine.js';
import type { RunResult } from './run.js';

export interface SampleOutcome extends RunResult {
  readonly model: ReadyModel;
  /** The class the samples were drawn for (class-conditional models); null otherwise. */
  readonly classLabel: number | null;
  /** Each family is computed the first time it is asked for, once. */
  readonly metrics: MetricsSource;
}

/** The one place a result gets its model and metrics. */
export function sampleOutcome(engine: SamplingEngine, model: ReadyModel, result: RunResult, classLabel: number | null = null): SampleOutcome {
  return { ...result, model, classLabel, metrics: onDemandMetrics((request) => engine.evaluate(model.id, result, request, classLabel)) };
}

/**
 * Errors a caller can act on. Each carries a stable `code` from `ErrorCode`, which is also the
 * GraphQL error's `extensions.code` on every transport.
 */
import { SamplerParameterError } from './contracts.js';

/** Every error code this package produces (README "Errors" lists the same; the schema's `ErrorCode` enum too). */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  MODEL_NOT_READY: 'MODEL_NOT_READY',
  MODEL_OUTPUT_INVALID: 'MODEL_OUTPUT_INVALID',
  PROPOSAL_BUDGET_EXHAUSTED: 'PROPOSAL_BUDGET_EXHAUSTED',
  SAMPLER_UNAVAILABLE: 'SAMPLER_UNAVAILABLE',
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  NOT_STARTED: 'NOT_STARTED',
  CANCELLED: 'CANCELLED',
  /** The remote inference server (INFERENCE_URL) could not be reached, was not ready, or timed out, after retries. */
  INFERENCE_UNAVAILABLE: 'INFERENCE_UNAVAILABLE',
  /** The remote inference server refused or failed a request, or answered something that is not a valid response. */
  INFERENCE_FAILED: 'INFERENCE_FAILED',
  /** The request itself is malformed (body not JSON, a subscription sent over HTTP …). Apollo's code. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** The operation is not valid GraphQL syntax. Apollo's code, given over WebSocket too. */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** The operation does not validate against the schema. Apollo's code, given over WebSocket too. */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** No operation to run: `operationName` names none, or several and none named. Apollo's code. */
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  /** A bug or an unexpected failure on the server; the message says what. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** What each code means (the GraphQL enum's value descriptions). */
export const ERROR_CODE_MEANINGS: Readonly<Record<ErrorCode, string>> = {
  BAD_USER_INPUT: 'A field or sampler parameter is invalid; `field` or `parameter` names it.',
  NOT_FOUND: 'No model or sampler by that name.',
  MODEL_NOT_READY: 'The model failed to load; `loadError` says why.',
  MODEL_OUTPUT_INVALID: 'The model produced no usable output (e.g. every burn-in logit was NaN or ±Inf).',
  PROPOSAL_BUDGET_EXHAUSTED: 'The proposal budget ran out before `count` samples were accepted.',
  SAMPLER_UNAVAILABLE:
    'The sampler cannot run on this model: a latent sampler (ddls, dot) needs the model’s latent-gradient graph; `reason` says what is missing (also listed in `Model.samplers`).',
  LIMIT_EXCEEDED: 'A configured limit was hit; `limit` names the setting and `max` its value.',
  SHUTTING_DOWN: 'The server is draining: the run was stopped, or refused.',
  NOT_STARTED: 'The sampling engine has not started yet.',
  CANCELLED: 'The run was cancelled (its client went away).',
  INFERENCE_UNAVAILABLE:
    'The remote inference server (`INFERENCE_URL`) could not be reached, was not ready (503) or timed out, after the retries `INFERENCE_ATTEMPTS` allows; `url` and `model` name it.',
  INFERENCE_FAILED:
    'The remote inference server refused or failed a request (its message is included), or its response was not a valid Open Inference Protocol answer; `url` and `model` name it.',
  BAD_REQUEST: 'The request itself is malformed (a body that is not JSON, a subscription sent over HTTP …).',
  GRAPHQL_PARSE_FAILED: 'The operation is not valid GraphQL syntax.',
  GRAPHQL_VALIDATION_FAILED: 'The operation does not validate against the schema.',
  OPERATION_RESOLUTION_FAILURE: 'No operation to run: `operationName` names none, or the document has several and none is named.',
  INTERNAL_SERVER_ERROR: 'Anything else (e.g. an inference worker died): a bug or a broken environment, not the request.',
};

export class SamplingError extends Error {
  override name = 'SamplingError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra machine-readable facts (e.g. the offending field). */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export const badInput = (field: string, message: string): SamplingError => new SamplingError(ErrorCode.BAD_USER_INPUT, `${field}: ${message}`, { field });

export interface LimitFacts {
  /** The setting that was hit, e.g. `maxStreams`. */
  readonly limit: string;
  /** Its value. */
  readonly max: number;
  /** The request field that exceeded it, when there is one. */
  readonly field?: string;
  readonly [extra: string]: unknown;
}

/** A configured limit was hit: always names the setting (`limit`) and its value (`max`). */
export const limitExceeded = (facts: LimitFacts, message: string): SamplingError => new SamplingError(ErrorCode.LIMIT_EXCEEDED, message, facts);

export const shuttingDown = (): SamplingError => new SamplingError(ErrorCode.SHUTTING_DOWN, 'the server is shutting down');

/** The code any error reports: its own, CANCELLED for an abort, INTERNAL_SERVER_ERROR for anything unexpected. */
export function errorCode(error: unknown): ErrorCode {
  if (error instanceof SamplingError) return error.code;
  if (error instanceof SamplerParameterError) return ErrorCode.BAD_USER_INPUT;
  if (error instanceof Error && error.name === 'AbortError') return ErrorCode.CANCELLED;
  return ErrorCode.INTERNAL_SERVER_ERROR;
}

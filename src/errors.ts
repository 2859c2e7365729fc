/**
 * Errors a caller can act on. Each carries a stable `code` from `ErrorCode`, which is also the
 * GraphQL error's `extensions.code` on every transport.
 */

/** Every error code this package produces, with what it means (README "Errors" lists the same). */
export const ErrorCode = {
  /** A field or sampler parameter is invalid; `field` or `parameter` names it. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** No model or sampler by that name. */
  NOT_FOUND: 'NOT_FOUND',
  /** The model failed to load; `loadError` says why. */
  MODEL_NOT_READY: 'MODEL_NOT_READY',
  /** The model produced no usable output (e.g. every burn-in logit was NaN/±Inf). */
  MODEL_OUTPUT_INVALID: 'MODEL_OUTPUT_INVALID',
  /** The request's proposal budget ran out before `count` samples were accepted. */
  PROPOSAL_BUDGET_EXHAUSTED: 'PROPOSAL_BUDGET_EXHAUSTED',
  /** A configured limit was hit; `limit` names the setting and `max` its value. */
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /** The server is draining: the run was stopped, or was refused. */
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  /** The sampling engine has not started yet. */
  NOT_STARTED: 'NOT_STARTED',
  /** The run was cancelled (its client went away). */
  CANCELLED: 'CANCELLED',
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

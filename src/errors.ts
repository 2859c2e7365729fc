/**
 * Errors a caller can act on. Each carries a stable `code`, used as the GraphQL error code.
 */
export type ErrorCode = 'BAD_USER_INPUT' | 'NOT_FOUND' | 'MODEL_NOT_READY' | 'PROPOSAL_BUDGET_EXHAUSTED' | 'LIMIT_EXCEEDED';

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

export const badInput = (field: string, message: string): SamplingError =>
  new SamplingError('BAD_USER_INPUT', `${field}: ${message}`, { field });

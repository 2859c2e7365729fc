/**
 * Errors → GraphQL errors whose `extensions.code` is the error's `ErrorCode`, so HTTP and
 * WebSocket clients see the same codes whatever the server's formatError does.
 */
import { GraphQLError } from 'graphql';
import { SamplerParameterError } from '../contracts.js';
import { ErrorCode, SamplingError, errorCode } from '../errors.js';

export function toGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (error instanceof SamplerParameterError) {
    return new GraphQLError(error.message, { originalError: error, extensions: { code: ErrorCode.BAD_USER_INPUT, sampler: error.sampler, parameter: error.parameter } });
  }
  if (error instanceof SamplingError) {
    return new GraphQLError(error.message, { originalError: error, extensions: { ...error.details, code: error.code } });
  }
  const code = errorCode(error);
  if (code === ErrorCode.CANCELLED) return new GraphQLError('the sampling run was cancelled', { originalError: error as Error, extensions: { code } });
  const original = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(original.message, { originalError: original, extensions: { code } });
}

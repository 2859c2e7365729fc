/**
 * Errors → GraphQL errors whose `extensions.code` is the error's `ErrorCode`, so HTTP and
 * WebSocket clients see the same codes whatever the server's formatError does.
 */
import { GraphQLError, Kind } from 'graphql';
import { SamplerParameterError } from '../contracts.js';
import { ErrorCode, SamplingError, errorCode } from '../errors.js';

export function toGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (error instanceof SamplerParameterError) {
    return new GraphQLError(error.message, {
      originalError: error,
      extensions: { code: ErrorCode.BAD_USER_INPUT, sampler: error.sampler, parameter: error.parameter },
    });
  }
  if (error instanceof SamplingError) {
    return new GraphQLError(error.message, { originalError: error, extensions: { ...error.details, code: error.code } });
  }
  const code = errorCode(error);
  if (code === ErrorCode.CANCELLED) return new GraphQLError('the sampling run was cancelled', { originalError: error as Error, extensions: { code } });
  const original = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(original.message, { originalError: original, extensions: { code } });
}

/** `error` with `extensions.code` set to `code` (kept when it already has one). */
export function withCode(error: GraphQLError, code: string): GraphQLError {
  if (typeof error.extensions.code === 'string') return error;
  const { nodes, source, positions, path, originalError } = error;
  return new GraphQLError(error.message, { nodes, source, positions, path, originalError, extensions: { ...error.extensions, code } });
}

/** A variable that does not coerce: Apollo answers BAD_USER_INPUT (its `isBadUserInputGraphQLError`). */
function isVariableError(error: GraphQLError): boolean {
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  return node?.kind === Kind.VARIABLE_DEFINITION && error.message.startsWith(`Variable "$${node.variable.name.value}"`);
}

/** The code Apollo gives an execution error that has none. */
export function executionErrorCode(error: GraphQLError): string {
  return isVariableError(error) ? ErrorCode.BAD_USER_INPUT : ErrorCode.INTERNAL_SERVER_ERROR;
}

/** The code of an error that stopped an operation before it ran: a validation error, unless something broke. */
export function requestErrorCode(error: GraphQLError): string {
  return error.originalError && !(error.originalError instanceof GraphQLError) ? ErrorCode.INTERNAL_SERVER_ERROR : ErrorCode.GRAPHQL_VALIDATION_FAILED;
}

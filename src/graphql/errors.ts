/**
 * Engine errors → GraphQL errors whose `extensions.code` is the engine's code, so HTTP and
 * WebSocket clients see the same codes whatever the server's formatError does.
 */
import { GraphQLError } from 'graphql';
import { SamplerParameterError } from '../contracts.js';
import { SamplingError } from '../errors.js';

/** Codes the GraphQL layer adds to the engine's (`ErrorCode`). */
export type GraphQLLayerCode = 'SHUTTING_DOWN' | 'NOT_STARTED' | 'CANCELLED';

export function toGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (error instanceof SamplerParameterError) {
    return new GraphQLError(error.message, { originalError: error, extensions: { code: 'BAD_USER_INPUT', sampler: error.sampler, parameter: error.parameter } });
  }
  if (error instanceof SamplingError) {
    return new GraphQLError(error.message, { originalError: error, extensions: { ...error.details, code: error.code } });
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return new GraphQLError('the sampling run was cancelled', { originalError: error, extensions: { code: 'CANCELLED' } });
  }
  const original = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(original.message, { originalError: original, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/** A configured limit was hit. `limit` names the setting (e.g. `maxStreamsPerConnection`). */
export function limitExceeded(limit: string, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'LIMIT_EXCEEDED', limit, ...extra } });
}

export function shuttingDown(): GraphQLError {
  return new GraphQLError('the server is shutting down', { extensions: { code: 'SHUTTING_DOWN' } });
}

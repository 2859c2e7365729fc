/**
 * Per-operation log lines, the same for HTTP (Apollo hooks) and WebSocket (graphql-ws hooks):
 * one debug line when an operation ends, and an error line with the stack for every error that
 * is not the request's fault (INTERNAL_SERVER_ERROR), each tagged with the operation's request id.
 */
import type { GraphQLError } from 'graphql';
import type { Transport } from '../sampling/counters.js';
import type { SamplingLogger } from '../sampling/gateway.js';

export interface OperationRecord {
  readonly transport: Transport;
  readonly requestId: string | undefined;
  readonly operation: string | undefined;
  readonly operationName: string | undefined;
  readonly startedAt: number;
  /** `extensions.code` of every error sent. */
  readonly errorCodes: string[];
}

export const codeOf = (error: { extensions?: Readonly<Record<string, unknown>> }): string =>
  typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL_SERVER_ERROR';

/** Notes the errors' codes on the record; logs the ones that are a bug or a broken environment. */
export function noteErrors(logger: SamplingLogger, record: OperationRecord, errors: readonly GraphQLError[]): void {
  for (const error of errors) {
    const code = codeOf(error);
    record.errorCodes.push(code);
    if (code !== 'INTERNAL_SERVER_ERROR') continue;
    const cause = error.originalError ?? error;
    logger.error(`${record.transport} operation failed: ${error.message}`, {
      requestId: record.requestId,
      transport: record.transport,
      code,
      path: error.path,
      stack: cause.stack,
    });
  }
}

export function logOperation(logger: SamplingLogger, record: OperationRecord): void {
  if (!logger.debug) return;
  const ms = Math.round(performance.now() - record.startedAt);
  const { transport, requestId, operation, operationName, errorCodes } = record;
  const outcome = errorCodes.length > 0 ? errorCodes.join(', ') : 'ok';
  logger.debug(`${transport} ${operation ?? 'operation'}${operationName ? ` ${operationName}` : ''}: ${outcome} in ${ms} ms`, {
    requestId,
    transport,
    operation,
    operationName,
    ms,
    errors: errorCodes,
  });
}

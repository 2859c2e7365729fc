/**
 * graphql-ws server options: the same depth/complexity rules and error codes as over HTTP, the
 * per-connection stream limit, and WebSocket counters (Apollo's hooks never see graphql-ws
 * operations). One bad operation is answered alone; the connection and its streams go on.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { getOperationAST, GraphQLError, Kind, OperationTypeNode, parse, specifiedRules, validate, type DocumentNode } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { AbortReason } from '../abort.js';
import { ErrorCode, limitExceeded } from '../errors.js';
import { Transport } from '../sampling/counters.js';
import type { SamplingGateway } from '../sampling/gateway.js';
import type { OpenOperations } from './drain.js';
import { executionErrorCode, requestErrorCode, toGraphQLError, withCode } from './errors.js';
import { limitRules } from './limits.js';
import { logOperation, noteErrors, type OperationRecord } from './operation-log.js';

/** Spread into `useServer({ schema, ...wsServerOptions }, wss)`. */
export type SamplingWsServerOptions = Required<Pick<ServerOptions, 'validate' | 'context' | 'onSubscribe' | 'onNext' | 'onError' | 'onComplete' | 'onClose'>>;

const STREAM_FIELD = 'sampleStream';

function startsStream(document: DocumentNode, operationName: string | null | undefined): boolean {
  const op = getOperationAST(document, operationName);
  return op?.operation === OperationTypeNode.SUBSCRIPTION && op.selectionSet.selections.some((s) => s.kind !== Kind.FIELD || s.name.value === STREAM_FIELD);
}

/** What we keep per socket (graphql-ws gives each its own context object). */
interface Connection {
  /** Numbers this socket's operation ids in `OpenOperations`. */
  readonly no: number;
  /** Aborts `sample` queries sent over this socket when it closes. */
  readonly closed: AbortController;
  /** Operations in progress, and those of them holding a stream slot. */
  readonly operations: Set<string>;
  readonly streams: Set<string>;
}

/** Write errors of a socket whose client has gone: not the server's fault. */
const DISCONNECT_CODES = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

function clientWentAway(extra: unknown, errors: readonly GraphQLError[]): boolean {
  const socket = (extra as { socket?: { readyState?: number } } | undefined)?.socket;
  if (socket?.readyState !== undefined && socket.readyState !== 1) return true; // not OPEN
  return errors.some((e) => {
    const code: unknown = e.originalError && 'code' in e.originalError ? e.originalError.code : undefined;
    return typeof code === 'string' && DISCONNECT_CODES.has(code);
  });
}

export function createWsServerOptions(gateway: SamplingGateway, operations: OpenOperations): SamplingWsServerOptions {
  const { counters, limits } = gateway;
  const rules = [...specifiedRules, ...limitRules(limits)];
  const connections = new WeakMap<object, Connection>();
  let nextNo = 0;
  const connectionOf = (ctx: object): Connection => {
    let c = connections.get(ctx);
    if (!c) {
      c = { no: nextNo++, closed: new AbortController(), operations: new Set(), streams: new Set() };
      // Each query on this socket listens while it runs; maxActiveRuns bounds them, so more is a leak.
      setMaxListeners(limits.maxActiveRuns + 1, c.closed.signal);
      connections.set(ctx, c);
    }
    return c;
  };
  const release = (ctx: object, id: string): void => {
    const c = connections.get(ctx);
    if (!c?.operations.delete(id)) return;
    c.streams.delete(id);
    operations.delete(`${c.no}:${id}`);
  };
  // graphql-ws calls onError/onComplete just before it sends the Error/Complete message: the
  // stream slot is free at once, but the operation counts as open until that send has been
  // queued, so a stop never closes the socket first.
  const releaseAfterSend = (ctx: object, id: string): void => {
    connections.get(ctx)?.streams.delete(id);
    setImmediate(() => release(ctx, id));
  };
  // Each operation's request id and log record, per connection, by subscription id.
  const records = new WeakMap<object, Map<string, OperationRecord>>();
  const recordsOf = (ctx: object): Map<string, OperationRecord> => {
    let map = records.get(ctx);
    if (!map) records.set(ctx, (map = new Map<string, OperationRecord>()));
    return map;
  };
  const finish = (ctx: object, id: string): void => {
    const record = records.get(ctx)?.get(id);
    if (!record) return;
    records.get(ctx)!.delete(id);
    logOperation(gateway.logger, record);
  };

  return {
    validate: (schema, document) => validate(schema, document, rules),

    // Same shape as `httpContext`, made per operation (graphql-ws calls it for each subscribe):
    // resolvers read `sampling.signal`, `sampling.budget` and `sampling.requestId`. A platform
    // with its own context function should merge this one in.
    context: (ctx, id) => ({
      sampling: { signal: connectionOf(ctx).closed.signal, budget: gateway.operationBudget(), requestId: records.get(ctx)?.get(id)?.requestId },
    }),

    onClose(ctx) {
      const c = connections.get(ctx);
      c?.closed.abort(AbortReason.WEBSOCKET_CLOSED);
      for (const id of c?.operations ?? []) release(ctx, id);
    },

    onSubscribe(ctx, id, payload) {
      const record: OperationRecord = {
        transport: Transport.WS,
        requestId: randomUUID(),
        operation: undefined,
        operationName: payload.operationName ?? undefined,
        startedAt: performance.now(),
        errorCodes: [],
      };
      recordsOf(ctx).set(id, record);
      const c = connectionOf(ctx);
      c.operations.add(id);
      operations.add(`${c.no}:${id}`);
      let document: DocumentNode;
      try {
        document = parse(payload.query);
      } catch (error) {
        // Left to graphql-ws, a syntax error is thrown out of its message handler and closes the whole connection.
        return [withCode(toGraphQLError(error), ErrorCode.GRAPHQL_PARSE_FAILED)];
      }
      const op = getOperationAST(document, payload.operationName);
      Object.assign(record, { operation: op?.operation });
      if (!op) {
        const which = payload.operationName ? `no operation named "${payload.operationName}"` : 'several operations and no operationName';
        return [new GraphQLError(`the document has ${which}`, { extensions: { code: ErrorCode.OPERATION_RESOLUTION_FAILURE } })];
      }
      counters.operation(Transport.WS, op.operation);
      if (!startsStream(document, payload.operationName)) return undefined;
      // A stream its client has completed holds no slot, though its run may take a round to stop.
      for (const streamId of c.streams) if (!(streamId in ctx.subscriptions)) c.streams.delete(streamId);
      if (c.streams.size >= limits.maxStreamsPerConnection) {
        const max = limits.maxStreamsPerConnection;
        const message = `this connection already runs ${c.streams.size} streams, its limit (maxStreamsPerConnection / MAX_STREAMS_PER_CONNECTION = ${max}); stop one first`;
        return [toGraphQLError(limitExceeded({ limit: 'maxStreamsPerConnection', max }, message))];
      }
      c.streams.add(id);
      return undefined;
    },

    // Execution results (a query's, a stream's events): codes as Apollo gives them over HTTP.
    onNext(ctx, id, _payload, _args, result) {
      if (!result.errors?.length) return undefined;
      const errors = result.errors.map((e) => withCode(e, executionErrorCode(e)));
      for (const error of errors) counters.error(Transport.WS, error);
      const record = records.get(ctx)?.get(id);
      if (record) noteErrors(gateway.logger, record, errors);
      return { ...result, errors: errors.map((e) => e.toJSON()) };
    },

    // Called for errors sent as an Error message: syntax, validation, limits, a failing iterator.
    onError(ctx, id, _payload, errors) {
      releaseAfterSend(ctx, id);
      if (clientWentAway(ctx.extra, errors)) {
        counters.error(Transport.WS, { extensions: { code: ErrorCode.CANCELLED } }); // as an HTTP client that disconnects
        finish(ctx, id);
        return undefined;
      }
      const coded = errors.map((e) => withCode(e, requestErrorCode(e)));
      for (const error of coded) counters.error(Transport.WS, error);
      const record = records.get(ctx)?.get(id);
      if (record) noteErrors(gateway.logger, record, coded);
      finish(ctx, id);
      return coded.map((e) => e.toJSON());
    },

    // Called however an operation ends: its last event, the client's Complete, or the socket closing.
    onComplete(ctx, id) {
      releaseAfterSend(ctx, id);
      finish(ctx, id);
    },
  };
}

/**
 * graphql-ws server options: the same depth/complexity rules as over HTTP, the per-connection
 * stream limit, and WebSocket counters (Apollo's hooks never see graphql-ws operations).
 */
import { randomUUID } from 'node:crypto';
import { getOperationAST, Kind, OperationTypeNode, parse, specifiedRules, validate, type DocumentNode } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { limitExceeded } from '../errors.js';
import { Transport } from '../sampling/counters.js';
import type { SamplingGateway } from '../sampling/gateway.js';
import { toGraphQLError } from './errors.js';
import { limitRules } from './limits.js';
import { logOperation, noteErrors, type OperationRecord } from './operation-log.js';

/** Spread into `useServer({ schema, ...wsServerOptions }, wss)`. */
export type SamplingWsServerOptions = Required<Pick<ServerOptions, 'validate' | 'context' | 'onSubscribe' | 'onNext' | 'onError' | 'onComplete' | 'onClose'>>;

const STREAM_FIELD = 'sampleStream';

function startsStream(document: DocumentNode, operationName: string | null | undefined): boolean {
  const op = getOperationAST(document, operationName);
  return op?.operation === OperationTypeNode.SUBSCRIPTION && op.selectionSet.selections.some((s) => s.kind !== Kind.FIELD || s.name.value === STREAM_FIELD);
}

export function createWsServerOptions(gateway: SamplingGateway): SamplingWsServerOptions {
  const { counters, limits } = gateway;
  const rules = [...specifiedRules, ...limitRules(limits)];
  // Subscription ids holding a stream slot, per connection context (graphql-ws keeps one per socket).
  const openStreams = new WeakMap<object, Set<string>>();
  const release = (ctx: object, id: string): void => void openStreams.get(ctx)?.delete(id);
  // One signal per socket: a `sample` query sent over WebSocket stops when the socket closes.
  const connections = new WeakMap<object, AbortController>();
  const connection = (ctx: object): AbortController => {
    let controller = connections.get(ctx);
    if (!controller) connections.set(ctx, (controller = new AbortController()));
    return controller;
  };
  // Each operation's request id and log record, per connection, by subscription id.
  const operations = new WeakMap<object, Map<string, OperationRecord>>();
  const operationsOf = (ctx: object): Map<string, OperationRecord> => {
    let map = operations.get(ctx);
    if (!map) operations.set(ctx, (map = new Map<string, OperationRecord>()));
    return map;
  };
  const finish = (ctx: object, id: string): void => {
    const record = operations.get(ctx)?.get(id);
    if (!record) return;
    operations.get(ctx)!.delete(id);
    logOperation(gateway.logger, record);
  };

  return {
    validate: (schema, document) => validate(schema, document, rules),

    // Same shape as `httpContext`: resolvers read `sampling.signal`. A platform with its own
    // context function should merge this one in.
    context: (ctx, id) => ({ sampling: { signal: connection(ctx).signal, requestId: operations.get(ctx)?.get(id)?.requestId } }),

    onClose(ctx) {
      connections.get(ctx)?.abort(new DOMException('the WebSocket closed', 'AbortError'));
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
      operationsOf(ctx).set(id, record);
      let document: DocumentNode;
      try {
        document = parse(payload.query);
      } catch {
        return undefined; // graphql-ws reports the syntax error itself
      }
      const op = getOperationAST(document, payload.operationName);
      Object.assign(record, { operation: op?.operation });
      if (op) counters.operation(Transport.WS, op.operation);
      if (!startsStream(document, payload.operationName)) return undefined;
      const open = openStreams.get(ctx) ?? new Set<string>();
      openStreams.set(ctx, open);
      if (open.size >= limits.maxStreamsPerConnection) {
        const max = limits.maxStreamsPerConnection;
        const message = `this connection already runs ${open.size} streams, its limit (maxStreamsPerConnection / MAX_STREAMS_PER_CONNECTION = ${max}); stop one first`;
        return [toGraphQLError(limitExceeded({ limit: 'maxStreamsPerConnection', max }, message))];
      }
      open.add(id);
      return undefined;
    },

    onNext(ctx, id, _payload, _args, result) {
      for (const error of result.errors ?? []) counters.error(Transport.WS, error);
      const record = operations.get(ctx)?.get(id);
      if (record && result.errors) noteErrors(gateway.logger, record, result.errors);
    },

    // Called for errors sent as an Error message: validation, limits, a failing iterator.
    onError(ctx, id, _payload, errors) {
      release(ctx, id);
      for (const error of errors) counters.error(Transport.WS, error);
      const record = operations.get(ctx)?.get(id);
      if (record) noteErrors(gateway.logger, record, errors);
      finish(ctx, id);
    },

    // Called however a subscription ends: its last event, the client's Complete, or the socket closing.
    onComplete(ctx, id) {
      release(ctx, id);
      finish(ctx, id);
    },
  };
}

/**
 * The Apollo Server plugin (Apollo's sense of the word): starts the engine with the server, enforces depth/complexity on
 * HTTP operations, counts HTTP operations and errors, and on stop cancels every run and
 * stream before closing the engine.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, OperationTypeNode, validate } from 'graphql';
import { ErrorCode } from '../errors.js';
import { Transport } from '../sampling/counters.js';
import { limitRules } from './limits.js';
import { noStoreRootFields, selectsRootField } from './cache-control.js';
import type { SamplingGateway } from '../sampling/gateway.js';
import { logOperation, noteErrors, type OperationRecord } from './operation-log.js';
import type { SamplingContext } from './resolvers/sample.js';

export function createApolloPlugin(gateway: SamplingGateway): ApolloServerPlugin {
  const rules = limitRules(gateway.limits);
  const { counters } = gateway;
  return {
    async serverWillStart({ logger }) {
      await gateway.start(logger);
      return {
        // Runs while the HTTP server drains: cancelled runs answer at once (SHUTTING_DOWN),
        // so in-flight `sample` requests and streams do not hold the shutdown up.
        async drainServer() {
          gateway.drain();
        },
        async serverWillStop() {
          await gateway.stop();
        },
      };
    },
    async requestDidStart({ contextValue }) {
      // The request id comes from `httpContext` (a host that does not merge it logs none).
      const record: OperationRecord = {
        transport: Transport.HTTP,
        requestId: (contextValue as SamplingContext | undefined)?.sampling?.requestId,
        operation: undefined,
        operationName: undefined,
        startedAt: performance.now(),
        errorCodes: [],
      };
      let noStore = false;
      return {
        async didResolveOperation({ document, schema, operation, operationName }) {
          Object.assign(record, { operation: operation?.operation, operationName: operationName ?? undefined });
          // Samples, comparisons and counters are never HTTP-cached, with or without Apollo's cache-control plugin.
          noStore = operation ? selectsRootField(operation, document, noStoreRootFields(schema)) : false;
          if (operation) counters.operation(Transport.HTTP, operation.operation);
          if (operation?.operation === OperationTypeNode.SUBSCRIPTION) {
            // Executed over HTTP, a subscription field resolves to null ("Cannot return null for non-nullable field").
            throw new GraphQLError(
              'subscriptions are served over WebSocket only: connect a graphql-ws client (protocol graphql-transport-ws) to this URL with ws:// or wss://',
              {
                extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } },
              },
            );
          }
          const [error] = validate(schema, document, rules);
          // Thrown here, an error becomes the whole response; `http` sets its status (Apollo strips it).
          if (error) throw new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, http: { status: 400 } } });
        },
        async didEncounterErrors({ errors }) {
          for (const error of errors) counters.error(Transport.HTTP, error);
          noteErrors(gateway.logger, record, errors);
        },
        async willSendResponse({ response }) {
          if (noStore) response.http.headers.set('cache-control', 'no-store');
          logOperation(gateway.logger, record);
        },
      };
    },
  };
}

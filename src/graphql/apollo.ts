/**
 * The Apollo Server plugin: starts the engine with the server, enforces depth/complexity on
 * HTTP operations, counts HTTP operations and errors, and on stop cancels every run and
 * stream before closing the engine.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, validate } from 'graphql';
import { limitRules } from './limits.js';
import type { SamplingRuntime } from './runtime.js';

export function createApolloPlugin(runtime: SamplingRuntime): ApolloServerPlugin<BaseContext> {
  const rules = limitRules(runtime.limits);
  const { metrics } = runtime;
  return {
    async serverWillStart({ logger }) {
      await runtime.start(logger);
      return {
        // Runs while the HTTP server drains: cancelled runs answer at once (SHUTTING_DOWN),
        // so in-flight `sample` requests and streams do not hold the shutdown up.
        async drainServer() {
          runtime.drain();
        },
        async serverWillStop() {
          await runtime.stop();
        },
      };
    },
    async requestDidStart() {
      return {
        async didResolveOperation({ document, schema, operation }) {
          if (operation) metrics.operation('http', operation.operation);
          const [error] = validate(schema, document, rules);
          // Thrown here, an error becomes the whole response; `http` sets its status (Apollo strips it).
          if (error) throw new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, http: { status: 400 } } });
        },
        async didEncounterErrors({ errors }) {
          for (const error of errors) metrics.error('http', error);
        },
      };
    },
  };
}

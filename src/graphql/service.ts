/**
 * `createSamplingService`: everything a platform needs to serve sampling from its own Apollo
 * Server + express + graphql-ws app (see examples/mount.ts).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema, ValidationRule } from 'graphql';
import type { NonEmptyArray } from 'type-graphql';
import { createDrsSampler } from '../../plugins/drs/index.js';
import { createNaiveSampler } from '../../plugins/naive/index.js';
import { createMhSampler } from '../../plugins/mh/index.js';
import { createThresholdSampler } from '../../plugins/threshold/index.js';
import type { AnySamplerPlugin } from '../contracts.js';
import type { SamplingLimits } from '../limits.js';
import { createPagesRouter, type PagesOptions } from '../pages/index.js';
import type { ServerCounters } from '../sampling/counters.js';
import { SamplingGateway, type GatewayOptions } from '../sampling/gateway.js';
import { createApolloPlugin } from './apollo.js';
import { limitRules } from './limits.js';
import type { SamplingContext } from './resolvers/sample.js';
import { buildSamplingSchema, createResolvers } from './schema.js';
import { createWsServerOptions, type SamplingWsServerOptions } from './ws.js';

export type SamplingServiceOptions = GatewayOptions;

/** What `httpContext` needs from express's `{ req, res }` (kept structural: any Node response works). */
export interface HttpContextArgs {
  readonly res: { on(event: 'close', listener: () => void): unknown; readonly writableFinished: boolean };
}

export interface SamplingService {
  /** The built schema: pass it to ApolloServer and to graphql-ws's `useServer`. */
  readonly schema: GraphQLSchema;
  /** The type-graphql resolver classes, for a platform that builds one schema with its own. */
  readonly resolvers: NonEmptyArray<Function>;
  /** An Apollo Server plugin: starts the engine in serverWillStart; on stop cancels runs and streams, then closes it. */
  readonly apolloPlugin: ApolloServerPlugin;
  /** Spread into `useServer({ schema, ...wsServerOptions }, wss)`: limits and WebSocket counters. */
  readonly wsServerOptions: SamplingWsServerOptions;
  /** The depth and complexity rules (already enforced by `apolloPlugin` and `wsServerOptions`). */
  readonly validationRules: readonly ValidationRule[];
  readonly limits: SamplingLimits;
  /** Operations, errors and samples since start. */
  readonly counters: ServerCounters;
  /** The run gateway every run goes through (sample, stream, compare), for servers that are not GraphQL. */
  readonly gateway: SamplingGateway;
  /**
   * Apollo `context` for express: lets a `sample` query stop when its HTTP client disconnects.
   * Merge it into your own context: `{ ...(await sampling.httpContext(args)), user }`.
   */
  readonly httpContext: (args: HttpContextArgs) => Promise<SamplingContext>;
  /** An express router with the offline GraphiQL IDE (GET on the GraphQL path) and the comparison page. */
  readonly pages: (options?: PagesOptions) => ReturnType<typeof createPagesRouter>;
  /** Starts the engine without Apollo (other servers); `apolloPlugin` calls this itself. */
  readonly start: () => Promise<void>;
  /** Cancels runs and streams, then closes the engine it created. */
  readonly stop: () => Promise<void>;
}

/** The bundled samplers: naive, threshold, DRS and MH (fresh instances). */
export function defaultSamplers(): AnySamplerPlugin[] {
  return [createNaiveSampler(), createThresholdSampler(), createDrsSampler(), createMhSampler()] as AnySamplerPlugin[];
}

export function createSamplingService(options: SamplingServiceOptions = {}): SamplingService {
  const samplers = options.samplers ?? options.engine?.samplers() ?? defaultSamplers();
  const gateway = new SamplingGateway(options, samplers);
  const resolvers = createResolvers(gateway);
  return {
    schema: buildSamplingSchema(resolvers),
    resolvers,
    apolloPlugin: createApolloPlugin(gateway),
    wsServerOptions: createWsServerOptions(gateway),
    validationRules: limitRules(gateway.limits),
    limits: gateway.limits,
    counters: gateway.counters,
    gateway,
    httpContext: async ({ res }) => {
      const controller = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) controller.abort(new DOMException('the HTTP client disconnected', 'AbortError'));
      });
      return { sampling: { signal: controller.signal } };
    },
    pages: (pageOptions) => createPagesRouter(pageOptions),
    start: async () => void (await gateway.start()),
    stop: () => gateway.stop(),
  };
}

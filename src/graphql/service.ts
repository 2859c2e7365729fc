/**
 * `createSamplingService`: everything a platform needs to serve sampling from its own Apollo
 * Server + express + graphql-ws app (see examples/mount.ts).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { ErrorRequestHandler, RequestHandler, Router } from 'express';
import type { GraphQLSchema, ValidationRule } from 'graphql';
import type { NonEmptyArray } from 'type-graphql';
import { createDrsSampler } from '../../plugins/drs/index.js';
import { createNaiveSampler } from '../../plugins/naive/index.js';
import { createMhSampler } from '../../plugins/mh/index.js';
import { createDdlsSampler } from '../../plugins/ddls/index.js';
import { createDotSampler } from '../../plugins/dot/index.js';
import { createThresholdSampler } from '../../plugins/threshold/index.js';
import { AbortReason } from '../abort.js';
import type { RegisteredSampler } from '../contracts.js';
import type { SamplingLimits } from '../limits.js';
import { createInferenceProtocolRouter } from '../oip/server.js';
import { createPagesRouter, type PagesOptions } from '../pages/index.js';
import type { ServerCounters } from '../sampling/counters.js';
import { SamplingGateway, type GatewayOptions } from '../sampling/gateway.js';
import type { SamplingMetrics } from '../sampling/metrics.js';
import { createHealthHandlers, type HealthHandlers } from '../server/health.js';
import { requestIdFrom } from '../server/logging.js';
import { createMetricsHandler, type NodeHandler } from '../server/metrics.js';
import { createApolloPlugin } from './apollo.js';
import { createDrainPlugin, OpenOperations, type DrainOptions } from './drain.js';
import { httpErrorHandler, jsonBody } from './http.js';
import { limitRules } from './limits.js';
import type { SamplingContext } from './resolvers/sample.js';
import { buildSamplingSchema, createResolvers, samplingSchemaOptions, type SamplingSchemaOptions } from './schema.js';
import { createWebSocketServerOptions, type OriginPolicy, type WebSocketServerOptions } from './websocket.js';
import { createWsServerOptions, type SamplingWsServerOptions } from './ws.js';

export type SamplingServiceOptions = GatewayOptions & OriginPolicy;

/** What `httpContext` needs from express's `{ req, res }` (kept structural: any Node request and response work). */
export interface HttpContextArgs {
  /** Its `x-request-id` header, when sane, becomes the operation's request id. */
  readonly req?: { readonly headers: Readonly<Record<string, string | string[] | undefined>> };
  readonly res: { on(event: 'close', listener: () => void): unknown; readonly writableFinished: boolean; setHeader?(name: string, value: string): unknown };
}

export interface SamplingService {
  /** The built schema: pass it to ApolloServer and to graphql-ws's `useServer`. */
  readonly schema: GraphQLSchema;
  /** The type-graphql resolver classes, for a platform that builds one schema with its own. */
  readonly resolvers: NonEmptyArray<Function>;
  /** Spread into that `buildSchema({ ...schemaOptions, resolvers: [...resolvers, ...yours] })`: the directives and PubSub they need. */
  readonly schemaOptions: SamplingSchemaOptions;
  /** An Apollo Server plugin: starts the engine in serverWillStart; on stop cancels runs and streams, then closes it. */
  readonly apolloPlugin: ApolloServerPlugin;
  /** Spread into `useServer({ schema, ...wsServerOptions }, wss)`: limits, error codes and WebSocket counters. */
  readonly wsServerOptions: SamplingWsServerOptions;
  /**
   * Spread into `new WebSocketServer({ server, path, ...webSocketServerOptions })`: messages up to
   * `maxRequestBytes`, and only the server's own origin, clients that send none, and `allowedOrigins`.
   */
  readonly webSocketServerOptions: WebSocketServerOptions;
  /**
   * The Apollo plugin that stops in order (use it instead of ApolloServerPluginDrainHttpServer):
   * runs end with SHUTTING_DOWN, WebSocket clients receive it, then the WebSocket server and HTTP close.
   */
  readonly drainPlugin: (options: DrainOptions) => ApolloServerPlugin;
  /** The JSON body parser for the GraphQL route, bounded by `maxRequestBytes`. */
  readonly jsonBody: () => RequestHandler;
  /** Express error handler (mount it last): malformed or oversized bodies get GraphQL-shaped JSON errors, no stack trace. */
  readonly httpErrors: ErrorRequestHandler;
  /** The depth and complexity rules (already enforced by `apolloPlugin` and `wsServerOptions`). */
  readonly validationRules: readonly ValidationRule[];
  readonly limits: SamplingLimits;
  /** Operations, errors and samples since start. */
  readonly counters: ServerCounters;
  /** Prometheus metrics; `metrics.registry` holds this service's only (for a host's own exposition). */
  readonly metrics: SamplingMetrics;
  /** `GET /metrics`: this service's metrics and the process metrics, in Prometheus text format. */
  readonly metricsHandler: NodeHandler;
  /** `GET /health/live` and `GET /health/ready` for load balancers and Kubernetes probes. */
  readonly health: HealthHandlers;
  /**
   * The Open Inference Protocol REST server (`/v2`, `/v2/health/*`, `/v2/models/{name}[/ready|/infer]`)
   * over this service's inference tier: an express router to mount at your app's root,
   * before any auth or body parser that would take `/v2` (it reads its own bodies, up to `maxInferRequestBytes`).
   */
  readonly inferenceProtocol: Router;
  /** The run gateway every run goes through (sample, stream, compare), for servers that are not GraphQL. */
  readonly gateway: SamplingGateway;
  /**
   * Apollo `context` for express: lets a `sample` query stop when its HTTP client disconnects, and
   * gives the operation a request id (the client's `x-request-id`, or a new UUID), echoed in the
   * response's `x-request-id` and written on its log lines.
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

/** The bundled samplers: naive, threshold, DRS, MH, and the latent samplers DDLS and DOT (fresh instances). */
export function defaultSamplers(): RegisteredSampler[] {
  return [
    createNaiveSampler(),
    createThresholdSampler(),
    createDrsSampler(),
    createMhSampler(),
    createDdlsSampler(),
    createDotSampler(),
  ] as RegisteredSampler[];
}

export function createSamplingService(options: SamplingServiceOptions = {}): SamplingService {
  const samplers = options.samplers ?? options.engine?.samplers() ?? defaultSamplers();
  const { allowedOrigins, ...gatewayOptions } = options;
  const gateway = new SamplingGateway(gatewayOptions, samplers);
  const resolvers = createResolvers(gateway);
  const operations = new OpenOperations();
  const { maxRequestBytes } = gateway.limits;
  return {
    schema: buildSamplingSchema(resolvers),
    resolvers,
    schemaOptions: samplingSchemaOptions(),
    apolloPlugin: createApolloPlugin(gateway),
    wsServerOptions: createWsServerOptions(gateway, operations),
    webSocketServerOptions: createWebSocketServerOptions({ maxRequestBytes, allowedOrigins }),
    drainPlugin: (drain) => createDrainPlugin(gateway, operations, drain),
    jsonBody: () => jsonBody(maxRequestBytes),
    httpErrors: httpErrorHandler({ maxRequestBytes, logError: (m) => (options.logger ?? console).error(m), counters: gateway.counters }),
    validationRules: limitRules(gateway.limits),
    limits: gateway.limits,
    counters: gateway.counters,
    metrics: gateway.metrics,
    metricsHandler: createMetricsHandler(gateway.metrics),
    health: createHealthHandlers(gateway),
    inferenceProtocol: createInferenceProtocolRouter(gateway, {
      maxBodyBytes: gateway.limits.maxInferRequestBytes,
      maxRows: gateway.limits.maxRequestBatchSize,
      maxConcurrent: gateway.limits.maxInferRequests,
    }),
    gateway,
    httpContext: async ({ req, res }) => {
      const requestId = requestIdFrom(req?.headers['x-request-id']);
      res.setHeader?.('x-request-id', requestId);
      const controller = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) controller.abort(AbortReason.HTTP_CLIENT_DISCONNECTED);
      });
      return { sampling: { signal: controller.signal, budget: gateway.operationBudget(), requestId } };
    },
    pages: (pageOptions) => createPagesRouter(pageOptions),
    start: async () => void (await gateway.start()),
    stop: () => gateway.stop(),
  };
}

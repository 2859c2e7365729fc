/**
 * The standalone server: Apollo Server 5 over express for HTTP, graphql-ws on the same port
 * for subscriptions, the offline pages, and a graceful stop. `src/server/main.ts` runs it from env.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { createSamplingService, type SamplingService, type SamplingServiceOptions } from '../graphql/service.js';
import { isFolder, ModelRepository } from '../models/repository.js';
import type { SamplingLogger } from '../sampling/gateway.js';
import type { StandaloneConfig } from './env.js';

export interface ServerOptions {
  readonly port: number;
  readonly host: string;
  /** Default `/graphql` (HTTP and WebSocket). */
  readonly graphqlPath?: string;
  readonly sampling: SamplingServiceOptions;
  /** Serve GraphiQL and the comparison page. Default true. */
  readonly pages?: boolean;
  readonly logger?: SamplingLogger;
}

export interface RunningServer {
  /** http://host:port/graphql */
  readonly url: string;
  /** ws://host:port/graphql */
  readonly wsUrl: string;
  readonly sampling: SamplingService;
  readonly httpServer: Server;
  /** Whether GraphiQL and the comparison page are mounted. */
  readonly pages: boolean;
  /** Cancels streams and runs, closes sockets and the HTTP server, then the engine. */
  stop(): Promise<void>;
}

export const consoleLogger: SamplingLogger = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? consoleLogger;
  const path = options.graphqlPath ?? '/graphql';
  const sampling = createSamplingService({ logger, ...options.sampling });

  const app = express();
  // Express would hash every response body for an ETag: megabytes of samples per query, never revalidated.
  app.set('etag', false);
  app.disable('x-powered-by');
  const httpServer = createServer(app);
  // Probes and metrics answer from the first moment, starting included.
  app.get('/metrics', sampling.metricsHandler);
  app.get('/health/live', sampling.health.live);
  app.get('/health/ready', sampling.health.ready);
  // The Open Inference Protocol answers for itself while starting (503) and reads its own bodies.
  app.use(sampling.inferenceProtocol);
  // Listen first: a taken port fails at once, before models load. Until Apollo is up, 503.
  let ready = false;
  app.use((_req, res, next) =>
    ready
      ? next()
      : void res
          .status(503)
          .set('Retry-After', '1')
          .json({ errors: [{ message: 'the server is starting', extensions: { code: 'NOT_STARTED' } }] }),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.port, options.host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw new Error(`cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`, { cause: error });
  }

  const wsServer = new WebSocketServer({ server: httpServer, path, ...sampling.webSocketServerOptions });
  const wsCleanup = useServer({ schema: sampling.schema, ...sampling.wsServerOptions }, wsServer);
  const apollo = new ApolloServer({
    schema: sampling.schema,
    logger: { debug: () => {}, ...logger },
    // Users get the message and code; stack traces only when developing the server itself.
    includeStacktraceInErrorResponses: process.env.NODE_ENV === 'development',
    plugins: [
      sampling.apolloPlugin,
      // Runs end with SHUTTING_DOWN, WebSocket clients receive it, then WebSocket and HTTP close.
      sampling.drainPlugin({ httpServer, wsServer: wsCleanup }),
      // Apollo's landing page loads from a CDN; GraphiQL is served offline by `pages`.
      ApolloServerPluginLandingPageDisabled(),
      // Apollo's cache-control plugin wraps every field resolver (a cost per sample of a big
      // result); the sampling plugin sends `Cache-Control: no-store` for sampling fields itself.
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
  try {
    await apollo.start();
  } catch (error) {
    await wsCleanup.dispose();
    await new Promise((resolve) => httpServer.close(resolve));
    throw error;
  }
  let pages = false;
  if (options.pages ?? true) {
    // The pages are a convenience: if they cannot be set up, the API still serves.
    try {
      app.use(sampling.pages({ graphqlPath: path }));
      pages = true;
    } catch (error) {
      logger.warn(`pages (GraphiQL, comparison page) unavailable: ${(error as Error).message}`);
    }
  }
  app.use(path, sampling.jsonBody(), expressMiddleware(apollo, { context: sampling.httpContext }));
  app.use(sampling.httpErrors);
  ready = true;

  const { port } = httpServer.address() as AddressInfo;
  const host = ['0.0.0.0', '::'].includes(options.host) ? 'localhost' : options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}${path}`;
  let stopping: Promise<void> | undefined;
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    sampling,
    httpServer,
    pages,
    stop: () => (stopping ??= apollo.stop()),
  };
}

/** Service options for the environment's settings. */
export function samplingOptionsFor(config: StandaloneConfig): SamplingServiceOptions {
  // The bundled models/ may not exist yet (they are trained separately): serve none, say so.
  const models =
    !config.modelsDirExplicit && !isFolder(config.modelsDir) ? { repository: new ModelRepository(config.modelsDir, []) } : { modelsDir: config.modelsDir };
  return {
    ...models,
    pool: { workers: config.workers, intraOpNumThreads: config.intraOpNumThreads },
    ...(config.inferenceUrl ? { inference: { url: config.inferenceUrl, binary: config.inferenceBinary } } : {}),
    batching: { maxBatchSize: config.maxBatchSize, maxQueueDelayMs: config.maxQueueDelayMs },
    limits: config.limits,
    allowedOrigins: config.allowedOrigins,
    cursorSecret: config.cursorSecret,
  };
}

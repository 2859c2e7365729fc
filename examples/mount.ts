/**
 * Mounting graphql-gan-sampler into your own Apollo Server 5 + express + graphql-ws app.
 * The README shows this function's body; test/server/mount.test.ts runs it as is.
 */
import { createServer } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { createSamplingService, type SamplingServiceOptions } from '../src/index.js'; // your app: 'graphql-gan-sampler'

export async function startApp({ port = 4000, ...options }: SamplingServiceOptions & { port?: number } = {}) {
  // No modelsDir: the demo models bundled in the package. Yours: { modelsDir: '/srv/models' }.
  const sampling = createSamplingService(options);

  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);
  // Messages up to MAX_REQUEST_BYTES; pages from other origins refused (allowedOrigins to add some).
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', ...sampling.webSocketServerOptions });
  const wsCleanup = useServer({ schema: sampling.schema, ...sampling.wsServerOptions }, wsServer);

  const apollo = new ApolloServer({
    schema: sampling.schema,
    plugins: [
      sampling.apolloPlugin, // loads the models and starts the workers; closes them on stop
      sampling.drainPlugin({ httpServer, wsServer: wsCleanup }), // on stop: runs end with SHUTTING_DOWN, clients get it, then sockets close
    ],
  });
  await apollo.start();

  app.use(sampling.inferenceProtocol); // optional: the Open Inference Protocol under /v2 (Triton/KServe clients)
  app.use(sampling.pages()); // optional: GraphiQL on GET /graphql, the comparison page at /
  app.use('/graphql', sampling.jsonBody(), expressMiddleware(apollo, { context: sampling.httpContext }));
  app.use(sampling.httpErrors); // bad or oversized bodies: GraphQL-shaped JSON errors, no stack trace
  await new Promise<void>((resolve) => httpServer.listen(port, resolve));
  return { apollo, httpServer, sampling }; // stop with `await apollo.stop()`
}

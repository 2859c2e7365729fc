/**
 * Mounting graphql-gan-sampler into your own Apollo Server 5 + express + graphql-ws app.
 * The README shows this function's body; test/server/mount.test.ts runs it as is.
 */
import { createServer } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { createSamplingService, type SamplingServiceOptions } from '../src/index.js'; // your app: 'graphql-gan-sampler'

export async function startApp({ port = 4000, ...options }: SamplingServiceOptions & { port?: number } = {}) {
  // No modelsDir: the demo models bundled in the package. Yours: { modelsDir: '/srv/models' }.
  const sampling = createSamplingService(options);

  const app = express();
  const httpServer = createServer(app);
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const wsCleanup = useServer({ schema: sampling.schema, ...sampling.wsServerOptions }, wsServer);

  const apollo = new ApolloServer({
    schema: sampling.schema,
    plugins: [
      sampling.apolloPlugin, // loads the models and starts the workers; cancels streams and closes them on stop
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
    ],
  });
  await apollo.start();

  app.use(sampling.pages()); // optional: GraphiQL on GET /graphql, the comparison page at /
  app.use('/graphql', express.json(), expressMiddleware(apollo, { context: sampling.httpContext }));
  await new Promise<void>((resolve) => httpServer.listen(port, resolve));
  return { apollo, httpServer, sampling }; // stop with `await apollo.stop()`
}

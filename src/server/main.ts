#!/usr/bin/env node
/**
 * `npm start`: the standalone sampling server on MODELS_DIR (default: the bundled models/),
 * HTTP and WebSocket at http://localhost:4000/graphql. Settings: see ENV_VARIABLES / README.
 */
import { existsSync } from 'node:fs';
import { ConfigError, configFromEnv, ENV_VARIABLES } from './env.js';
import { createLogger, pinoSamplingLogger } from './logging.js';
import { samplingOptionsFor, startServer } from './standalone.js';

async function main(): Promise<void> {
  let config;
  try {
    config = configFromEnv();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${error.message}\n\nsettings:\n${ENV_VARIABLES.map(([k, v]) => `  ${k.padEnd(28)} ${v}`).join('\n')}`);
    process.exit(2);
  }
  const logger = pinoSamplingLogger(createLogger({ level: config.logLevel }));
  if (!config.modelsDirExplicit) {
    logger.info(
      existsSync(config.modelsDir)
        ? `models: ${config.modelsDir} (set MODELS_DIR for another folder)`
        : `models: the bundled folder ${config.modelsDir} is missing from this install: serving no models; set MODELS_DIR for another folder`,
    );
  }
  let server;
  try {
    server = await startServer({ port: config.port, host: config.host, sampling: samplingOptionsFor(config), logger });
  } catch (error) {
    logger.error(`sampling server failed to start: ${(error as Error).message}`);
    process.exit(1);
  }
  logger.info(`listening: ${server.url} (HTTP and WebSocket${server.pages ? '; GraphiQL on GET, comparison page at /' : ''})`);

  const shutdown = (signal: string) => {
    logger.info(`${signal}: stopping (streams end with SHUTTING_DOWN; a second ${signal} forces exit)`);
    process.once(signal, () => process.exit(130));
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`stop failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`sampling server failed to start: ${(error as Error).message}`);
  process.exit(1);
});

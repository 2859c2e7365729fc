/**
 * `graphql-gan-sampler/server`: the standalone server (`npm start`, the `graphql-gan-sampler`
 * command) as a library: start it from code, with settings from the environment or your own.
 */
export { ConfigError, configFromEnv, ENV_VARIABLES, type StandaloneConfig } from './env.js';
export { consoleLogger, samplingOptionsFor, startServer, type RunningServer, type ServerOptions } from './standalone.js';

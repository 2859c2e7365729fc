import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv } from '../../src/server/env.js';
import { samplingOptionsFor } from '../../src/server/standalone.js';
import { BUNDLED_MODELS_DIR } from '../../src/index.js';
import { FIXTURE_MODELS_DIR } from '../helpers/engine.js';

describe('settings from the environment', () => {
  it('has sane defaults', () => {
    expect(configFromEnv({})).toEqual({ port: 4000, host: 'localhost', modelsDir: BUNDLED_MODELS_DIR, modelsDirExplicit: false, limits: {}, logLevel: 'info' });
  });

  it('reads every variable', () => {
    const config = configFromEnv({
      PORT: '0',
      HOST: '0.0.0.0',
      MODELS_DIR: FIXTURE_MODELS_DIR,
      WORKERS: '2',
      INTRA_OP_THREADS: '1',
      MAX_BATCH_SIZE: '1024',
      MAX_QUEUE_DELAY_MS: '0.5',
      MAX_COUNT: '10',
      MAX_PROPOSALS: '1000',
      MAX_STREAMS_PER_CONNECTION: '3',
      MAX_STREAMS: '9',
      MAX_QUERY_DEPTH: '5',
      MAX_QUERY_COMPLEXITY: '99',
      LOG_LEVEL: 'Debug',
    });
    expect(config).toEqual({
      port: 0,
      host: '0.0.0.0',
      modelsDir: FIXTURE_MODELS_DIR,
      modelsDirExplicit: true,
      workers: 2,
      intraOpNumThreads: 1,
      maxBatchSize: 1024,
      maxQueueDelayMs: 0.5,
      limits: { maxCount: 10, maxProposals: 1000, maxStreamsPerConnection: 3, maxStreams: 9, maxQueryDepth: 5, maxQueryComplexity: 99 },
      logLevel: 'debug',
    });
    expect(samplingOptionsFor(config)).toEqual({
      modelsDir: FIXTURE_MODELS_DIR,
      pool: { workers: 2, intraOpNumThreads: 1 },
      batching: { maxBatchSize: 1024, maxQueueDelayMs: 0.5 },
      limits: config.limits,
    });
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      configFromEnv({
        PORT: '80a',
        WORKERS: '0',
        MAX_STREAMS: '-1',
        MAX_QUEUE_DELAY_MS: 'soon',
        MAX_COUNT: '1.5',
        MODELS_DIR: '/does/not/exist',
        LOG_LEVEL: 'loud',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'MODELS_DIR: /does/not/exist does not exist or is not a folder',
      'MAX_COUNT must be an integer from 1 to ∞, got "1.5"',
      'MAX_STREAMS must be an integer from 1 to ∞, got "-1"',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      'PORT must be an integer from 0 to 65535, got "80a"',
      'WORKERS must be an integer from 1 to 256, got "0"',
      'MAX_QUEUE_DELAY_MS must be a number ≥ 0, got "soon"',
    ]);
  });

  it('reads the remote inference settings, and names bad ones', () => {
    const config = configFromEnv({ INFERENCE_URL: 'http://triton:8000/v2/', INFERENCE_TENSORS: 'JSON', INFERENCE_TIMEOUT_MS: '500', INFERENCE_ATTEMPTS: '2' });
    expect(config).toMatchObject({ inferenceUrl: 'http://triton:8000', inferenceBinary: false, limits: { inferenceTimeoutMs: 500, inferenceAttempts: 2 } });
    expect(samplingOptionsFor(config)).toMatchObject({ inference: { url: 'http://triton:8000', binary: false } });
    expect(samplingOptionsFor(configFromEnv({})).inference).toBeUndefined();
    expect(() => configFromEnv({ INFERENCE_URL: 'triton:8000', INFERENCE_TENSORS: 'xml', INFERENCE_ATTEMPTS: '0' })).toThrow(
      /INFERENCE_URL must be an http\(s\) URL like http:\/\/triton:8000, got "triton:8000"[^]*INFERENCE_TENSORS must be binary or json, got "xml"/,
    );
    expect(() => configFromEnv({ INFERENCE_ATTEMPTS: '0' })).toThrow('INFERENCE_ATTEMPTS must be an integer from 1 to ∞, got "0"');
  });

  it('refuses a MODELS_DIR that is a file, naming the variable', () => {
    const file = join(FIXTURE_MODELS_DIR, 'uniform-gaussian-1d', 'manifest.json');
    expect(() => configFromEnv({ MODELS_DIR: file })).toThrow(`MODELS_DIR: ${file} does not exist or is not a folder`);
  });

  it('reads ALLOWED_ORIGINS as a list of origins, and names a bad entry', () => {
    expect(configFromEnv({ ALLOWED_ORIGINS: ' https://App.Example.com:443 , http://localhost:3000,' }).allowedOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:3000',
    ]);
    expect(samplingOptionsFor(configFromEnv({ ALLOWED_ORIGINS: '*' })).allowedOrigins).toEqual(['*']);
    expect(() => configFromEnv({ ALLOWED_ORIGINS: 'https://ok.example,evil' })).toThrow(/ALLOWED_ORIGINS: "evil" is not an origin/);
    expect(() => configFromEnv({ ALLOWED_ORIGINS: 'null' })).toThrow(/"null" is not an origin/);
  });

  it('serves no models, rather than failing, while the bundled models/ folder does not exist yet', () => {
    const options = samplingOptionsFor({ port: 0, host: 'localhost', modelsDir: '/no/bundled/models', modelsDirExplicit: false, limits: {}, logLevel: 'info' });
    expect(options.repository?.list()).toEqual([]);
    expect(options.modelsDir).toBeUndefined();
  });
});

/**
 * The standalone server's settings from environment variables. Every problem is collected
 * and reported at once, each naming its variable, before anything starts.
 */
import { resolve } from 'node:path';
import { parseAllowedOrigins } from '../graphql/websocket.js';
import { LIMITS, LIMIT_NAMES, type SamplingLimits } from '../limits.js';
import { baseUrl } from '../inference/remote.js';
import { BUNDLED_MODELS_DIR, isFolder } from '../models/repository.js';
import { LOG_LEVELS, isLogLevel, type LogLevel } from './logging.js';

export interface StandaloneConfig {
  readonly port: number;
  readonly host: string;
  /** Folder of model folders. */
  readonly modelsDir: string;
  /** True when MODELS_DIR was set (a missing folder is then an error, not "no models yet"). */
  readonly modelsDirExplicit: boolean;
  readonly workers?: number | undefined;
  readonly intraOpNumThreads?: number | undefined;
  readonly maxBatchSize?: number | undefined;
  readonly maxQueueDelayMs?: number | undefined;
  readonly limits: Partial<SamplingLimits>;
  readonly logLevel: LogLevel;
  /** Origins besides the server's own whose pages may open WebSockets. */
  readonly allowedOrigins?: readonly string[] | undefined;
  /** Base URL of a remote Open Inference Protocol server for G and D (none: local workers). */
  readonly inferenceUrl?: string | undefined;
  /** Tensors to that server as the binary extension (default) or JSON. */
  readonly inferenceBinary?: boolean | undefined;
  /** Signs stream cursors; replicas behind one load balancer share it. */
  readonly cursorSecret?: string | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid environment:\n  ${problems.join('\n  ')}`);
  }
}

/** Variables, their meaning and default, for `--help`-style output and the README. */
export const ENV_VARIABLES: readonly (readonly [string, string])[] = [
  ['PORT', 'HTTP and WebSocket port (default 4000; 0 = any free port)'],
  ['HOST', 'interface to listen on (default localhost; 0.0.0.0 for all)'],
  ['MODELS_DIR', 'folder of model folders (default: the bundled models/)'],
  ['WORKERS', 'inference worker threads (default: half the cores)'],
  ['INTRA_OP_THREADS', 'onnxruntime threads per worker (default: (cores − 1) / WORKERS, at least 1)'],
  ['MAX_BATCH_SIZE', 'rows per shared inference batch (default 2048)'],
  ['MAX_QUEUE_DELAY_MS', 'longest a partial batch waits for company while every worker is busy (default 2)'],
  [
    'INFERENCE_URL',
    'base URL of an Open Inference Protocol server (`http://triton:8000`, another instance’s `http://host:4000`) that runs G and D instead of local workers (default: none, local workers); a model’s manifest `inference` block overrides it',
  ],
  ['INFERENCE_TENSORS', 'how tensors travel to INFERENCE_URL: `binary` (the binary tensor data extension) or `json` (default binary)'],
  ['LOG_LEVEL', `least severe log level written, one of ${LOG_LEVELS.join(', ')} (default info)`],
  [
    'ALLOWED_ORIGINS',
    'comma-separated origins (`https://app.example.com`) whose web pages may open WebSockets besides this server’s own, `*` for any (default: none; clients that send no Origin, i.e. not browsers, are always let in)',
  ],
  [
    'CURSOR_SECRET',
    'key (16+ characters) that signs `sampleStream` cursors (HMAC-SHA256); give every replica the same one so any of them resumes any stream (default: none; cursors are then only checksummed and can be forged)',
  ],
  ...LIMIT_NAMES.map((name) => [LIMITS[name].env, `${LIMITS[name].description} (default ${LIMITS[name].default})`] as const),
];

type Env = Readonly<Record<string, string | undefined>>;

export function configFromEnv(env: Env = process.env): StandaloneConfig {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const int = (name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!/^[+]?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? '∞' : max}, got "${raw}"`);
      return undefined;
    }
    return value;
  };
  const number = (name: string, min: number): number | undefined => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) {
      problems.push(`${name} must be a number ≥ ${min}, got "${raw}"`);
      return undefined;
    }
    return value;
  };

  const modelsDirRaw = read('MODELS_DIR');
  const modelsDir = modelsDirRaw === undefined ? BUNDLED_MODELS_DIR : resolve(modelsDirRaw);
  if (modelsDirRaw !== undefined && !isFolder(modelsDir)) problems.push(`MODELS_DIR: ${modelsDir} does not exist or is not a folder`);

  const limits: Partial<Record<keyof SamplingLimits, number>> = {};
  for (const name of LIMIT_NAMES) {
    const value = int(LIMITS[name].env, 1);
    if (value !== undefined) limits[name] = value;
  }

  const logLevel = read('LOG_LEVEL')?.toLowerCase() ?? 'info';
  if (!isLogLevel(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${read('LOG_LEVEL')}"`);
  const originsRaw = read('ALLOWED_ORIGINS');
  let allowedOrigins: string[] | undefined;
  if (originsRaw !== undefined) {
    try {
      allowedOrigins = parseAllowedOrigins(
        originsRaw
          .split(',')
          .map((o) => o.trim())
          .filter((o) => o !== ''),
      );
    } catch (error) {
      problems.push(`ALLOWED_ORIGINS: ${(error as Error).message}`);
    }
  }

  const inferenceUrlRaw = read('INFERENCE_URL');
  let inferenceUrl: string | undefined;
  if (inferenceUrlRaw !== undefined) {
    try {
      inferenceUrl = baseUrl(inferenceUrlRaw);
    } catch (error) {
      problems.push(`INFERENCE_URL must be an http(s) URL like http://triton:8000, got "${inferenceUrlRaw}" (${(error as Error).message})`);
    }
  }
  const tensors = read('INFERENCE_TENSORS')?.toLowerCase();
  if (tensors !== undefined && tensors !== 'binary' && tensors !== 'json')
    problems.push(`INFERENCE_TENSORS must be binary or json, got "${read('INFERENCE_TENSORS')}"`);
  const cursorSecret = read('CURSOR_SECRET');
  if (cursorSecret !== undefined && cursorSecret.length < 16) problems.push(`CURSOR_SECRET must be at least 16 characters, got ${cursorSecret.length}`);

  const config: StandaloneConfig = {
    port: int('PORT', 0, 65535) ?? 4000,
    host: read('HOST') ?? 'localhost',
    modelsDir,
    modelsDirExplicit: modelsDirRaw !== undefined,
    workers: int('WORKERS', 1, 256),
    intraOpNumThreads: int('INTRA_OP_THREADS', 1, 256),
    maxBatchSize: int('MAX_BATCH_SIZE', 1),
    maxQueueDelayMs: number('MAX_QUEUE_DELAY_MS', 0),
    limits,
    logLevel: isLogLevel(logLevel) ? logLevel : 'info',
    allowedOrigins,
    inferenceUrl,
    inferenceBinary: tensors === undefined ? undefined : tensors !== 'json',
    cursorSecret,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

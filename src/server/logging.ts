/**
 * Structured JSON logs with pino: one object per line with `level`, `time`, `msg` and the line's
 * facts (`requestId`, `model`, …). The service only needs the small `SamplingLogger`; this
 * adapts pino to it (and to Apollo's logger, which also has `debug`).
 */
import { randomUUID } from 'node:crypto';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogFields, SamplingLogger } from '../sampling/gateway.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Default: stdout. */
  readonly destination?: DestinationStream;
}

/** The standalone server's logger: pino at `level` (default info). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const settings = { level: options.level ?? 'info' };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** pino behind the service's logger interface; `debug` too, for Apollo and per-operation lines. */
export function pinoSamplingLogger(log: Logger): Required<SamplingLogger> {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: LogFields): void => {
      if (fields) log[level](fields, message);
      else log[level](message);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A client's `x-request-id` when it is a sane token (letters, digits, `._:-`, at most 128), else a new UUID. */
export function requestIdFrom(header: string | readonly string[] | undefined): string {
  const value: unknown = Array.isArray(header) ? header[0] : header;
  return typeof value === 'string' && /^[\w.:-]{1,128}$/.test(value) ? value : randomUUID();
}

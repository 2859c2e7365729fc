/**
 * The HTTP side of the request-size limit and of bad requests: a JSON body parser bounded by
 * `maxRequestBytes`, and an express error handler that answers what it (or anything else before
 * Apollo) rejects as GraphQL-shaped JSON with a code, never express's HTML page with a stack trace.
 */
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { ErrorCode } from '../errors.js';
import { Transport, type ServerCounters } from '../sampling/counters.js';

/** `express.json` bounded by `maxRequestBytes` (a larger body is refused before it is read). */
export function jsonBody(maxRequestBytes: number): RequestHandler {
  return express.json({ limit: maxRequestBytes });
}

interface HttpError extends Error {
  readonly status?: number;
  readonly statusCode?: number;
  /** body-parser's kind of failure, e.g. `entity.parse.failed`. */
  readonly type?: string;
}

export interface HttpErrorOptions {
  readonly maxRequestBytes: number;
  /** Where unexpected errors go (the client only learns that one happened). */
  readonly logError?: (message: string) => void;
  /** Counts each answered error by its code, as Apollo's hooks count the ones it sees. */
  readonly counters?: ServerCounters;
}

export function httpErrorHandler({ maxRequestBytes, logError, counters }: HttpErrorOptions): ErrorRequestHandler {
  return (error: HttpError, req, res, next) => {
    if (res.headersSent) return next(error);
    const status = error.status ?? error.statusCode ?? 500;
    let body: { message: string; extensions: Record<string, unknown> };
    if (error.type === 'entity.too.large') {
      body = {
        message: `the request body is larger than maxRequestBytes / MAX_REQUEST_BYTES = ${maxRequestBytes} bytes`,
        extensions: { code: ErrorCode.LIMIT_EXCEEDED, limit: 'maxRequestBytes', max: maxRequestBytes },
      };
    } else if (error.type === 'entity.parse.failed') {
      body = { message: `the request body is not valid JSON: ${error.message}`, extensions: { code: ErrorCode.BAD_REQUEST } };
    } else if (status >= 400 && status < 500) {
      body = { message: `bad request: ${error.message}`, extensions: { code: ErrorCode.BAD_REQUEST } };
    } else {
      logError?.(`${req.method} ${req.path}: ${error.stack ?? error.message}`);
      body = { message: 'internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
    }
    counters?.error(Transport.HTTP, body);
    // A refused body may still be arriving: close the connection rather than read it.
    if (error.type === 'entity.too.large') res.set('Connection', 'close');
    res.status(status >= 400 && status < 600 ? status : 500).json({ errors: [body] });
  };
}

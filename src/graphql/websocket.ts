/**
 * Options for the `ws` WebSocketServer a host creates (spread into `new WebSocketServer({ …,
 * ...webSocketServerOptions })`): the request-size limit for messages and an Origin check, so a
 * web page on another site cannot drive a server on the user's machine (browsers send no CORS
 * preflight for WebSockets).
 */
import type { IncomingMessage } from 'node:http';
import { WebSocket, type ServerOptions } from 'ws';

export interface WebSocketServerOptions {
  readonly maxPayload: number;
  readonly verifyClient: NonNullable<ServerOptions['verifyClient']>;
  readonly WebSocket: typeof WebSocket;
}

export interface OriginPolicy {
  /** Origins allowed besides the server's own, e.g. `https://app.example.com`; `*` allows any. */
  readonly allowedOrigins?: readonly string[] | undefined;
}

/** Origins compare as scheme://host[:port], lower case, default ports dropped (as `URL` does). */
function normalizeOrigin(origin: string): string | undefined {
  if (origin === '*') return origin;
  try {
    const url = new URL(origin);
    return url.origin === 'null' ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

/** Checks each entry of ALLOWED_ORIGINS; returns the normalized list or throws naming the bad one. */
export function parseAllowedOrigins(entries: readonly string[]): string[] {
  return entries.map((entry) => {
    const origin = normalizeOrigin(entry);
    if (!origin) throw new RangeError(`"${entry}" is not an origin (scheme://host[:port], or *)`);
    return origin;
  });
}

/**
 * True for a request without Origin (not a browser), from the server's own origin (the Origin's
 * host:port is the Host header's), or from an allowed origin. `null` (sandboxed pages, files) is refused.
 */
export function originAllowed(req: Pick<IncomingMessage, 'headers'>, policy: OriginPolicy = {}): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const allowed = policy.allowedOrigins ?? [];
  if (allowed.includes('*')) return true;
  const normalized = normalizeOrigin(origin);
  if (!normalized) return false;
  return new URL(normalized).host === req.headers.host?.toLowerCase() || allowed.includes(normalized);
}

export function createWebSocketServerOptions(options: OriginPolicy & { readonly maxRequestBytes: number }): WebSocketServerOptions {
  const allowedOrigins = parseAllowedOrigins(options.allowedOrigins ?? []);
  const max = options.maxRequestBytes;
  /** Closes an oversized message's socket with a reason, and keeps `ws`'s error for it out of the log (graphql-ws prints a stack trace for any socket error). */
  class LimitedWebSocket extends WebSocket {
    override close(code?: number, reason?: string | Buffer): void {
      super.close(code, code === 1009 && reason === undefined ? `message too big: the limit is maxRequestBytes / MAX_REQUEST_BYTES = ${max} bytes` : reason);
    }

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      // ws closes the socket itself (1009) before it emits this error.
      if (event === 'error' && (args[0] as NodeJS.ErrnoException | undefined)?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return true;
      return super.emit(event, ...args);
    }
  }
  return {
    maxPayload: max,
    verifyClient: (info: { req: IncomingMessage }, callback: (result: boolean, code?: number, message?: string) => void) => {
      if (originAllowed(info.req, { allowedOrigins })) return callback(true);
      callback(false, 403, `origin ${info.req.headers.origin} is not allowed: only this server's own origin and ALLOWED_ORIGINS may open WebSockets`);
    },
    WebSocket: LimitedWebSocket,
  };
}

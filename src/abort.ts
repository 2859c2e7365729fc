/** Cancellation helpers shared by the batcher, the pool and sampling runs. */

/**
 * Abort reasons, made once at load. An error made inside a method keeps that method's `this`
 * (a finished run) reachable through its unread stack trace for as long as the aborted signal
 * lives; these have no run in their trace. (`controller.abort()` without a reason makes one.)
 */
export const AbortReason = {
  ABORTED: new DOMException('The operation was aborted', 'AbortError'),
  RUN_ENDED: new DOMException('sampling run ended', 'AbortError'),
  CLIENT_STOPPED: new DOMException('the client stopped the stream', 'AbortError'),
  HTTP_CLIENT_DISCONNECTED: new DOMException('the HTTP client disconnected', 'AbortError'),
  WEBSOCKET_CLOSED: new DOMException('the WebSocket closed', 'AbortError'),
} as const;

/** The error a rejected wait reports: the signal's reason when it is an Error, else an AbortError. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : AbortReason.ABORTED;
}

/** Resolves with `promise`, or rejects as soon as `signal` aborts (the listener is removed either way). */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.finally(() => signal.removeEventListener('abort', onAbort)).then(resolve, reject);
  });
}

/**
 * `raceAbort` for one signal's many waits: one listener for all of them (a run waits for
 * thousands of pieces; a listener added and removed per wait was a visible share of its time).
 */
export class AbortableWaits {
  private readonly pending = new Set<(error: Error) => void>();

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener(
      'abort',
      () => {
        for (const reject of this.pending) reject(abortError(signal));
        this.pending.clear();
      },
      { once: true },
    );
  }

  /** Resolves with `promise`, or rejects as soon as the signal aborts. */
  wait<T>(promise: Promise<T>): Promise<T> {
    if (this.signal.aborted) return Promise.reject(abortError(this.signal));
    return new Promise<T>((resolve, reject) => {
      this.pending.add(reject);
      promise.then(
        (value) => {
          this.pending.delete(reject);
          resolve(value);
        },
        (error: Error) => {
          this.pending.delete(reject);
          reject(error);
        },
      );
    });
  }
}

/**
 * Aborts `controller` when `parent` aborts, until the returned function is called. Unlike
 * `AbortSignal.any`, the link is removed explicitly, so a long-lived parent (the server's
 * shutdown signal) does not keep every finished child reachable.
 */
export function linkAbort(parent: AbortSignal | undefined, controller: AbortController): () => void {
  if (!parent) return () => undefined;
  if (parent.aborted) {
    controller.abort(parent.reason);
    return () => undefined;
  }
  const onAbort = (): void => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return () => parent.removeEventListener('abort', onAbort);
}

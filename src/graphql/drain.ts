/**
 * Stopping in order. Apollo runs every plugin's `drainServer` at once, and its HTTP drain ends
 * upgraded WebSocket sockets right away; so one plugin does it all, in sequence: cancel every
 * run (each ends with SHUTTING_DOWN), let the WebSocket operations send that final error, close
 * the WebSocket server, then drain HTTP.
 */
import type { Server } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { SamplingGateway } from '../sampling/gateway.js';

/** GraphQL operations in progress over WebSocket (graphql-ws hooks add and remove them). */
export class OpenOperations {
  private readonly open = new Set<string>();
  private waiters: (() => void)[] = [];

  get size(): number {
    return this.open.size;
  }

  add(key: string): void {
    this.open.add(key);
  }

  delete(key: string): void {
    if (!this.open.delete(key) || this.open.size > 0) return;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves once none is open, or after `timeoutMs` (an operation that never ends must not hold the stop up). */
  idle(timeoutMs: number): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

export interface DrainOptions {
  readonly httpServer: Server;
  /** What graphql-ws's `useServer` returned. */
  readonly wsServer?: { dispose(): unknown };
  /** Longest wait for WebSocket operations to send their last message. Default 2 s. */
  readonly flushTimeoutMs?: number;
  /** Longest wait for HTTP requests before their sockets are destroyed. Default 10 s. */
  readonly stopGracePeriodMillis?: number;
}

export function createDrainPlugin(gateway: SamplingGateway, operations: OpenOperations, options: DrainOptions): ApolloServerPlugin {
  const http = ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer, stopGracePeriodMillis: options.stopGracePeriodMillis });
  return {
    async serverWillStart(service) {
      const httpListener = await http.serverWillStart?.(service);
      return {
        async drainServer() {
          gateway.drain();
          await operations.idle(options.flushTimeoutMs ?? 2000);
          await options.wsServer?.dispose();
          await httpListener?.drainServer?.();
        },
      };
    },
  };
}

/** `GET /metrics`: the Prometheus text exposition of one service (and the process). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SamplingMetrics } from '../sampling/metrics.js';

/** A plain Node handler (express, `http.createServer`, …). */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createMetricsHandler(metrics: SamplingMetrics, options: { readonly processMetrics?: boolean } = {}): NodeHandler {
  return (_req, res) => {
    metrics.scrape({ process: options.processMetrics }).then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics unavailable: ${(error as Error).message}\n`);
      },
    );
  };
}

/**
 * Health probes for a load balancer or Kubernetes: `live` (the process can serve; restart it
 * when not) and `ready` (send it traffic: models loaded, workers up, not draining).
 */
import type { SamplingGateway } from '../sampling/gateway.js';
import type { NodeHandler } from './metrics.js';

export interface HealthHandlers {
  /** 200 while the service runs or starts; 503 when its start failed (it will not recover by itself). */
  readonly live: NodeHandler;
  /** 200 once the models are loaded and the workers are up (with a remote backend: its server answers ready); 503 while starting, draining, after a failed start, or while the remote inference server is not ready. */
  readonly ready: NodeHandler;
}

export function createHealthHandlers(gateway: SamplingGateway): HealthHandlers {
  const reply = (res: Parameters<NodeHandler>[1], status: number, body: object): void => {
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
    if (status === 503 && gateway.state === 'starting') headers['retry-after'] = '1';
    res.writeHead(status, headers).end(JSON.stringify(body));
  };
  return {
    live: (_req, res) => {
      const { state } = gateway;
      reply(res, state === 'failed' ? 503 : 200, { status: state === 'failed' ? 'failed' : 'live', state });
    },
    ready: (_req, res) => {
      const { state } = gateway;
      if (state !== 'ready') return reply(res, 503, { status: state });
      void gateway.inferenceReadiness().then((inference) => {
        if (!inference.ready) return reply(res, 503, { status: 'inference-unavailable', reason: inference.reason });
        readyReply(res);
      });
    },
  };
  function readyReply(res: Parameters<NodeHandler>[1]): void {
    const models = gateway.modelCounts();
    reply(res, 200, {
      status: 'ready',
      modelsReady: models.READY ?? 0,
      modelsFailed: models.FAILED ?? 0,
      activeRuns: gateway.activeRuns,
      activeStreams: gateway.activeStreams,
    });
  }
}

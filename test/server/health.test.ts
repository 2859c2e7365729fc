/** /health/live and /health/ready through their whole life: starting, ready, draining, failed. */
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSamplingService, type SamplingService } from '../../src/index.js';
import { FIXTURE_MODELS_DIR } from '../helpers/engine.js';
import { startTestServer } from '../graphql/client.js';

/** Every fixture model loads READY. */
const FIXTURE_COUNT = readdirSync(FIXTURE_MODELS_DIR).filter((d) => existsSync(join(FIXTURE_MODELS_DIR, d, 'manifest.json'))).length;

const quiet = { info() {}, warn() {}, error() {} };

/** The service's probes on a bare Node HTTP server (no express), as a host without express would mount them. */
async function probeServer(
  sampling: SamplingService,
): Promise<{ server: Server; get(path: string): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | null }> }> {
  const server = createServer((req, res) => {
    if (req.url === '/health/live') return sampling.health.live(req, res);
    if (req.url === '/health/ready') return sampling.health.ready(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    async get(path) {
      const res = await fetch(base + path);
      return { status: res.status, body: (await res.json()) as Record<string, unknown>, retryAfter: res.headers.get('retry-after') };
    },
  };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('health probes', () => {
  it('live from the start; ready only once the models are loaded and the workers up, and no longer while draining', async () => {
    const sampling = createSamplingService({ modelsDir: FIXTURE_MODELS_DIR, pool: { workers: 1, intraOpNumThreads: 1 }, logger: quiet });
    const probes = await probeServer(sampling);
    cleanup.push(
      () => new Promise((resolve) => probes.server.close(() => resolve())),
      () => sampling.stop(),
    );

    expect(await probes.get('/health/live')).toMatchObject({ status: 200, body: { status: 'live' } });
    expect(await probes.get('/health/ready')).toMatchObject({ status: 503, body: { status: 'starting' }, retryAfter: '1' });

    await sampling.start();
    expect(await probes.get('/health/ready')).toMatchObject({
      status: 200,
      body: { status: 'ready', modelsReady: FIXTURE_COUNT, modelsFailed: 0, activeRuns: 0 },
    });

    sampling.gateway.drain();
    expect(await probes.get('/health/ready')).toMatchObject({ status: 503, body: { status: 'draining' }, retryAfter: null });
    expect((await probes.get('/health/live')).status).toBe(200);
  });

  it('a failed start is neither ready nor live (it will not recover by itself)', async () => {
    const sampling = createSamplingService({ modelsDir: '/no/such/models', logger: quiet });
    const probes = await probeServer(sampling);
    cleanup.push(() => new Promise((resolve) => probes.server.close(() => resolve())));
    await expect(sampling.start()).rejects.toThrow(/does not exist/);
    expect(await probes.get('/health/ready')).toMatchObject({ status: 503, body: { status: 'failed' } });
    expect(await probes.get('/health/live')).toMatchObject({ status: 503, body: { status: 'failed' } });
  });

  it('are mounted by the standalone server', async () => {
    const server = await startTestServer();
    cleanup.push(() => server.stop());
    const ready = await fetch(new URL('/health/ready', server.url));
    expect(ready.status).toBe(200);
    expect(ready.headers.get('cache-control')).toBe('no-store');
    expect(await ready.json()).toMatchObject({ status: 'ready', modelsReady: FIXTURE_COUNT });
    expect((await fetch(new URL('/health/live', server.url))).status).toBe(200);
    server.sampling.gateway.drain(); // what stopping does first
    expect((await fetch(new URL('/health/ready', server.url))).status).toBe(503);
  });
});

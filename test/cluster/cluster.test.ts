/**
 * `npm run test:cluster`: three replicas of the standalone server (built, real processes, on
 * loopback ports) behind nginx rendered from deploy/nginx.conf.template. Queries, comparisons and
 * subscriptions go through nginx; then the replica serving a stream is killed (SIGKILL), the
 * client reconnects through nginx and resumes with the last cursor it got, and the concatenated
 * samples must equal an uninterrupted stream's: lost 0, duplicated 0 (printed). Skips, saying
 * so, when nginx is not installed (CI installs it: .ci/run).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNginxConfig } from '../../scripts/nginx-config.js';
import { base64ToFloat32 } from '../../src/index.js';
import { BUNDLED_MODELS_DIR } from '../../src/models/repository.js';
import { buildServer, spawnServer, type ChildServer } from '../helpers/child-server.js';

/** The nginx binary: $NGINX when set (a path that does not exist skips the test), else the usual places or the PATH. */
const NGINX = process.env.NGINX
  ? existsSync(process.env.NGINX)
    ? process.env.NGINX
    : undefined
  : (['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'].find((p) => existsSync(p)) ?? whichNginx());
if (!NGINX)
  console.warn(
    `test:cluster SKIPPED: nginx is not installed${process.env.NGINX ? ` at NGINX=${process.env.NGINX}` : ''} (apt-get install -y nginx); .ci/run installs it`,
  );

function whichNginx(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

const SECRET = 'cluster-test-cursor-secret';
const REPLICAS = 3;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function gql(url: string, query: string, variables: object = {}): Promise<{ data?: any; errors?: any[] }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as { data?: any; errors?: any[] };
}

let prefix: string;
let nginx: ChildProcess | undefined;
let nginxUrl: string;
const replicas: ChildServer[] = [];

describe.skipIf(!NGINX)('three replicas behind nginx', () => {
  beforeAll(async () => {
    const t0 = performance.now();
    buildServer();
    console.log(`test:cluster: built in ${Math.round(performance.now() - t0)} ms`);
    prefix = mkdtempSync(join(tmpdir(), 'sampler-cluster-'));
    // One bundled model keeps start-up short (every replica fits its calibration at load).
    const models = join(prefix, 'models');
    mkdirSync(models);
    cpSync(join(BUNDLED_MODELS_DIR, 'gaussians25'), join(models, 'gaussians25'), { recursive: true });
    const ports = await Promise.all(Array.from({ length: REPLICAS + 1 }, freePort));
    const started = await Promise.all(
      ports
        .slice(0, REPLICAS)
        .map((port) => spawnServer({ PORT: String(port), MODELS_DIR: models, WORKERS: '1', INTRA_OP_THREADS: '1', CURSOR_SECRET: SECRET })),
    );
    replicas.push(...started);
    const listen = ports[REPLICAS]!;
    const conf = join(prefix, 'nginx.conf');
    writeFileSync(conf, renderNginxConfig({ replicas: ports.slice(0, REPLICAS).map((p) => `127.0.0.1:${p}`), listen: `127.0.0.1:${listen}`, prefix }));
    nginx = spawn(NGINX!, ['-p', prefix, '-e', join(prefix, 'error.log'), '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let nginxOutput = '';
    nginx.stderr!.on('data', (d: Buffer) => void (nginxOutput += d.toString()));
    nginxUrl = `http://127.0.0.1:${listen}/graphql`;
    await waitUntil(async () => (await fetch(nginxUrl.replace('/graphql', '/health/ready'))).ok, 20_000, `nginx on ${listen}: ${nginxOutput}`);
    console.log(`test:cluster: ${REPLICAS} replicas and nginx up after ${Math.round(performance.now() - t0)} ms`);
  });

  afterAll(async () => {
    nginx?.kill('SIGQUIT');
    for (const r of replicas) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    if (prefix) rmSync(prefix, { recursive: true, force: true });
  });

  it('answers seeded sample queries identically from every replica', async () => {
    const query = `query { sample(input: { modelId: "gaussians25", sampler: { name: "drs", params: { gamma: 0, burnInSamples: 2000 } }, count: 50, seed: 4 }) { samplesBase64 stats { seed proposed } } }`;
    const viaNginx = await Promise.all(Array.from({ length: 6 }, () => gql(nginxUrl, query)));
    const direct = await Promise.all(replicas.map((r) => gql(r.url, query)));
    for (const r of [...viaNginx, ...direct]) {
      expect(r.errors).toBeUndefined();
      expect(r.data).toEqual(direct[0]!.data);
    }
  });

  it('runs a comparison through nginx', async () => {
    const res = await gql(
      nginxUrl,
      `query { compareSamplers(input: { modelId: "gaussians25", samplers: [{ name: "naive" }, { name: "drs", params: { burnInSamples: 2000 } }], count: 500, seed: 9 }) { sampler { name } stats { outputs } } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.compareSamplers.map((e: any) => [e.sampler.name, e.stats.outputs])).toEqual([
      ['naive', 500],
      ['drs', 500],
    ]);
  });

  it('resumes a stream whose replica was killed on another replica: lost 0, duplicated 0', async () => {
    const input = { modelId: 'gaussians25', sampler: { name: 'mh', params: { chains: 16, chainLength: 60 } }, count: 4000, seed: 31, batchSize: 128 };
    const STREAM = `subscription($input: SampleInput!) { sampleStream(input: $input) { done cursor samplesBase64 count } }`;
    const wsUrl = nginxUrl.replace(/^http/, 'ws');
    const client = (): Client => createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    type Event = { done: boolean; cursor: string; samplesBase64: string; count: number };
    const values = (events: readonly Event[]) => events.flatMap((e) => Array.from(base64ToFloat32(e.samplesBase64)));

    // The uninterrupted stream, through nginx.
    const whole: Event[] = [];
    const c0 = client();
    for await (const r of c0.iterate({ query: STREAM, variables: { input } })) {
      expect(r.errors).toBeUndefined();
      whole.push(r.data!.sampleStream as Event);
    }
    await c0.dispose();
    expect(whole.reduce((n, e) => n + e.count, 0)).toBe(4000);

    // The same stream; after a few events, kill whichever replica serves it.
    const head: Event[] = [];
    let killed: ChildServer | undefined;
    let failure: unknown;
    const c1 = client();
    try {
      for await (const r of c1.iterate({ query: STREAM, variables: { input } })) {
        expect(r.errors).toBeUndefined();
        head.push(r.data!.sampleStream as Event);
        if (head.length === 10) {
          const active = await Promise.all(
            replicas.map(async (rep) => (await gql(rep.url, '{ serverStats { activeStreams } }')).data.serverStats.activeStreams as number),
          );
          killed = replicas[active.findIndex((n) => n > 0)];
          expect(killed, `one replica serves the stream (active streams per replica: ${active.join(', ')})`).toBeDefined();
          killed!.child.kill('SIGKILL');
        }
      }
    } catch (error) {
      failure = error; // the connection went down with the replica
    }
    await c1.dispose();
    expect(killed).toBeDefined();
    expect(head.at(-1)!.done, 'the stream was still running when its replica was killed').toBe(false);
    expect(failure).toBeDefined();
    await killed!.exited;

    // Reconnect through nginx (it skips the dead replica) and resume from the last cursor received.
    const tail: Event[] = [];
    const c2 = client();
    for await (const r of c2.iterate({ query: STREAM, variables: { input: { ...input, resumeFrom: head.at(-1)!.cursor } } })) {
      expect(r.errors).toBeUndefined();
      tail.push(r.data!.sampleStream as Event);
    }
    await c2.dispose();

    const want = values(whole);
    const got = values([...head, ...tail]);
    const size = 2; // gaussians25 samples are 2-D
    const rows = (v: number[]) => Array.from({ length: v.length / size }, (_, i) => v.slice(i * size, (i + 1) * size).join(','));
    const remaining = new Map<string, number>();
    for (const k of rows(want)) remaining.set(k, (remaining.get(k) ?? 0) + 1);
    let duplicated = 0;
    for (const k of rows(got)) {
      const n = remaining.get(k) ?? 0;
      if (n === 0) duplicated++;
      else remaining.set(k, n - 1);
    }
    const lost = [...remaining.values()].reduce((a, b) => a + b, 0);
    console.log(
      `test:cluster resume after SIGKILL of the serving replica: ${head.length} events (${head.reduce((n, e) => n + e.count, 0)} samples) before, ` +
        `${tail.length} events (${tail.reduce((n, e) => n + e.count, 0)} samples) after; lost ${lost}, duplicated ${duplicated} of ${want.length / size}`,
    );
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(got).toEqual(want);
    expect(tail.at(-1)!.done).toBe(true);
  });
});

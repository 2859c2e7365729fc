/**
 * `npm run soak`: bounded loopback load on the built server (a child process on the bundled
 * models), stopping by itself within 60 s: 64 streams, a stream of queries, disconnect storms
 * (50 sockets killed mid-stream, 10 rounds) and the attacks of `attacks.ts` mixed in. Prints
 * errors by code, p50/p99 of a trivial query, active runs after, RSS after warm-up vs at the
 * end, CPU after, and every attack with the answer it got; exits 1 when a check fails.
 * RELIABILITY.md records a run.
 */
import { readFileSync } from 'node:fs';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { spawnServer, type ChildServer } from '../test/helpers/child-server.js';
import { ATTACKS, type AttackContext } from './soak-attacks.js';

/** SOAK_ROUNDS=n runs n storm rounds instead of 10 (a longer run, beyond the 60 s bound, to see RSS level off). */
const STORM_ROUNDS = Number(process.env.SOAK_ROUNDS ?? 10);
const DEADLINE_MS = 60_000 + Math.max(0, STORM_ROUNDS - 10) * 5_000;
/**
 * Warm-up before RSS is taken as the baseline: at least this many rounds of everything and this
 * long under load (the V8 heap and onnxruntime's arenas grow to their working size meanwhile).
 */
const WARM_UP_ROUNDS = 4;
const WARM_UP_MS = 15_000;
const STORM_SOCKETS = 50;
const STORM_EVERY_MS = 1_500;
const STREAM_CONNECTIONS = 8;
const STREAMS_PER_CONNECTION = 8;
const started = Date.now();
const hardStop = setTimeout(() => {
  console.error(`soak: still running after ${DEADLINE_MS / 1000} s, giving up`);
  server?.child.kill('SIGKILL');
  process.exit(1);
}, DEADLINE_MS);

const STREAM = `subscription($input: SampleInput!) { sampleStream(input: $input) { count stats { accepted } } }`;
const streamInput = (seed: number) => ({
  modelId: 'gaussians25',
  sampler: { name: 'drs', params: { gamma: 0 } },
  count: 100_000,
  seed,
  maxProposals: 20_000_000,
  batchSize: 256,
});
/** Storm streams send their first event at once (naive accepts everything), so they die mid-stream. */
const stormInput = (seed: number) => ({ ...streamInput(seed), sampler: { name: 'naive' } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: ChildServer | undefined;

/** The server process's resident memory (MB) and CPU ticks (utime + stime) from /proc. */
function proc(pid: number): { rssMb: number; cpuTicks: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { rssMb: rssKb / 1024, cpuTicks: Number(stat[11]) + Number(stat[12]) };
}

async function gql(url: string, query: string, variables: object = {}): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return res.json();
}

/** Trivial queries one after another until `stop`; their latencies in ms. */
async function trivialQueries(url: string, stop: AbortSignal, latencies: number[]): Promise<void> {
  while (!stop.aborted) {
    const t = performance.now();
    await gql(url, `{ models { id status } }`);
    latencies.push(performance.now() - t);
    await sleep(20);
  }
}

/** Real sampling queries, two at a time, until `stop`. */
async function sampleQueries(url: string, stop: AbortSignal): Promise<number> {
  let done = 0;
  await Promise.all(
    [0, 1].map(async (lane) => {
      for (let i = 0; !stop.aborted; i++) {
        const model = i % 4 === 0 ? 'fashion-mnist' : 'gaussians25';
        await gql(url, `query($input: SampleInput!) { sample(input: $input) { count samplesBase64 } }`, {
          input: { modelId: model, sampler: { name: i % 2 ? 'naive' : 'drs' }, count: model === 'gaussians25' ? 200 : 8, seed: lane * 1000 + i },
        });
        done++;
      }
    }),
  );
  return done;
}

/** 50 sockets each start a stream; once every one has sent an event, all are killed (no close frame). */
async function storm(wsUrl: string, round: number): Promise<number> {
  const sockets = await Promise.all(
    Array.from(
      { length: STORM_SOCKETS },
      (_, i) =>
        new Promise<WebSocket>((resolve) => {
          const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
          const give = setTimeout(() => resolve(socket), 8000); // a slow one is killed anyway
          socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
          socket.on('message', (data: Buffer) => {
            const type = (JSON.parse(String(data)) as { type: string }).type;
            if (type === 'connection_ack')
              socket.send(JSON.stringify({ id: 's', type: 'subscribe', payload: { query: STREAM, variables: { input: stormInput(round * 100 + i) } } }));
            else if (type === 'next' || type === 'error') {
              clearTimeout(give);
              resolve(socket);
            }
          });
          socket.on('error', () => undefined);
        }),
    ),
  );
  for (const socket of sockets) socket.terminate();
  return sockets.length;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  // Limits above the defaults (64 streams, 128 runs): the 64 streams, a storm's 50 and an attack's 8 run at once.
  server = await spawnServer({ MAX_STREAMS: '192', MAX_ACTIVE_RUNS: '256' });
  const { url, wsUrl } = server;
  const pid = server.child.pid!;
  console.log(`soak: server ${url} (pid ${pid}) up after ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const clients: Client[] = Array.from({ length: STREAM_CONNECTIONS }, () =>
    createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true }),
  );
  const streamStops: (() => void)[] = [];
  const streamEnds: Promise<string>[] = [];
  let streamEvents = 0;
  for (let c = 0; c < STREAM_CONNECTIONS; c++) {
    for (let s = 0; s < STREAMS_PER_CONNECTION; s++) {
      streamEnds.push(
        new Promise((resolve) => {
          streamStops.push(
            clients[c]!.subscribe(
              { query: STREAM, variables: { input: streamInput(c * 10 + s) } },
              { next: () => void streamEvents++, error: (e) => resolve(`error ${JSON.stringify(e).slice(0, 200)}`), complete: () => resolve('complete') },
            ),
          );
        }),
      );
    }
  }
  const stopLoad = new AbortController();
  const latencies: number[] = [];
  const trivial = trivialQueries(url, stopLoad.signal, latencies);
  const samples = sampleQueries(url, stopLoad.signal);

  const context: AttackContext = { url, wsUrl };
  const answers = new Map<string, { expected: string; seen: Map<string, number> }>();
  let killed = 0;
  let warm = proc(pid);
  const rssTrend: number[] = [];
  // The first rounds warm up (the same load, not counted); RSS is measured after them.
  const loadStart = Date.now();
  let warmUpRounds = Infinity;
  for (let round = 0; round < warmUpRounds + STORM_ROUNDS; round++) {
    if (warmUpRounds === Infinity && round >= WARM_UP_ROUNDS && Date.now() - loadStart >= WARM_UP_MS) warmUpRounds = round;
    const counted = round >= warmUpRounds;
    if (round === warmUpRounds) {
      warm = proc(pid);
      latencies.length = 0; // latency under the load proper, not while the code warms up
      console.log(`soak: warmed up (${streamEvents} stream events so far), RSS ${warm.rssMb.toFixed(0)} MB`);
    }
    const roundStart = Date.now();
    const [stormed] = await Promise.all([
      storm(wsUrl, round),
      ...ATTACKS.map(async (attack) => {
        const answer = await attack.run(context).catch((e: Error) => `threw ${e.message}`);
        if (!counted) return;
        const entry = answers.get(attack.name) ?? { expected: attack.expected, seen: new Map<string, number>() };
        entry.seen.set(answer, (entry.seen.get(answer) ?? 0) + 1);
        answers.set(attack.name, entry);
      }),
    ]);
    if (counted) killed += stormed;
    await sleep(Math.max(0, STORM_EVERY_MS - (Date.now() - roundStart)));
    if (counted) rssTrend.push(Math.round(proc(pid).rssMb));
  }

  stopLoad.abort();
  for (const stop of streamStops) stop();
  const [, queriesDone, ends] = await Promise.all([trivial, samples, Promise.all(streamEnds)]);
  for (const client of clients) await client.dispose();
  let active = -1;
  for (let i = 0; i < 50 && active !== 0; i++) {
    active = ((await gql(url, `{ serverStats { activeRuns } }`)) as { data: { serverStats: { activeRuns: number } } }).data.serverStats.activeRuns;
    if (active !== 0) await sleep(100);
  }
  await sleep(1000);
  const end = proc(pid);
  await sleep(2000);
  const idle = proc(pid);
  const ticksPerSecond = 100;
  const cpuAfter = (100 * (idle.cpuTicks - end.cpuTicks)) / ticksPerSecond / 2;
  const stats = (
    (await gql(url, `{ serverStats { activeRuns activeStreams streamsStarted errors { transport code count } } }`)) as { data: { serverStats: any } }
  ).data.serverStats;

  server.child.kill('SIGTERM');
  const exit = await server.exited;
  clearTimeout(hardStop);

  const growth = (end.rssMb - warm.rssMb) / warm.rssMb;
  const attackRows = [...answers].map(([name, { expected, seen }]) => ({
    name,
    expected,
    seen: [...seen].map(([a, n]) => `${a} ×${n}`).join('; '),
    ok: seen.size === 1 && seen.has(expected),
  }));
  const checks = {
    'every stream ended cleanly (Complete)': ends.every((e) => e === 'complete'),
    'active runs after: 0': stats.activeRuns === 0 && stats.activeStreams === 0,
    'RSS growth < 10%': growth < 0.1,
    'CPU after < 5% of a core': cpuAfter < 5,
    'every attack got its expected answer': attackRows.every((r) => r.ok),
    'no INTERNAL_SERVER_ERROR': !stats.errors.some((e: { code: string }) => e.code === 'INTERNAL_SERVER_ERROR'),
    'SIGTERM exit code 0': exit.code === 0,
    'no warning or stack trace in the server log': !/Warning|\n\s+at /.test(server.output()),
  };

  console.log(
    `\nsoak: ${((Date.now() - started) / 1000).toFixed(1)} s in all; ${streamEvents} stream events, ${queriesDone} sample queries, ${latencies.length} trivial queries, ${killed} sockets killed mid-stream, ${stats.streamsStarted} streams started`,
  );
  console.log('\nerrors by code (server counters):');
  for (const e of stats.errors as { transport: string; code: string; count: number }[])
    console.log(`  ${e.transport.padEnd(4)} ${e.code.padEnd(28)} ${e.count}`);
  console.log(
    `\ntrivial query ({ models { id status } }) under load: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
  );
  console.log(`active runs after: ${stats.activeRuns}; active streams after: ${stats.activeStreams}`);
  console.log(
    `RSS after warm-up ${warm.rssMb.toFixed(0)} MB, at the end ${end.rssMb.toFixed(0)} MB (${growth >= 0 ? '+' : ''}${(100 * growth).toFixed(1)}%); after each counted round: ${rssTrend.join(', ')} MB`,
  );
  console.log(`CPU after (2 s, idle server): ${cpuAfter.toFixed(1)}% of a core`);
  console.log(`SIGTERM: exit code ${exit.code}`);
  console.log('\nattacks (answer ×times, 1 per storm round):');
  for (const r of attackRows) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}: ${r.seen}${r.ok ? '' : ` (expected ${r.expected})`}`);
  console.log('\nchecks:');
  for (const [name, ok] of Object.entries(checks)) console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}`);
  if (!Object.values(checks).every(Boolean)) {
    console.log(`\nserver log:\n${server.output()}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(`soak failed: ${(error as Error).stack ?? String(error)}`);
  server?.child.kill('SIGKILL');
  process.exit(1);
});

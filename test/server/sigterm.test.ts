/**
 * SIGTERM under load, against the real `npm start` entry point in a child process: every open
 * operation (8 DRS streams, 4 HTTP sample queries) gets its final SHUTTING_DOWN error before
 * the socket closes, and the process exits 0 every time (no worker torn down mid-round).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_MODELS_DIR } from '../helpers/engine.js';
import { buildServer, spawnServer, type ChildServer } from '../helpers/child-server.js';
import { subscribeAll, waitFor, wsClient } from '../graphql/client.js';

const TRIES = 20;
/** Servers stopped at once: 20 sequential starts would take most of a minute on 2 cores. */
const PARALLEL = 4;
const STREAMS = 8;
const QUERIES = 4;
// DRS at its default γ percentile accepts ~5% here: 100000 samples take far longer than the test waits.
const input = (seed: number) => ({
  modelId: 'gaussian-mixture-1d',
  sampler: { name: 'drs', params: { burnInSamples: 1000 } },
  count: 100_000,
  seed,
  maxProposals: 20_000_000,
  batchSize: 2048,
});
const STREAM = `subscription($input: SampleInput!) { sampleStream(input: $input) { count } }`;
const SAMPLE = `query($input: SampleInput!) { sample(input: $input) { count } }`;

async function post(url: string, query: string, variables: object = {}): Promise<{ errors?: { extensions?: { code?: string } }[]; data?: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
}

async function stopUnderLoad(server: ChildServer, tryNo: number): Promise<void> {
  const client = wsClient(server);
  const streams = Array.from({ length: STREAMS }, (_, i) => subscribeAll(client, STREAM, { input: input(100 * tryNo + i) }));
  const queries = Array.from({ length: QUERIES }, (_, i) => post(server.url, SAMPLE, { input: input(100 * tryNo + 50 + i) }));
  let active = 0;
  const poll = setInterval(
    () =>
      void post(server.url, `{ serverStats { activeRuns } }`).then(
        (r) => void (active = r.data?.serverStats.activeRuns ?? active),
        () => undefined,
      ),
    50,
  );
  await waitFor(() => active === STREAMS + QUERIES, 30_000, `all ${STREAMS + QUERIES} runs to start (try ${tryNo})`)
    .catch((e: Error) => {
      throw new Error(`${e.message}; active ${active}\n${server.output()}`);
    })
    .finally(() => clearInterval(poll));

  server.child.kill('SIGTERM');
  const [exit, streamOutcomes, answers] = await Promise.all([server.exited, Promise.all(streams), Promise.all(queries)]);
  await client.dispose();
  const context = `try ${tryNo}:\n${server.output()}`;
  expect(exit, context).toEqual({ code: 0, signal: null });
  expect(server.output(), context).not.toMatch(/terminate called|Napi::Error|Internal error|Warning/);
  for (const outcome of streamOutcomes) {
    // The socket closing first would reach the client's error sink as a CloseEvent instead.
    expect(outcome.error, context).toBeNull();
    expect(outcome.results.at(-1)?.errors?.[0]?.extensions, context).toMatchObject({ code: 'SHUTTING_DOWN' });
  }
  for (const answer of answers) expect(answer.errors?.[0]?.extensions, context).toMatchObject({ code: 'SHUTTING_DOWN' });
}

// One small model and one worker: start-up is most of each try's cost.
let modelsDir: string;
beforeAll(() => {
  buildServer();
  modelsDir = mkdtempSync(join(tmpdir(), 'sigterm-models-'));
  cpSync(join(FIXTURE_MODELS_DIR, 'gaussian-mixture-1d'), join(modelsDir, 'gaussian-mixture-1d'), { recursive: true });
});
afterAll(() => modelsDir && rmSync(modelsDir, { recursive: true, force: true }));

describe('SIGTERM under load (child process)', () => {
  it(`exits 0 and ends every stream and query with SHUTTING_DOWN, ${TRIES} times`, async () => {
    for (let first = 0; first < TRIES; first += PARALLEL) {
      const tries = Array.from({ length: Math.min(PARALLEL, TRIES - first) }, (_, k) => first + k);
      await Promise.all(
        tries.map(async (tryNo) => {
          const server = await spawnServer({ MODELS_DIR: modelsDir, WORKERS: '1', INTRA_OP_THREADS: '1' });
          try {
            await stopUnderLoad(server, tryNo);
          } finally {
            server.child.kill('SIGKILL');
          }
        }),
      );
    }
  }, 300_000);
});

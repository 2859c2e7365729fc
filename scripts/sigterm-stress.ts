/**
 * SIGTERM while onnxruntime is deep in long native runs: the built server on the bundled models,
 * 8 DRS streams and 4 queries on fashion-mnist with large rounds, SIGTERM, exit code; TRIES times.
 * `npm run build && MAX_BATCH_SIZE=16384 BATCH=8192 TRIES=5 tsx scripts/sigterm-stress.ts`
 * (RELIABILITY.md has the figures). Not bounded in time: one try lasts as long as a round.
 */
import { spawnServer } from '../test/helpers/child-server.js';
import { subscribeAll, waitFor, wsClient } from '../test/graphql/client.js';

const TRIES = Number(process.env.TRIES ?? 3);
const input = (seed: number) => ({
  modelId: 'fashion-mnist',
  sampler: { name: 'drs', params: { burnInSamples: 1000 } },
  count: 100_000,
  seed,
  maxProposals: 20_000_000,
  batchSize: Number(process.env.BATCH ?? 2048),
});
const post = (url: string, query: string, variables: object = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) }).then((r) => r.json());

let failures = 0;
for (let t = 0; t < TRIES; t++) {
  const server = await spawnServer({ WORKERS: '1' }); // MAX_BATCH_SIZE passes through from the environment
  const client = wsClient(server);
  const streams = Array.from({ length: 8 }, (_, i) =>
    subscribeAll(client, `subscription($input: SampleInput!) { sampleStream(input: $input) { count } }`, { input: input(i) }),
  );
  const queries = Array.from({ length: 4 }, (_, i) =>
    post(server.url, `query($input: SampleInput!) { sample(input: $input) { count } }`, { input: input(50 + i) }).catch(String),
  );
  let active = 0;
  const poll = setInterval(
    () =>
      void post(server.url, '{ serverStats { activeRuns } }').then(
        (r) => void (active = r.data?.serverStats.activeRuns ?? active),
        () => undefined,
      ),
    100,
  );
  await waitFor(() => active === 12, 120_000, 'all 12 runs to start').finally(() => clearInterval(poll));
  await new Promise((r) => setTimeout(r, 1500)); // rounds in flight
  const killedAt = Date.now();
  server.child.kill('SIGTERM');
  const exit = await server.exited;
  await Promise.all([...streams, ...queries]);
  await client.dispose();
  const aborted = /terminate called|Napi::Error/.test(server.output());
  if (exit.code !== 0 || aborted) failures++;
  console.log(`try ${t}: exit ${JSON.stringify(exit)} after ${Date.now() - killedAt} ms${aborted ? ', Napi::Error abort' : ''}`);
}
console.log(`${TRIES - failures} of ${TRIES} exited 0`);
process.exitCode = failures > 0 ? 1 : 0;

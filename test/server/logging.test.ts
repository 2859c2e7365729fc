/** pino JSON logs from a real server: a summary line per run, request ids per operation, LOG_LEVEL. */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, pinoSamplingLogger, type LogLevel } from '../../src/server/logging.js';
import { startServer, type RunningServer } from '../../src/server/standalone.js';
import { FIXTURE_MODELS_DIR } from '../helpers/engine.js';
import { subscribeAll, wsClient } from '../graphql/client.js';

type Line = Record<string, any>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** A server whose pino logger writes into `lines` (each line parsed as JSON: it must be JSON). */
async function serverWithLogs(level: LogLevel): Promise<{ server: RunningServer; lines: Line[] }> {
  const lines: Line[] = [];
  const destination = {
    write: (chunk: string) =>
      void lines.push(
        ...chunk
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Line),
      ),
  };
  const logger = pinoSamplingLogger(createLogger({ level, destination }));
  running = await startServer({
    port: 0,
    host: '127.0.0.1',
    pages: false,
    logger,
    sampling: { modelsDir: FIXTURE_MODELS_DIR, pool: { workers: 1, intraOpNumThreads: 1 } },
  });
  return { server: running, lines };
}

async function post(url: string, query: string, headers: Record<string, string> = {}): Promise<{ requestId: string | null; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  return { requestId: res.headers.get('x-request-id'), body: await res.json() };
}

const runLines = (lines: Line[]) => lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('run '));

describe('logs', () => {
  it('writes one JSON summary line per finished run, tagged with its operation’s request id', async () => {
    const { server, lines } = await serverWithLogs('debug');

    const given = await post(
      server.url,
      `{ sample(input: { modelId: "uniform-gaussian-1d", sampler: { name: "naive" }, count: 100, seed: 1, batchSize: 64 }) { count } }`,
      { 'x-request-id': 'trace-42' },
    );
    expect(given.requestId).toBe('trace-42');
    const [naive, ...others] = runLines(lines);
    expect(others).toEqual([]);
    expect(naive).toMatchObject({
      level: 30,
      requestId: 'trace-42',
      model: 'uniform-gaussian-1d',
      sampler: 'naive',
      seed: 1,
      proposals: 100,
      accepted: 100,
      outcome: 'COMPLETED',
    });
    expect(naive!.ms).toBeGreaterThanOrEqual(0);
    expect(naive!.msg).toBe(`run uniform-gaussian-1d/naive: COMPLETED, 100 accepted of 100 proposals in ${naive!.ms} ms`);
    expect(lines).toContainEqual(expect.objectContaining({ level: 20, requestId: 'trace-42', transport: 'http', operation: 'query', errors: [] }));

    // No (or an unusable) id from the client: the server makes one, answers it and logs it.
    const made = await post(
      server.url,
      `{ sample(input: { modelId: "uniform-gaussian-1d", sampler: { name: "threshold", params: { logitThreshold: 100 } }, count: 1, maxProposals: 128, batchSize: 64 }) { count } }`,
      { 'x-request-id': 'no spaces allowed' },
    );
    expect(made.requestId).toMatch(UUID);
    expect(made.body.errors[0].extensions.code).toBe('PROPOSAL_BUDGET_EXHAUSTED');
    expect(runLines(lines)[1]).toMatchObject({
      requestId: made.requestId,
      sampler: 'threshold',
      proposals: 128,
      accepted: 0,
      outcome: 'PROPOSAL_BUDGET_EXHAUSTED',
    });
    expect(lines).toContainEqual(expect.objectContaining({ requestId: made.requestId, transport: 'http', errors: ['PROPOSAL_BUDGET_EXHAUSTED'] }));

    // A comparison: one line per configuration, all with the operation's id.
    await post(
      server.url,
      `{ compareSamplers(input: { modelId: "uniform-gaussian-1d", count: 10, seed: 2, samplers: [{ name: "naive" }, { name: "drs", params: { gamma: 0, burnInSamples: 200 } }] }) { stats { accepted } } }`,
      { 'x-request-id': 'cmp-1' },
    );
    expect(
      runLines(lines)
        .filter((l) => l.requestId === 'cmp-1')
        .map((l) => [l.sampler, l.accepted, l.outcome]),
    ).toEqual(
      expect.arrayContaining([
        ['naive', 10, 'COMPLETED'],
        ['drs', 10, 'COMPLETED'],
      ]),
    );

    // Over WebSocket every operation gets its own id, on the run line and the operation line.
    const client = wsClient(server);
    const { error } = await subscribeAll(
      client,
      `subscription { sampleStream(input: { modelId: "gaussian-mixture-1d", sampler: { name: "naive" }, count: 30, seed: 3 }) { count } }`,
    );
    await client.dispose();
    expect(error).toBeNull();
    const stream = runLines(lines).at(-1)!;
    expect(stream).toMatchObject({ model: 'gaussian-mixture-1d', accepted: 30, outcome: 'COMPLETED' });
    expect(stream.requestId).toMatch(UUID);
    expect(lines).toContainEqual(expect.objectContaining({ level: 20, requestId: stream.requestId, transport: 'ws', operation: 'subscription' }));
    expect(new Set(runLines(lines).map((l) => l.requestId)).size).toBe(4); // trace-42, the made one, cmp-1, the stream's
  });

  it('writes nothing below LOG_LEVEL', async () => {
    const { server, lines } = await serverWithLogs('warn');
    await post(server.url, `{ sample(input: { modelId: "uniform-gaussian-1d", sampler: { name: "naive" }, count: 5 }) { count } }`);
    expect(lines.filter((l) => l.level < 40)).toEqual([]);
  });
});

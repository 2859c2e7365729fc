/**
 * The bad requests `npm run soak` mixes into its load, each with the answer it must get. An
 * answer is what the client sees: HTTP status and error code (with the limit named), or what
 * happened to the WebSocket.
 */
import WebSocket from 'ws';

export interface AttackContext {
  readonly url: string;
  readonly wsUrl: string;
}

export interface Attack {
  readonly name: string;
  readonly expected: string;
  run(context: AttackContext): Promise<string>;
}

interface GraphQLBody {
  readonly errors?: readonly { readonly extensions?: { readonly code?: string; readonly limit?: string } }[];
}

const codeOf = (body: GraphQLBody): string => {
  const e = body.errors?.[0]?.extensions;
  return e ? `${e.code ?? 'no code'}${e.limit ? ` ${e.limit}` : ''}` : 'no error';
};

async function http(url: string, body: string, contentType = 'application/json'): Promise<string> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await res.text();
  let parsed: GraphQLBody;
  try {
    parsed = JSON.parse(text) as GraphQLBody;
  } catch {
    return `HTTP ${res.status} not JSON`;
  }
  return `HTTP ${res.status} ${codeOf(parsed)}`;
}

const query = (q: string, variables: object = {}) => JSON.stringify({ query: q, variables });

/**
 * Opens a graphql-ws socket (with `headers`), sends `messages` once acknowledged (or at once,
 * with no connection_init, when `noInit`), and reports the first error or close it gets, and
 * whether the socket stayed open after an error.
 */
function ws(
  context: AttackContext,
  messages: readonly (string | object)[],
  options: { headers?: Record<string, string>; noInit?: boolean } = {},
): Promise<string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(context.wsUrl, 'graphql-transport-ws', { headers: options.headers });
    const send = () => {
      for (const m of messages) socket.send(typeof m === 'string' ? m : JSON.stringify(m));
    };
    const done = (answer: string) => {
      clearTimeout(timer);
      socket.terminate();
      resolve(answer);
    };
    const timer = setTimeout(() => done('no answer in 10 s'), 10_000);
    socket.on('unexpected-response', (_req, res) => done(`HTTP ${res.statusCode}`));
    socket.on('open', () => (options.noInit ? send() : socket.send(JSON.stringify({ type: 'connection_init' }))));
    socket.on('close', (code) => done(`close ${code}`));
    socket.on('error', () => undefined);
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(String(data)) as { type: string; payload?: unknown };
      if (message.type === 'connection_ack') send();
      else if (message.type === 'error') {
        const code = codeOf({ errors: message.payload as GraphQLBody['errors'] });
        // Still open a moment later: the error was for that operation alone.
        setTimeout(() => done(`error ${code}, connection ${socket.readyState === WebSocket.OPEN ? 'kept' : 'closed'}`), 100);
      } else if (message.type === 'next') {
        const errors = (message.payload as GraphQLBody).errors;
        if (errors) done(`next with ${codeOf({ errors })}`);
      }
    });
  });
}

const STREAM = (seed: number) => ({
  query: `subscription { sampleStream(input: { modelId: "gaussians25", sampler: { name: "naive" }, count: 100000, seed: ${seed}, batchSize: 64 }) { count } }`,
});
const compareBomb = Array.from({ length: 9 }, (_, a) => {
  const drs = Array.from({ length: 8 }, (_unused, i) => `{ name: "drs", params: { gammaPercentile: ${50 + i} } }`).join(', ');
  return `c${a}: compareSamplers(modelId: "gaussians25", count: 100000, maxProposals: 20000000, samplers: [${drs}]) { stats { acceptanceRate } }`;
}).join(' ');
const complexityBomb = Array.from(
  { length: 30 },
  (_, a) => `s${a}: sample(input: { modelId: "gaussians25", sampler: { name: "naive" }, count: 1 }) { count }`,
).join(' ');

export const ATTACKS: readonly Attack[] = [
  { name: 'HTTP body that is not JSON', expected: 'HTTP 400 BAD_REQUEST', run: (c) => http(c.url, '{"query": "{ models { id } }",') },
  {
    name: 'HTTP body of 2 MB',
    expected: 'HTTP 413 LIMIT_EXCEEDED maxRequestBytes',
    run: (c) => http(c.url, query('{ models { id } }', { pad: 'x'.repeat(2 << 20) })),
  },
  { name: 'text/plain POST (CSRF shape)', expected: 'HTTP 400 BAD_REQUEST', run: (c) => http(c.url, '{ models { id } }', 'text/plain') },
  { name: 'subscription over HTTP', expected: 'HTTP 400 BAD_REQUEST', run: (c) => http(c.url, query(STREAM(1).query)) },
  {
    name: '50,000 Fashion-MNIST samples as `values`',
    expected: 'HTTP 200 LIMIT_EXCEEDED maxResponseBytes',
    run: (c) => http(c.url, query(`{ sample(input: { modelId: "fashion-mnist", sampler: { name: "naive" }, count: 50000 }) { samples { values } } }`)),
  },
  {
    name: '9 aliased compareSamplers × 8 DRS, maxProposals 20M each',
    expected: 'HTTP 200 LIMIT_EXCEEDED maxOperationProposals',
    run: (c) => http(c.url, query(`{ ${compareBomb} }`)),
  },
  { name: '30 aliased sample fields', expected: 'HTTP 400 LIMIT_EXCEEDED maxQueryComplexity', run: (c) => http(c.url, query(`{ ${complexityBomb} }`)) },
  {
    name: 'count above MAX_COUNT',
    expected: 'HTTP 200 LIMIT_EXCEEDED maxCount',
    run: (c) => http(c.url, query(`{ sample(input: { modelId: "gaussians25", sampler: { name: "naive" }, count: 100001 }) { count } }`)),
  },
  {
    name: 'gamma 1e400',
    expected: 'HTTP 200 BAD_USER_INPUT',
    run: (c) => http(c.url, query(`{ sample(input: { modelId: "gaussians25", sampler: { name: "drs", params: { gamma: 1e400 } }, count: 1 }) { count } }`)),
  },
  {
    name: 'seed 4294967295 (above Int)',
    expected: 'HTTP 400 GRAPHQL_VALIDATION_FAILED',
    run: (c) => http(c.url, query(`{ sample(input: { modelId: "gaussians25", sampler: { name: "naive" }, count: 1, seed: 4294967295 }) { count } }`)),
  },
  {
    name: 'unknown model',
    expected: 'HTTP 200 NOT_FOUND',
    run: (c) => http(c.url, query(`{ sample(input: { modelId: "nope", sampler: { name: "naive" }, count: 1 }) { count } }`)),
  },
  {
    name: 'WebSocket: syntax error',
    expected: 'error GRAPHQL_PARSE_FAILED, connection kept',
    run: (c) => ws(c, [{ id: '1', type: 'subscribe', payload: { query: 'subscription { sampleStream(' } }]),
  },
  {
    name: 'WebSocket: unknown operationName',
    expected: 'error OPERATION_RESOLUTION_FAILURE, connection kept',
    run: (c) => ws(c, [{ id: '1', type: 'subscribe', payload: { query: '{ models { id } }', operationName: 'Nope' } }]),
  },
  {
    name: 'WebSocket: invalid field',
    expected: 'error GRAPHQL_VALIDATION_FAILED, connection kept',
    run: (c) => ws(c, [{ id: '1', type: 'subscribe', payload: { query: '{ nope }' } }]),
  },
  {
    name: 'WebSocket: 9th stream on one connection',
    expected: 'error LIMIT_EXCEEDED maxStreamsPerConnection, connection kept',
    run: (c) =>
      ws(
        c,
        Array.from({ length: 9 }, (_, i) => ({ id: String(i), type: 'subscribe', payload: STREAM(i) })),
      ),
  },
  {
    name: 'WebSocket: message of 2 MB',
    expected: 'close 1009',
    run: (c) => ws(c, [{ id: '1', type: 'subscribe', payload: { query: `{ models { id } } # ${'x'.repeat(2 << 20)}` } }]),
  },
  { name: 'WebSocket: message that is not JSON', expected: 'close 4400', run: (c) => ws(c, ['{"type": "subscribe", ']) },
  {
    name: 'WebSocket: subscribe without connection_init',
    expected: 'close 4401',
    run: (c) => ws(c, [{ id: '1', type: 'subscribe', payload: STREAM(1) }], { noInit: true }),
  },
  {
    name: 'WebSocket: two subscriptions with one id',
    expected: 'close 4409',
    run: (c) =>
      ws(c, [
        { id: 'same', type: 'subscribe', payload: STREAM(1) },
        { id: 'same', type: 'subscribe', payload: STREAM(2) },
      ]),
  },
  { name: 'WebSocket from Origin https://evil.example', expected: 'HTTP 403', run: (c) => ws(c, [], { headers: { origin: 'https://evil.example' } }) },
  { name: 'WebSocket from Origin null', expected: 'HTTP 403', run: (c) => ws(c, [], { headers: { origin: 'null' } }) },
];

// The offline IDE: GraphiQL from installed packages, a fetcher that sends every subscription
// over graphql-ws (decided from the document text, not the editor's possibly stale parse), and
// the Samples panel that renders what results contain.
import { selectOperation } from './operation.js';
import { samplesPlugin, samplesStore } from './samples-panel.js';

const { GraphiQL, React, ReactDOM, graphqlWs } = globalThis;
const http = new URL(document.body.dataset.graphqlPath, location.href);
const ws = new URL(http);
ws.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
const httpFetcher = GraphiQL.createFetcher({ url: http.href, enableIncrementalDelivery: false });
const wsClient = graphqlWs.createClient({ url: ws.href, lazy: true });

/** A socket close or a list of GraphQL errors (graphql-ws's error sink) as something GraphiQL shows. */
function asResultOrError(error) {
  if (Array.isArray(error)) return { errors: error };
  if (error && typeof error === 'object' && 'code' in error && 'reason' in error)
    return new Error(`the socket closed (${error.code}${error.reason ? `: ${error.reason}` : ''})`);
  return error;
}

/** graphql-ws's iterator, with each result recorded for the panel; return() unsubscribes at once. */
function subscription(params) {
  const inner = wsClient.iterate(params);
  let ended = false;
  const end = (status) => {
    if (!ended) samplesStore.end(status);
    ended = true;
  };
  const iterator = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      try {
        const step = await inner.next();
        if (step.done) end('done');
        else samplesStore.add(step.value);
        return step;
      } catch (error) {
        const shown = asResultOrError(error);
        if (shown instanceof Error || !shown?.errors) {
          end('failed');
          throw shown;
        }
        samplesStore.add(shown);
        end('failed');
        await inner.return?.();
        return { done: false, value: shown };
      }
    },
    async return() {
      end('stopped');
      await inner.return?.();
      return { done: true, value: undefined };
    },
  };
  return iterator;
}

async function fetcher(params, options) {
  if (params.operationName === 'IntrospectionQuery') return httpFetcher(params, options);
  const op = selectOperation(params.query, params.operationName);
  const request = { ...params, operationName: op.operationName };
  samplesStore.begin(op);
  if (op.kind === 'subscription') return subscription(request);
  try {
    const result = await httpFetcher(request, options);
    samplesStore.add(result);
    samplesStore.end('done');
    return result;
  } catch (error) {
    samplesStore.end('failed');
    throw error;
  }
}

const defaultQuery = `# Sample a GAN with Discriminator Rejection Sampling. The Samples panel (left) shows
# the images and 2-D points of results, and a subscription's events as they arrive.
query Models {
  models { id title status outputKind outputShape error calibration { method zBefore zAfter eceBefore eceAfter } }
  samplers { name description parameters { name type default min max allowedValues description } }
}

query Images {
  sample(input: { modelId: "fashion-mnist", sampler: { name: "drs", params: { gammaPercentile: 80 } }, count: 32, seed: 1 }) {
    samples { png logit acceptanceProbability }
    stats { outputs proposed acceptanceRate }
  }
}

subscription Stream {
  sampleStream(input: { modelId: "gaussians25", sampler: { name: "drs", params: { gamma: 0 } }, count: 500, seed: 1 }) {
    done
    samples { values acceptanceProbability }
    stats { outputs distinctOutputs proposed acceptanceRate }
    metrics { mixture2d { highQualityShare recoveredModes modeCount modeJSD } }
  }
}
`;

ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, { fetcher, defaultQuery, defaultEditorToolsVisibility: true, plugins: [samplesPlugin], visiblePlugin: samplesPlugin.title }),
);

// GraphQL access for the comparison page: queries over HTTP, streams over graphql-ws.
const GRAPHQL_PATH = document.body.dataset.graphqlPath;
const httpUrl = new URL(GRAPHQL_PATH, location.href);
const wsUrl = new URL(httpUrl);
wsUrl.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';

export async function query(text, variables = {}) {
  const res = await fetch(httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: text, variables }) });
  const body = await res.json();
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data;
}

let client = null;
/** One lazy graphql-ws client for every column (the server caps streams per connection). */
export function wsClient() {
  client ??= globalThis.graphqlWs.createClient({ url: wsUrl.href, lazy: true });
  return client;
}

/** Parameter fields the page can use, when this server's schema has them (`allowedValues`: enum parameters). */
const OPTIONAL_PARAMETER_FIELDS = ['allowedValues'];

/** READY models and the samplers with their declared parameters (enum values where the schema has them). */
export async function loadCatalog() {
  const probe = await query(`{ __type(name: "SamplerParameterInfo") { fields { name } } }`);
  const have = new Set((probe.__type?.fields ?? []).map((f) => f.name));
  const extra = OPTIONAL_PARAMETER_FIELDS.filter((f) => have.has(f)).join(' ');
  const data = await query(`{
    models { id title status outputKind outputShape mixture2d { centers sigma } }
    samplers { name description parameters { name type default min max description ${extra} } }
  }`);
  return { models: data.models.filter((m) => m.status === 'READY'), samplers: data.samplers };
}

export const isImageModel = (model) => String(model.outputKind).toUpperCase() === 'IMAGE';

/** One stream per column; values come as compact float32 (samplesBase64), images also as PNG. */
export const STREAM = `subscription Compare($input: SampleInput!, $image: Boolean!) {
  sampleStream(input: $input) {
    done
    count
    samplesBase64
    samples { logit acceptanceProbability png @include(if: $image) }
    stats { accepted proposed acceptanceRate logitMaxEnd gammaMean meanBatchSize }
    metrics { mixture2d { highQualityShare recoveredModes modeCount highQualityStd modeKL } image { frechetDistance classEntropy meanConfidence } }
  }
}`;

/** Little-endian float32 base64 → Float32Array. */
export function decodeFloats(base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

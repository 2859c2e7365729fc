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

/**
 * Fields the page uses when this server's schema has them, so the page also works against a
 * server a version behind: enum values of parameters, calibration reports (per class on a
 * class-conditional model), class labels, each sampler's kind (round | latent) and whether it can
 * run on a model (`Model.samplers`). Each entry: the field's name and its selection.
 */
const OPTIONAL_FIELDS = {
  SamplerParameterInfo: [['allowedValues', 'allowedValues']],
  Model: [
    [
      'calibration',
      (has) => `calibration { method count zBefore zAfter eceBefore eceAfter ${has('CalibrationReportView', 'classLabel') ? 'classLabel' : ''} }`,
    ],
    ['classLabels', 'classLabels'],
    ['samplers', 'samplers { name available unavailableReason }'],
  ],
  SamplerInfo: [['kind', 'kind']],
  CalibrationReportView: [],
  ImageMetrics: [
    ['classAccuracy', 'classAccuracy'],
    ['frechetOfClass', 'frechetOfClass'],
  ],
};

/** The field names of the named object (`fields`) or input (`inputFields`) types. */
async function schemaFields(objects, inputs) {
  const alias = (prefix, name) => `${prefix}_${name}`;
  const parts = [
    ...objects.map((t) => `${alias('o', t)}: __type(name: "${t}") { fields { name } }`),
    ...inputs.map((t) => `${alias('i', t)}: __type(name: "${t}") { inputFields { name } }`),
  ];
  const data = await query(`{ ${parts.join(' ')} }`);
  const names = (type) => new Set((type?.fields ?? type?.inputFields ?? []).map((f) => f.name));
  return {
    objects: Object.fromEntries(objects.map((t) => [t, names(data[alias('o', t)])])),
    inputs: Object.fromEntries(inputs.map((t) => [t, names(data[alias('i', t)])])),
  };
}

/**
 * READY models and the samplers with their declared parameters, plus what this server's schema
 * offers: `features.classLabel` when models have class labels and SampleInput takes one.
 */
export async function loadCatalog() {
  const have = await schemaFields(Object.keys(OPTIONAL_FIELDS), ['SampleInput']);
  const has = (type, field) => have.objects[type].has(field);
  const extra = (type) =>
    OPTIONAL_FIELDS[type]
      .filter(([name]) => has(type, name))
      .map(([, selection]) => (typeof selection === 'function' ? selection(has) : selection))
      .join(' ');
  const data = await query(`{
    models { id title status outputKind outputShape mixture2d { centers sigma } ${extra('Model')} }
    samplers { name description ${extra('SamplerInfo')} parameters { name type default min max description ${extra('SamplerParameterInfo')} } }
  }`);
  const features = { classLabel: have.inputs.SampleInput.has('classLabel') && has('Model', 'classLabels') };
  const stream = STREAM.replace('{IMAGE_EXTRA}', extra('ImageMetrics'));
  return { models: data.models.filter((m) => m.status === 'READY'), samplers: data.samplers, features, stream };
}

export const isImageModel = (model) => String(model.outputKind).toUpperCase() === 'IMAGE';

/** One stream per column (the catalog's `stream` fills in IMAGE_EXTRA); values come as compact float32 (samplesBase64), images also as PNG. */
const STREAM = `subscription Compare($input: SampleInput!, $image: Boolean!) {
  sampleStream(input: $input) {
    done
    count
    samplesBase64
    samples { logit acceptanceProbability png @include(if: $image) }
    stats {
      outputs distinctOutputs proposed acceptanceRate proposalsPerOutput invalidLogits
      staleOutputs boundRoseAfterOutput logitMaxEnd gammaMean meanBatchSize samplerDetails
    }
    metrics {
      mixture2d { highQualityShare recoveredModes modeCount highQualityStd modeKL modeJSD perMode }
      image { frechetDistance classEntropy meanConfidence classHistogram classes {IMAGE_EXTRA} }
    }
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

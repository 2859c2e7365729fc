// The comparison page: one graphql-ws subscription per column, all on the same model and seed.
const GRAPHQL_PATH = document.body.dataset.graphqlPath;
const httpUrl = new URL(GRAPHQL_PATH, location.href);
const wsUrl = new URL(httpUrl);
wsUrl.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';

const DEFAULT_CONFIGS = [
  { name: 'naive', params: {} },
  { name: 'drs', params: { gamma: 0 } },
  { name: 'drs', params: { gammaPercentile: 95 } },
  { name: 'threshold', params: { percentile: 50 } },
];
const EXTREMES = 8; // samples shown with the highest and lowest acceptance probability
const GRID = 64; // images kept per image column

const $ = (sel) => document.querySelector(sel);
const state = { models: [], samplers: [], client: null, stops: [] };

async function query(text, variables = {}) {
  const res = await fetch(httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: text, variables }) });
  const body = await res.json();
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data;
}

function setStatus(text) {
  $('#status').textContent = text;
}

function addConfig(config) {
  if ($('#configs').children.length >= 4) return;
  const node = $('#config-template').content.firstElementChild.cloneNode(true);
  const select = node.querySelector('.sampler');
  for (const s of state.samplers) select.append(new Option(s.name, s.name));
  select.value = config.name;
  node.querySelector('.params').value = JSON.stringify(config.params);
  node.querySelector('.remove').addEventListener('click', () => {
    if ($('#configs').children.length > 2) node.remove();
  });
  $('#configs').append(node);
}

function readConfigs() {
  return [...document.querySelectorAll('#configs .config')].map((node, i) => {
    const text = node.querySelector('.params').value.trim() || '{}';
    let params;
    try {
      params = JSON.parse(text);
    } catch {
      throw new Error(`column ${i + 1}: params are not valid JSON: ${text}`);
    }
    return { name: node.querySelector('.sampler').value, params };
  });
}

const fmt = (v, digits = 3) => (v === null || v === undefined || Number.isNaN(v) ? '—' : Number(v).toFixed(digits));

/** A column's view: scatter canvas (vectors) or image grid, numbers, and the Figure-4 strips. */
function createColumn(index, config, model) {
  const el = document.createElement('article');
  el.className = 'column';
  el.dataset.testid = `column-${index}`;
  const label = `${config.name} ${Object.keys(config.params).length ? JSON.stringify(config.params) : ''}`;
  el.innerHTML = `<h2></h2><div class="view"></div><div class="bar"><div></div></div><dl class="numbers"></dl>
    <div class="extremes"><div>highest acceptance probability</div><div class="strip high"></div><div>lowest acceptance probability</div><div class="strip low"></div></div><div class="error"></div>`;
  el.querySelector('h2').textContent = label;
  const isImage = model.outputKind === 'IMAGE' || model.outputKind === 'image';
  const view = el.querySelector('.view');
  let ctx = null;
  if (!isImage) {
    const canvas = document.createElement('canvas');
    canvas.className = 'scatter';
    canvas.width = canvas.height = 400;
    view.append(canvas);
    ctx = canvas.getContext('2d');
    drawAxes(ctx, model);
  } else {
    view.className = 'view grid';
  }
  const kept = []; // { p, values | png }
  let points = 0;
  return {
    el,
    isImage,
    addSamples(samples) {
      for (const s of samples) {
        if (isImage) {
          if (view.children.length < GRID) {
            const img = new Image();
            img.src = s.png;
            view.append(img);
          }
        } else if (s.values.length >= 2) {
          plotPoint(ctx, s.values[0], s.values.length > 1 ? s.values[1] : 0);
        } else {
          plotPoint(ctx, s.values[0], (Math.random() - 0.5) * 0.2);
        }
        kept.push({ p: s.acceptanceProbability, sample: s });
        points++;
      }
      el.dataset.points = String(points);
      kept.sort((a, b) => b.p - a.p);
      if (kept.length > 4 * EXTREMES) kept.splice(EXTREMES * 2, kept.length - EXTREMES * 4);
      renderStrip(el.querySelector('.strip.high'), kept.slice(0, EXTREMES), isImage);
      renderStrip(el.querySelector('.strip.low'), kept.slice(-EXTREMES).reverse(), isImage);
    },
    update(event, count) {
      const s = event.stats;
      el.dataset.accepted = String(s.accepted);
      el.querySelector('.bar > div').style.width = `${(100 * s.accepted) / count}%`;
      const rows = [
        ['accepted', `${s.accepted} / ${count}`],
        ['proposed', s.proposed],
        ['acceptance rate', `${fmt(100 * s.acceptanceRate, 2)} %`],
        ['D̃_M', fmt(s.logitMaxEnd)],
        ['γ (mean)', fmt(s.gammaMean)],
        ['mean batch', fmt(s.meanBatchSize, 0)],
      ];
      const m = event.metrics;
      if (m?.mixture2d) {
        rows.push(['high quality', `${fmt(100 * m.mixture2d.highQualityShare, 1)} %`], ['modes', `${m.mixture2d.recoveredModes} / ${m.mixture2d.modeCount}`], ['std (HQ)', fmt(m.mixture2d.highQualityStd, 4)], ['KL(modes‖uniform)', fmt(m.mixture2d.modeKL)]);
      }
      if (m?.image) {
        rows.push(['Fréchet (classifier)', fmt(m.image.frechetDistance)], ['class entropy', fmt(m.image.classEntropy)], ['confidence', fmt(m.image.meanConfidence)]);
      }
      el.querySelector('.numbers').innerHTML = rows.map(([k, v]) => `<dt>${k}</dt><dd data-metric="${k}">${v}</dd>`).join('');
      if (event.done) el.dataset.done = 'true';
    },
    fail(message) {
      el.querySelector('.error').textContent = message;
      el.dataset.error = message;
    },
  };
}

const EXTENT = 3;
function toPx(ctx, x, y) {
  const w = ctx.canvas.width;
  return [((x + EXTENT) / (2 * EXTENT)) * w, w - ((y + EXTENT) / (2 * EXTENT)) * w];
}
function drawAxes(ctx, model) {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.strokeStyle = '#eee';
  for (let v = -EXTENT; v <= EXTENT; v++) {
    const [x] = toPx(ctx, v, 0);
    const [, y] = toPx(ctx, 0, v);
    ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, ctx.canvas.height); ctx.stroke();
    ctx.beginPath(); ctx.moveTo(0, y); ctx.lineTo(ctx.canvas.width, y); ctx.stroke();
  }
  ctx.strokeStyle = '#d22';
  for (const [cx, cy] of model.mixture2d?.centers ?? []) {
    const [x, y] = toPx(ctx, cx, cy);
    ctx.beginPath(); ctx.moveTo(x - 5, y); ctx.lineTo(x + 5, y); ctx.moveTo(x, y - 5); ctx.lineTo(x, y + 5); ctx.stroke();
  }
}
function plotPoint(ctx, vx, vy) {
  const [x, y] = toPx(ctx, vx, vy);
  ctx.fillStyle = 'rgba(31, 78, 160, 0.35)';
  ctx.fillRect(x - 1, y - 1, 2.5, 2.5);
}
function renderStrip(node, items, isImage) {
  node.innerHTML = '';
  for (const { p, sample } of items) {
    if (isImage) {
      const img = new Image();
      img.src = sample.png;
      img.title = `p = ${p.toFixed(4)}`;
      node.append(img);
    } else {
      const span = document.createElement('span');
      span.textContent = `${sample.values.map((v) => v.toFixed(2)).join(',')} p=${p.toFixed(3)}`;
      node.append(span);
    }
  }
}

const STREAM = `subscription Compare($input: SampleInput!, $image: Boolean!) {
  sampleStream(input: $input) {
    done
    samples { acceptanceProbability values @skip(if: $image) png @include(if: $image) }
    stats { accepted proposed acceptanceRate logitMaxEnd gammaMean meanBatchSize }
    metrics { mixture2d { highQualityShare recoveredModes modeCount highQualityStd modeKL } image { frechetDistance classEntropy meanConfidence } }
  }
}`;

function stop() {
  for (const s of state.stops.splice(0)) s();
  $('#stop').disabled = true;
  $('#start').disabled = false;
}

function start(event) {
  event.preventDefault();
  stop();
  setStatus('');
  let configs;
  try {
    configs = readConfigs();
  } catch (error) {
    setStatus(error.message);
    return;
  }
  const model = state.models.find((m) => m.id === $('#model').value);
  const count = Number($('#count').value);
  const seed = Number($('#seed').value);
  const columns = $('#columns');
  columns.innerHTML = '';
  columns.style.setProperty('--columns', String(configs.length));
  state.client ??= graphqlWs.createClient({ url: wsUrl.href, lazy: true });
  let running = configs.length;
  configs.forEach((config, i) => {
    const column = createColumn(i, config, model);
    columns.append(column.el);
    const input = { modelId: model.id, sampler: config, count, seed };
    const dispose = state.client.subscribe(
      { query: STREAM, variables: { input, image: column.isImage } },
      {
        next: ({ data, errors }) => {
          if (errors?.length) return column.fail(errors.map((e) => e.message).join('; '));
          const e = data.sampleStream;
          column.addSamples(e.samples);
          column.update(e, count);
        },
        error: (err) => {
          column.fail(err?.message ?? (Array.isArray(err) ? err.map((e) => e.message).join('; ') : String(err?.reason ?? err)));
          if (--running === 0) stop();
        },
        complete: () => {
          if (--running === 0) stop();
        },
      },
    );
    state.stops.push(dispose);
  });
  $('#stop').disabled = false;
  $('#start').disabled = true;
}

function defaultCount(model) {
  return model.outputKind === 'IMAGE' || model.outputKind === 'image' ? 256 : 2000;
}

async function init() {
  try {
    const data = await query(`{ models { id title status outputKind outputShape error mixture2d { centers sigma } } samplers { name } }`);
    state.models = data.models.filter((m) => m.status === 'READY');
    state.samplers = data.samplers;
  } catch (error) {
    setStatus(`could not load models: ${error.message}`);
    return;
  }
  const select = $('#model');
  for (const m of state.models) select.append(new Option(`${m.title} (${m.id})`, m.id));
  const preferred = state.models.find((m) => m.id === new URLSearchParams(location.search).get('model')) ?? state.models[0];
  if (!preferred) return setStatus('no READY model is loaded');
  select.value = preferred.id;
  $('#count').value = String(defaultCount(preferred));
  select.addEventListener('change', () => {
    $('#count').value = String(defaultCount(state.models.find((m) => m.id === select.value)));
  });
  const wanted = Math.max(2, Math.min(4, Number(new URLSearchParams(location.search).get('columns') ?? 3)));
  DEFAULT_CONFIGS.slice(0, wanted).forEach(addConfig);
  $('#add-column').addEventListener('click', () => addConfig(DEFAULT_CONFIGS[$('#configs').children.length % DEFAULT_CONFIGS.length]));
  $('#controls').addEventListener('submit', start);
  $('#stop').addEventListener('click', stop);
  document.body.dataset.ready = 'true';
}

void init();

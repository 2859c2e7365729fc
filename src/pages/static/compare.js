// The comparison page: one graphql-ws subscription per column, all on the same model and seed.
import { isImageModel, loadCatalog, wsClient } from './api.js';
import { createColumn } from './columns.js';
import { MAX_COLUMNS, MIN_COLUMNS, createConfigList } from './configs.js';
import { decodeState, encodeState } from './url.js';

const DEFAULT_CONFIGS = [
  { name: 'naive', params: {} },
  { name: 'drs', params: { gamma: 0 } },
  { name: 'drs', params: { gammaPercentile: 95 } },
  { name: 'threshold', params: { percentile: 50 } },
];

const $ = (sel) => document.querySelector(sel);
const page = { catalog: null, list: null, columns: [], disposers: [] };

function setStatus(text, kind = 'error') {
  $('#status').textContent = text;
  $('#status').dataset.kind = kind;
}

const currentModel = () => page.catalog.models.find((m) => m.id === $('#model').value);
/** Class labels of a conditional model, when this server takes a class label; null otherwise. */
const classesOf = (model) => (page.catalog.features.classLabel && model?.classLabels?.length ? model.classLabels : null);

/** Shows the class picker for a conditional model (its labels; a class is required, the first by default), hides it otherwise. */
function syncClassPicker(model, wanted) {
  const classes = classesOf(model);
  const select = $('#class-label');
  $('#class-field').hidden = classes === null;
  select.replaceChildren(...(classes ?? []).map((name, i) => new Option(`${i}: ${name}`, String(i))));
  if (classes) select.value = String(wanted ?? 0);
}

const defaultCount = (model) => (isImageModel(model) ? 256 : 2000);

/** A whole number in [min, ∞) from a form input, or null (flagged on the input). */
function readInteger(input, min) {
  const v = Number(input.value);
  const ok = input.value.trim() !== '' && Number.isInteger(v) && v >= min;
  input.setAttribute('aria-invalid', String(!ok));
  input.title = ok ? '' : `a whole number ≥ ${min}`;
  return ok ? v : null;
}

/** The comparison the controls describe, or { problem } naming what is wrong. */
function readComparison() {
  const count = readInteger($('#count'), 1);
  const seed = readInteger($('#seed'), 0);
  const configs = page.list.read();
  const bad = configs.findIndex((c) => c.problems.length > 0);
  const classes = classesOf(currentModel());
  const classLabel = classes && $('#class-label').value !== '' ? Number($('#class-label').value) : null;
  if (count === null) return { problem: 'samples per column must be a whole number ≥ 1', focus: $('#count') };
  if (seed === null) return { problem: 'seed must be a whole number ≥ 0', focus: $('#seed') };
  const unavailable = configs.findIndex((c) => page.list.unavailable(c.name) !== null);
  if (unavailable >= 0) {
    const c = configs[unavailable];
    const focus = document.querySelectorAll('#configs .config')[unavailable].querySelector('select.sampler');
    return { problem: `column ${unavailable + 1} (${c.name}) cannot run on ${currentModel().id}: ${page.list.unavailable(c.name)}`, focus };
  }
  if (bad >= 0) {
    const p = configs[bad].problems[0];
    const focus = document.querySelectorAll('#configs .config')[bad].querySelector('.invalid input, .invalid select, textarea.invalid');
    return { problem: `column ${bad + 1} (${configs[bad].name}): ${p.name ? `${p.name} ` : ''}${p.message}`, focus };
  }
  return { model: currentModel().id, count, seed, classLabel, configs: configs.map(({ name, params }) => ({ name, params })) };
}

/** Keeps the share link (and the address bar) on the comparison the controls describe. */
function syncLink(comparison = readComparison()) {
  const link = $('#share');
  if (comparison.problem) {
    link.removeAttribute('href');
    return;
  }
  link.href = new URL(encodeState({ ...comparison, run: true }), location.href).href;
  history.replaceState(null, '', encodeState(comparison));
}

/** GraphQL errors (from `next` or the error sink) as text; parameter errors go to their control. */
function reportErrors(index, errors) {
  const list = Array.isArray(errors) ? errors : [errors];
  for (const e of list) if (e?.extensions?.parameter) page.list.flag(index, e.extensions.parameter, e.message);
  return list.map((e) => e?.message ?? (e?.code ? `connection closed (${e.code}${e.reason ? `: ${e.reason}` : ''})` : String(e))).join('; ');
}

function stop(reason = 'stopped') {
  // Columns first: disposing completes their streams later, which must not read as 'finished'.
  for (const c of page.columns) c.end(reason);
  for (const dispose of page.disposers.splice(0)) dispose();
  $('#stop').disabled = true;
  $('#start').disabled = false;
}

function clearResults() {
  stop();
  page.columns = [];
  $('#columns').innerHTML = '';
  setStatus('');
}

function start(event) {
  event?.preventDefault();
  stop();
  const comparison = readComparison();
  if (comparison.problem) {
    setStatus(comparison.problem);
    comparison.focus?.focus();
    return;
  }
  setStatus('');
  syncLink(comparison);
  const model = currentModel();
  const { count, seed, classLabel } = comparison;
  $('#columns').innerHTML = '';
  $('#columns').style.setProperty('--columns', String(comparison.configs.length));
  const columns = comparison.configs.map((config, index) =>
    createColumn({ index, config, sampler: page.catalog.samplers.find((s) => s.name === config.name), model, count, seed, classLabel }),
  );
  page.columns = columns;
  let open = columns.length;
  const settled = () => {
    // A stream of an earlier run may complete after Start was pressed again.
    if (--open > 0 || page.columns !== columns) return;
    $('#stop').disabled = true;
    $('#start').disabled = false;
    const failed = columns.filter((c) => c.state === 'failed').length;
    if (failed) setStatus(`${failed} of ${columns.length} columns failed`);
    else setStatus(columns.some((c) => c.state === 'stopped') ? 'stopped' : 'finished', 'ok');
  };
  columns.forEach((column, index) => {
    $('#columns').append(column.el);
    column.start();
    const input = { modelId: model.id, sampler: comparison.configs[index], count, seed, ...(classLabel === null ? {} : { classLabel }) };
    const dispose = wsClient().subscribe(
      { query: page.catalog.stream, variables: { input, image: column.image } },
      {
        next: ({ data, errors }) => {
          if (errors?.length) column.fail(reportErrors(index, errors));
          else column.onEvent(data.sampleStream);
        },
        error: (err) => {
          column.fail(reportErrors(index, err));
          settled();
        },
        complete: () => {
          column.end('finished');
          settled();
        },
      },
    );
    page.disposers.push(dispose);
  });
  $('#stop').disabled = false;
  $('#start').disabled = true;
  setStatus('running', 'ok');
}

async function init() {
  try {
    page.catalog = await loadCatalog();
  } catch (error) {
    setStatus(`could not load models: ${error.message}`);
    return;
  }
  const { models, samplers } = page.catalog;
  const select = $('#model');
  for (const m of models) select.append(new Option(`${m.title} (${m.id})`, m.id));
  const wanted = decodeState(location.search, samplers);
  const model = models.find((m) => m.id === wanted.model) ?? models[0];
  if (!model) return setStatus('no READY model is loaded');
  if (wanted.model && model.id !== wanted.model) wanted.warnings.push(`model ${wanted.model} is not loaded`);
  select.value = model.id;
  const classes = classesOf(model);
  const classOk =
    wanted.classLabel === undefined ||
    (classes !== null && Number.isInteger(wanted.classLabel) && wanted.classLabel >= 0 && wanted.classLabel < classes.length);
  if (!classOk)
    wanted.warnings.push(classes ? `class=${wanted.classLabel} is not a class of ${model.id} (0–${classes.length - 1})` : `${model.id} has no classes`);
  syncClassPicker(model, classOk ? wanted.classLabel : undefined);
  $('#count').value = String(wanted.count ?? defaultCount(model));
  $('#seed').value = String(wanted.seed ?? 1);

  page.list = createConfigList({
    container: $('#configs'),
    samplers,
    onChange: (n) => {
      $('#add-column').disabled = n >= MAX_COLUMNS;
    },
  });
  page.list.setModel(model);
  const known = DEFAULT_CONFIGS.filter((c) => samplers.some((s) => s.name === c.name));
  const columns = Math.max(MIN_COLUMNS, Math.min(MAX_COLUMNS, wanted.columns ?? 3));
  page.list.set(wanted.configs.length ? wanted.configs : known.slice(0, columns));
  if (wanted.warnings.length) setStatus(`ignored from the link: ${wanted.warnings.join('; ')}`);

  select.addEventListener('change', () => {
    clearResults(); // results of another model would be stale
    syncClassPicker(currentModel());
    page.list.setModel(currentModel());
    $('#count').value = String(defaultCount(currentModel()));
    syncLink();
  });
  $('#add-column').addEventListener('click', () => {
    page.list.add(known[page.list.length % known.length] ?? { name: samplers[0].name, params: {} });
  });
  $('#controls').addEventListener('submit', start);
  $('#stop').addEventListener('click', () => {
    stop('stopped');
    setStatus('stopped', 'ok');
  });
  for (const type of ['input', 'change', 'click'])
    document.addEventListener(type, (e) => e.target.closest?.('#controls, #configs') && queueMicrotask(() => syncLink()));
  syncLink();
  document.body.dataset.ready = 'true';
  if (wanted.run && !wanted.warnings.length) start();
}

void init();

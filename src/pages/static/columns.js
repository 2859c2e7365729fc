// One comparison column: its state, timing, samples (scatter or paged images), running charts,
// numbers, per-mode coverage, the calibration report of D, the highest/lowest-acceptance samples
// and its downloads.
import { decodeFloats, isImageModel } from './api.js';
import { createChart } from './charts.js';
import { canvasPng, montage, samplesCsv, saveBlob, slug } from './download.js';
import { createGallery } from './gallery.js';
import { createExtremes } from './extremes.js';
import { calibrationMethod, createCalibrationTable, createModeTable, fmt, numberRows, renderRows } from './reports.js';
import { createScatter } from './scatter.js';

const pct = (v) => (v === 0 ? '0 %' : `${fmt(100 * v, v < 0.01 ? 3 : 1)} %`);
const STATE_TEXT = { waiting: 'waiting', running: 'running', finished: 'finished', stopped: 'stopped', failed: 'failed' };

export function columnLabel(config) {
  const entries = Object.entries(config.params);
  return entries.length ? `${config.name} ${entries.map(([k, v]) => `${k}=${v}`).join(' ')}` : config.name;
}

/** `sampler`: the declaration of `config.name` (for the calibration default); `classLabel`: the class asked for, if any. */
export function createColumn({ index, config, sampler, model, count, seed, classLabel = null }) {
  const label = columnLabel(config);
  const image = isImageModel(model);
  const dim = (model.outputShape ?? [2]).reduce((a, b) => a * b, 1);
  const el = document.createElement('article');
  el.className = 'column';
  el.dataset.testid = `column-${index}`;
  el.innerHTML = `<header class="column-head"><h2></h2><span class="state"></span><span class="timing"></span></header>
    <div class="view"></div><div class="bar"><div></div></div><div class="charts"></div><dl class="numbers"></dl>
    <div class="reports"></div><div class="extremes-slot"></div><div class="actions"><button type="button" class="csv" disabled>CSV</button><button type="button" class="png" disabled>PNG</button></div><div class="error" role="alert"></div>`;
  el.querySelector('h2').textContent = classLabel === null ? label : `${label} · class ${model.classLabels?.[classLabel] ?? classLabel}`;
  const samples = []; // { values, logit, acceptanceProbability, png? }
  const scatter = image ? null : createScatter(model);
  const gallery = image ? createGallery(samples, { title: label }) : null;
  el.querySelector('.view').append((scatter ?? gallery).el);
  const charts = {
    acceptance: createChart({ title: 'acceptance rate', scale: 'zero', format: pct, metric: 'acceptance' }),
    quality: image
      ? createChart({ title: 'Fréchet distance (classifier)', format: (v) => fmt(v, 1), metric: 'quality' })
      : model.mixture2d
        ? createChart({ title: 'high-quality share', scale: 'unit', format: pct, metric: 'quality' })
        : null,
  };
  el.querySelector('.charts').append(
    ...Object.values(charts)
      .filter(Boolean)
      .map((c) => c.el),
  );
  const modes = createModeTable(model);
  const calibration = createCalibrationTable(model, calibrationMethod(sampler, config.params), classLabel);
  el.querySelector('.reports').append(...[modes?.el, calibration].filter(Boolean));
  const extremes = createExtremes({ image, onMark: scatter ? (high, low) => scatter.mark(high, low) : null });
  el.querySelector('.extremes-slot').replaceWith(extremes.el);

  let state = 'waiting';
  let started = performance.now();
  let ended = null;
  let accepted = 0;
  let timer = null;
  const setState = (next) => {
    state = next;
    el.dataset.state = next;
    const badge = el.querySelector('.state');
    badge.textContent = STATE_TEXT[next];
    badge.className = `state state-${next}`;
    if (next !== 'waiting' && next !== 'running') {
      ended ??= performance.now();
      clearInterval(timer);
      timer = null;
    }
    renderTiming();
  };
  const renderTiming = () => {
    const seconds = ((ended ?? performance.now()) - started) / 1000;
    el.querySelector('.timing').textContent = `${fmt(seconds, 1)} s · ${seconds > 0 ? Math.round(accepted / seconds).toLocaleString('en') : 0} samples/s`;
    el.dataset.elapsed = String(seconds);
  };

  const addSamples = (event) => {
    const n = event.samples.length;
    if (n === 0) return;
    const flat = decodeFloats(event.samplesBase64);
    const first = samples.length;
    event.samples.forEach((s, i) => samples.push({ ...s, values: flat.subarray(i * dim, (i + 1) * dim) }));
    scatter?.add(flat, dim, n);
    gallery?.render();
    extremes.add(samples.slice(first));
    el.dataset.points = String(samples.length);
    el.querySelector('.csv').disabled = el.querySelector('.png').disabled = false;
  };

  el.querySelector('.csv').addEventListener('click', () => {
    saveBlob(`${model.id}-seed${seed}-${slug(label)}.csv`, new Blob([samplesCsv(samples, dim)], { type: 'text/csv' }));
  });
  el.querySelector('.png').addEventListener('click', () => {
    const canvas = scatter ? Promise.resolve(scatter.snapshot()) : montage(samples);
    canvas
      .then(canvasPng)
      .then((blob) => saveBlob(`${model.id}-seed${seed}-${slug(label)}.png`, blob))
      .catch((e) => (el.querySelector('.error').textContent = `PNG: ${e.message}`));
  });

  setState('waiting');
  return {
    el,
    label,
    image,
    get state() {
      return state;
    },
    start() {
      started = performance.now();
      setState('running');
      timer = setInterval(renderTiming, 250);
    },
    onEvent(event) {
      if (state !== 'running') return;
      addSamples(event);
      const s = event.stats;
      accepted = s.outputs;
      el.dataset.accepted = String(s.outputs);
      el.dataset.proposed = String(s.proposed);
      el.querySelector('.bar > div').style.width = `${(100 * s.outputs) / count}%`;
      renderRows(el.querySelector('.numbers'), numberRows(event, count));
      modes?.update(event.metrics?.mixture2d);
      charts.acceptance.push(s.proposed, s.acceptanceRate);
      charts.quality?.push(s.proposed, image ? event.metrics?.image?.frechetDistance : event.metrics?.mixture2d?.highQualityShare);
      renderTiming();
      if (event.done) {
        el.dataset.done = 'true';
        setState('finished');
      }
    },
    /** Ends a running column: 'stopped' by the user, or 'finished' when the stream just completed. */
    end(next) {
      if (state === 'running' || state === 'waiting') setState(next);
    },
    fail(message) {
      el.querySelector('.error').textContent = message;
      el.dataset.error = message;
      setState('failed');
    },
  };
}

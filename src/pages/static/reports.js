// What a column reports besides its samples: its numbers (outputs, cost, sampler details and
// quality metrics, read from the latest event), the per-mode coverage table of 2-D mixture
// models, and the calibration report of the model's D for the method the column reads D with.

export const fmt = (v, digits = 3) => (v === null || v === undefined || Number.isNaN(v) ? '—' : Number(v).toFixed(digits));
const count = (v) => (v === null || v === undefined ? '—' : Number(v).toLocaleString('en'));

/** [label, value] rows of a stream event; the label doubles as the cell's `data-metric`. */
export function numberRows(event, wanted) {
  const s = event.stats;
  const rows = [
    ['outputs', `${count(s.outputs)} / ${count(wanted)}`],
    ['distinct outputs', count(s.distinctOutputs)],
    ['proposed', count(s.proposed)],
    ['acceptance rate', `${fmt(100 * s.acceptanceRate, 2)} %`],
    ['proposals / output', fmt(s.proposalsPerOutput, 2)],
    ['invalid logits', count(s.invalidLogits)],
    ['D̃_M', fmt(s.logitMaxEnd)],
    ['γ (mean)', fmt(s.gammaMean)],
    ['mean batch', fmt(s.meanBatchSize, 0)],
  ];
  // Only when it happened: outputs sent under a bound that later rose (a stream cannot take them back).
  if (s.boundRoseAfterOutput) rows.push(['stale outputs', count(s.staleOutputs)]);
  for (const [k, v] of Object.entries(s.samplerDetails ?? {})) rows.push([k, typeof v !== 'number' ? String(v) : Number.isInteger(v) ? count(v) : fmt(v)]);
  const m = event.metrics;
  if (m?.mixture2d) {
    const x = m.mixture2d;
    rows.push(
      ['high quality', `${fmt(100 * x.highQualityShare, 1)} %`],
      ['mode coverage', `${x.recoveredModes} / ${x.modeCount}`],
      ['mode JSD', fmt(x.modeJSD, 4)],
      ['std (HQ)', fmt(x.highQualityStd, 4)],
      ['KL(modes‖uniform)', fmt(x.modeKL)],
    );
  }
  if (m?.image) {
    rows.push(
      [m.image.frechetOfClass ? 'Fréchet (classifier, this class)' : 'Fréchet (classifier)', fmt(m.image.frechetDistance)],
      ['class entropy', fmt(m.image.classEntropy)],
      ['confidence', fmt(m.image.meanConfidence)],
    );
    if (m.image.classAccuracy !== null && m.image.classAccuracy !== undefined) rows.push(['class accuracy', `${fmt(100 * m.image.classAccuracy, 1)} %`]);
    const top = topClass(m.image);
    if (top) rows.push(['top class', `${top.name} (${fmt(100 * top.share, 1)} %)`]);
  }
  return rows;
}

/** The class the classifier predicts most often, with its share of the samples; null before any. */
export function topClass({ classHistogram, classes }) {
  const total = (classHistogram ?? []).reduce((a, b) => a + b, 0);
  if (!total) return null;
  const k = classHistogram.indexOf(Math.max(...classHistogram));
  return { name: classes[k] ?? String(k), share: classHistogram[k] / total };
}

/** Fills a <dl> with the rows (text only: sampler details are names the server chose). */
export function renderRows(dl, rows) {
  dl.replaceChildren(
    ...rows.flatMap(([k, v]) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.dataset.metric = k;
      dd.textContent = v;
      return [dt, dd];
    }),
  );
}

function table(className, caption, headers) {
  const el = document.createElement('table');
  el.className = className;
  const cap = el.createCaption();
  cap.textContent = caption;
  const head = el.createTHead().insertRow();
  for (const h of headers) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = h;
    head.append(th);
  }
  el.createTBody();
  return el;
}

function row(tbody, header, cells) {
  const tr = tbody.insertRow();
  const th = document.createElement('th');
  th.scope = 'row';
  th.textContent = header;
  tr.append(th);
  for (const c of cells) tr.insertCell().textContent = c;
  return tr;
}

/**
 * The samples per mode of a 2-D mixture model (HQ samples within 4σ of each centre, in manifest
 * order), in a collapsed table; null for models without modes.
 */
export function createModeTable(model) {
  const centers = model.mixture2d?.centers;
  if (!centers?.length) return null;
  const el = document.createElement('details');
  el.className = 'modes';
  const summary = document.createElement('summary');
  summary.textContent = 'samples per mode';
  const t = table('mode-table', 'High-quality samples per mode (within 4σ of its centre)', ['mode', 'centre', 'samples', 'share']);
  el.append(summary, t);
  return {
    el,
    /** Shows the latest `metrics.mixture2d`. */
    update(x) {
      if (!x) return;
      const total = x.perMode.reduce((a, b) => a + b, 0);
      const tbody = t.tBodies[0];
      tbody.replaceChildren();
      x.perMode.forEach((n, i) => {
        const c = centers[i] ?? [];
        const tr = row(tbody, String(i + 1), [`(${c.map((v) => fmt(v, 2)).join(', ')})`, count(n), total ? `${fmt((100 * n) / total, 1)} %` : '—']);
        tr.dataset.mode = String(i);
        tr.classList.toggle('empty', n === 0);
      });
      summary.textContent = `samples per mode: ${x.recoveredModes} of ${x.modeCount} recovered`;
    },
  };
}

/** The calibration method a column reads D with (its `calibration` parameter or that one's default); null when it declares none. */
export function calibrationMethod(sampler, params) {
  const decl = sampler?.parameters.find((p) => p.name === 'calibration');
  if (!decl) return null;
  return String(params.calibration ?? decl.default ?? 'none');
}

/**
 * The model's calibration reports as a table, Z and ECE of D on its held-out judging half: raw
 * (`none`), then each fitted method; the row of `method` is marked as this column's. A
 * class-conditional model is calibrated per class: the reports of `classLabel` are shown. Null
 * when the model ships no reports (for that class) or the column does not read D.
 */
export function createCalibrationTable(model, method, classLabel = null) {
  const reports = (model.calibration ?? []).filter((r) => (r.classLabel ?? null) === classLabel);
  if (!reports.length || method === null) return null;
  const n = reports[0].count;
  const of = classLabel === null ? '' : ` of class ${model.classLabels?.[classLabel] ?? classLabel}`;
  const t = table('calibration', `Calibration of D on ${count(n)} held-out real samples${of} (half fit, half judge)`, ['method', 'Z', 'ECE']);
  const tbody = t.tBodies[0];
  const rows = [['none', reports[0].zBefore, reports[0].eceBefore], ...reports.map((r) => [r.method, r.zAfter, r.eceAfter])];
  for (const [name, z, ece] of rows) {
    const used = name === method;
    const tr = row(tbody, used ? `${name} (this column)` : name, [fmt(z, 2), fmt(ece, 4)]);
    tr.dataset.method = name;
    if (used) tr.setAttribute('aria-current', 'true');
  }
  const note = document.createElement('p');
  note.className = 'calibration-note';
  note.textContent = 'Z ≈ standard normal and ECE near 0 when D is calibrated.';
  const el = document.createElement('div');
  el.className = 'calibration-report';
  el.append(t, note);
  return el;
}

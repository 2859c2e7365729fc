// The column configurations: 2–4 rows of sampler + parameter panel (controls or JSON). Each
// sampler select tags latent samplers and marks the samplers that cannot run on the chosen model
// (a disabled option, and the server's reason under the select when one is picked anyway, e.g.
// from a link) — when the server's schema has `SamplerInfo.kind` and `Model.samplers`.
import { createParamPanel } from './controls.js';

export const MIN_COLUMNS = 2;
export const MAX_COLUMNS = 4;

let rowIds = 0;
/** Shown next to the select: the sampler's kind, when the server says (latent samplers stand out). */
const kindText = (sampler) => (sampler.kind ? String(sampler.kind).toLowerCase() : '');

/** A row: { el, read() → { name, params, problems }, panel, syncAvailability() }. */
function createRow(list, config) {
  const el = document.createElement('div');
  el.className = 'config';
  const head = document.createElement('div');
  head.className = 'config-head';
  const select = document.createElement('select');
  select.className = 'sampler';
  select.setAttribute('aria-label', 'sampler');
  for (const s of list.samplers) select.append(new Option(s.name, s.name));
  const kind = document.createElement('span');
  kind.className = 'sampler-kind';
  const note = document.createElement('p');
  note.className = 'sampler-unavailable';
  note.id = `sampler-unavailable-${++rowIds}`;
  note.hidden = true;
  const jsonButton = document.createElement('button');
  jsonButton.type = 'button';
  jsonButton.className = 'json-toggle';
  jsonButton.textContent = '{ }';
  jsonButton.title = 'edit the parameters as JSON';
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'remove';
  remove.textContent = '×';
  remove.title = 'remove this column';
  const description = document.createElement('p');
  description.className = 'sampler-description';
  head.append(select, kind, jsonButton, remove);
  el.append(head, note, description);

  const row = { el, panel: null };
  /** Marks the options of samplers the chosen model cannot run, and says why when one is selected. */
  row.syncAvailability = () => {
    for (const option of select.options) {
      const why = list.unavailable(option.value);
      option.disabled = why !== null;
      option.textContent = why === null ? option.value : `${option.value} (unavailable on this model)`;
      option.title = why ?? '';
    }
    const why = list.unavailable(select.value);
    note.hidden = why === null;
    note.textContent = why === null ? '' : `Not available on this model: ${why}`;
    el.classList.toggle('unavailable', why !== null);
    if (why === null) select.removeAttribute('aria-describedby');
    else select.setAttribute('aria-describedby', note.id);
    select.setAttribute('aria-invalid', String(why !== null));
  };
  const mount = (name, params) => {
    const sampler = list.samplers.find((s) => s.name === name) ?? list.samplers[0];
    select.value = sampler.name;
    select.title = sampler.description;
    description.textContent = sampler.description;
    kind.textContent = kindText(sampler);
    kind.dataset.kind = kindText(sampler);
    kind.hidden = kind.textContent === '';
    kind.title = kindText(sampler) === 'latent' ? "moves latents along ∇_z d(G(z)): needs the model's latent-gradient graph" : '';
    const panel = createParamPanel(sampler, params);
    if (row.panel) row.panel.el.replaceWith(panel.el);
    else el.append(panel.el);
    row.panel = panel;
    jsonButton.setAttribute('aria-pressed', 'false');
    row.syncAvailability();
  };
  // Keep the values the new sampler also declares.
  select.addEventListener('change', () => mount(select.value, row.panel.read().params));
  jsonButton.addEventListener('click', () => {
    if (row.panel.toggleJson()) jsonButton.setAttribute('aria-pressed', String(row.panel.jsonMode));
  });
  remove.addEventListener('click', () => list.remove(row));
  row.read = () => ({ name: select.value, ...row.panel.read() });
  mount(config.name, config.params ?? {});
  return row;
}

/** The list in `container`; `onChange` runs when rows are added or removed. */
export function createConfigList({ container, samplers, onChange = () => {} }) {
  const rows = [];
  /** name → reason it cannot run on the chosen model; empty when the server does not say. */
  let reasons = new Map();
  const list = {
    samplers,
    /** Why the named sampler cannot run on the chosen model, or null (also when unknown). */
    unavailable(name) {
      return reasons.get(name) ?? null;
    },
    /** The chosen model: its `samplers { name available unavailableReason }`, when the server has them. */
    setModel(model) {
      reasons = new Map((model?.samplers ?? []).filter((s) => !s.available).map((s) => [s.name, s.unavailableReason ?? 'the server says so']));
      for (const r of rows) r.syncAvailability();
    },
    get length() {
      return rows.length;
    },
    add(config) {
      if (rows.length >= MAX_COLUMNS) return;
      const row = createRow(list, config);
      rows.push(row);
      container.append(row.el);
      list.sync();
    },
    remove(row) {
      if (rows.length <= MIN_COLUMNS) return;
      rows.splice(rows.indexOf(row), 1);
      row.el.remove();
      list.sync();
    },
    /** Replaces every row. */
    set(configs) {
      for (const row of rows.splice(0)) row.el.remove();
      for (const c of configs.slice(0, MAX_COLUMNS)) list.add(c);
    },
    /** Every row's { name, params, problems } (problems are flagged on the controls as well). */
    read() {
      return rows.map((r) => r.read());
    },
    /** Puts a server-side parameter error on its control. */
    flag(index, parameter, message) {
      rows[index]?.panel.flag(parameter, message);
    },
    sync() {
      for (const r of rows) r.el.querySelector('.remove').disabled = rows.length <= MIN_COLUMNS;
      onChange(rows.length);
    },
  };
  return list;
}

// The column configurations: 2–4 rows of sampler + parameter panel (controls or JSON).
import { createParamPanel } from './controls.js';

export const MIN_COLUMNS = 2;
export const MAX_COLUMNS = 4;

/** A row: { el, read() → { name, params, problems }, panel }. */
function createRow(list, config) {
  const el = document.createElement('div');
  el.className = 'config';
  const head = document.createElement('div');
  head.className = 'config-head';
  const select = document.createElement('select');
  select.className = 'sampler';
  select.setAttribute('aria-label', 'sampler');
  for (const s of list.samplers) select.append(new Option(s.name, s.name));
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
  head.append(select, jsonButton, remove);
  el.append(head, description);

  const row = { el, panel: null };
  const mount = (name, params) => {
    const sampler = list.samplers.find((s) => s.name === name) ?? list.samplers[0];
    select.value = sampler.name;
    select.title = sampler.description;
    description.textContent = sampler.description;
    const panel = createParamPanel(sampler, params);
    if (row.panel) row.panel.el.replaceWith(panel.el);
    else el.append(panel.el);
    row.panel = panel;
    jsonButton.setAttribute('aria-pressed', 'false');
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
  const list = {
    samplers,
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

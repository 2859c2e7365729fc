// Sampler parameter controls, generated from `Query.samplers { parameters }`: number inputs for
// float/int, a checkbox for boolean, a select for enum, and a text input for a type this page
// does not know yet (a newer server's: the value is sent as text and the server checks it). An
// empty control means "not given" (the server applies the default, shown as the placeholder),
// so params stay exactly what the user set.

const typeOf = (decl) => String(decl.type).toLowerCase();
const NUMERIC = new Set(['float', 'int']);
const KNOWN = new Set(['float', 'int', 'boolean', 'enum']);
const fmtBound = (v) => (Math.abs(v) >= 1e4 ? v.toLocaleString('en') : v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v));

/** Why `value` is not allowed for `decl`, or null. Values are typed (number, boolean, string). */
export function checkParam(decl, value) {
  const type = typeOf(decl);
  if (type === 'boolean') return typeof value === 'boolean' ? null : 'must be true or false';
  if (type === 'enum') {
    const allowed = decl.allowedValues ?? [];
    return allowed.includes(value) ? null : `must be one of ${allowed.join(', ')}`;
  }
  if (!KNOWN.has(type)) return null; // the server checks types the page does not know
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a finite number';
  if (type === 'int' && !Number.isInteger(value)) return 'must be a whole number';
  if (decl.min !== null && decl.min !== undefined && value < decl.min) return `must be ≥ ${fmtBound(decl.min)}`;
  if (decl.max !== null && decl.max !== undefined && value > decl.max) return `must be ≤ ${fmtBound(decl.max)}`;
  return null;
}

/** Problems of a whole params object against a sampler's declaration: [{ name, message }]. */
export function checkParams(sampler, params) {
  const problems = [];
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return [{ name: null, message: 'params must be a JSON object' }];
  for (const [name, value] of Object.entries(params)) {
    const decl = sampler.parameters.find((p) => p.name === name);
    const message = decl ? checkParam(decl, value) : `unknown parameter (${sampler.name} has ${sampler.parameters.map((p) => p.name).join(', ') || 'none'})`;
    if (message) problems.push({ name, message });
  }
  return problems;
}

/** A typed value from the URL or JSON text, by the declared type (enum values stay strings). */
export function parseParamText(decl, text) {
  const type = typeOf(decl);
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  if (type === 'enum' || !KNOWN.has(type)) return text;
  return text.trim() === '' ? Number.NaN : Number(text);
}

function rangeHint(decl) {
  const type = typeOf(decl);
  if (!NUMERIC.has(type)) return KNOWN.has(type) ? '' : type;
  const lo = decl.min ?? null;
  const hi = decl.max ?? null;
  if (lo === null && hi === null) return type;
  return `${type} ${lo === null ? '…' : fmtBound(lo)} – ${hi === null ? '…' : fmtBound(hi)}`;
}

/** One control: { el, decl, get() → { given, value, error }, set(value | undefined), flag(message) }. */
function createControl(decl) {
  const type = typeOf(decl);
  const el = document.createElement('label');
  el.className = `param param-${type}`;
  el.dataset.param = decl.name;
  el.title = decl.description;
  const name = document.createElement('span');
  name.className = 'param-name';
  name.textContent = decl.name;
  const hint = document.createElement('span');
  hint.className = 'param-range';
  hint.textContent = rangeHint(decl);
  let input;
  if (type === 'boolean') {
    input = document.createElement('input');
    input.type = 'checkbox';
  } else if (type === 'enum') {
    input = document.createElement('select');
    input.append(new Option(decl.default === null || decl.default === undefined ? '(not set)' : `default (${decl.default})`, ''));
    for (const v of decl.allowedValues ?? []) input.append(new Option(v, v));
  } else if (!KNOWN.has(type)) {
    input = document.createElement('input');
    input.type = 'text';
    input.placeholder = decl.default === null || decl.default === undefined ? 'not set' : `default ${JSON.stringify(decl.default)}`;
  } else {
    input = document.createElement('input');
    input.type = 'number';
    input.step = type === 'int' ? '1' : 'any';
    if (decl.min !== null && decl.min !== undefined) input.min = String(decl.min);
    if (decl.max !== null && decl.max !== undefined) input.max = String(decl.max);
    input.placeholder = decl.default === null || decl.default === undefined ? 'not set' : `default ${decl.default}`;
  }
  input.name = decl.name;
  const help = document.createElement('small');
  help.className = 'help';
  help.textContent = decl.description;
  const error = document.createElement('small');
  error.className = 'param-error';
  el.append(type === 'boolean' ? input : '', name, hint, type === 'boolean' ? '' : input, help, error);

  const defaultFlag = decl.default === true;
  const control = {
    el,
    decl,
    input,
    get() {
      if (type === 'boolean') return input.checked === defaultFlag ? { given: false } : { given: true, value: input.checked, error: null };
      if (type === 'enum' || !KNOWN.has(type))
        return input.value === '' ? { given: false } : { given: true, value: input.value, error: checkParam(decl, input.value) };
      if (input.validity.badInput) return { given: true, value: Number.NaN, error: 'must be a number' };
      if (input.value === '') return { given: false };
      const value = Number(input.value);
      return { given: true, value, error: checkParam(decl, value) };
    },
    set(value) {
      if (type === 'boolean') input.checked = value === undefined ? defaultFlag : value === true;
      else input.value = value === undefined ? '' : String(value);
      control.flag(null);
    },
    flag(message) {
      error.textContent = message ?? '';
      el.classList.toggle('invalid', Boolean(message));
      input.setAttribute('aria-invalid', message ? 'true' : 'false');
    },
  };
  input.addEventListener(NUMERIC.has(type) ? 'input' : 'change', () => control.flag(control.get().error));
  return control;
}

/**
 * The parameter panel of one column: generated controls plus a JSON view for experts.
 * read() → { params, problems }; problems are also flagged on their controls.
 */
export function createParamPanel(sampler, params = {}) {
  const el = document.createElement('div');
  el.className = 'params';
  const form = document.createElement('div');
  form.className = 'param-controls';
  const controls = sampler.parameters.map(createControl);
  form.append(...controls.map((c) => c.el));
  if (controls.length === 0) form.innerHTML = '<span class="none">no parameters</span>';
  const json = document.createElement('textarea');
  json.className = 'params-json';
  json.spellcheck = false;
  json.rows = 2;
  json.hidden = true;
  json.setAttribute('aria-label', `${sampler.name} params as JSON`);
  const jsonError = document.createElement('small');
  jsonError.className = 'param-error json-error';
  el.append(form, json, jsonError);

  const fromControls = () => {
    const out = {};
    const problems = [];
    for (const c of controls) {
      const r = c.get();
      c.flag(r.error ?? null);
      if (!r.given) continue;
      out[c.decl.name] = r.value;
      if (r.error) problems.push({ name: c.decl.name, message: r.error });
    }
    return { params: out, problems };
  };
  const fromJson = () => {
    let parsed;
    try {
      parsed = JSON.parse(json.value.trim() || '{}');
    } catch (e) {
      return { params: {}, problems: [{ name: null, message: `not valid JSON: ${e.message}` }] };
    }
    return { params: parsed, problems: checkParams(sampler, parsed) };
  };
  const setAll = (p) => {
    for (const c of controls) c.set(p[c.decl.name]);
  };
  setAll(params);
  const panel = {
    el,
    get jsonMode() {
      return !json.hidden;
    },
    read() {
      const result = panel.jsonMode ? fromJson() : fromControls();
      jsonError.textContent = panel.jsonMode ? result.problems.map((p) => (p.name ? `${p.name}: ${p.message}` : p.message)).join('; ') : '';
      json.classList.toggle('invalid', panel.jsonMode && result.problems.length > 0);
      return result;
    },
    /** Switches between controls and JSON, carrying the values over; false when the JSON is not valid. */
    toggleJson() {
      if (panel.jsonMode) {
        const { params: p, problems } = fromJson();
        if (problems.some((x) => x.name === null || !controls.some((c) => c.decl.name === x.name))) {
          panel.read(); // shows why under the JSON
          return false;
        }
        setAll(p);
        json.hidden = true;
        form.hidden = false;
        jsonError.textContent = '';
        json.classList.remove('invalid');
        for (const c of controls) c.flag(p[c.decl.name] === undefined ? null : checkParam(c.decl, p[c.decl.name]));
      } else {
        json.value = JSON.stringify(fromControls().params);
        json.hidden = false;
        form.hidden = true;
      }
      return true;
    },
    /** Shows a server-side complaint on the named control (or under the JSON). */
    flag(name, message) {
      const c = controls.find((x) => x.decl.name === name);
      if (c && !panel.jsonMode) c.flag(message);
      else jsonError.textContent = `${name}: ${message}`;
    },
  };
  return panel;
}

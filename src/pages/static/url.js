// A comparison as a URL: ?model=gaussians25&count=2000&seed=1&s=naive&s=drs:gamma=0&run=1
// (one `s` per column: sampler name, then the given parameters as name=value pairs; `class`:
// the class label index of a conditional model).
import { parseParamText } from './controls.js';

// Keep the separators readable in the address bar; everything else percent-encoded.
const enc = (s) => encodeURIComponent(s).replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%3D/g, '=');

export function encodeColumn({ name, params }) {
  const pairs = Object.entries(params).map(([k, v]) => `${k}=${String(v)}`);
  return pairs.length ? `${name}:${pairs.join(',')}` : name;
}

/** The query string of a comparison; `run` makes the page start it on open. */
export function encodeState({ model, count, seed, classLabel = null, configs, run = false }) {
  const parts = [`model=${enc(model)}`, `count=${count}`, `seed=${seed}`];
  if (classLabel !== null) parts.push(`class=${String(classLabel)}`);
  parts.push(...configs.map((c) => `s=${enc(encodeColumn(c))}`));
  if (run) parts.push('run=1');
  return `?${parts.join('&')}`;
}

/**
 * What a query string asks for: { model, count, seed, classLabel, configs, columns, run, warnings }; fields
 * absent from the URL are undefined. Parameters are typed by the samplers' declarations.
 */
export function decodeState(search, samplers) {
  const q = new URLSearchParams(search);
  const warnings = [];
  const num = (key) => {
    const v = q.get(key);
    if (v === null) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) {
      warnings.push(`${key}=${v} is not a number`);
      return undefined;
    }
    return n;
  };
  const configs = q.getAll('s').map((text) => {
    const colon = text.indexOf(':');
    const name = colon < 0 ? text : text.slice(0, colon);
    const sampler = samplers.find((s) => s.name === name);
    if (!sampler) {
      warnings.push(`unknown sampler ${name}`);
      return null;
    }
    const params = {};
    for (const pair of colon < 0 ? [] : text.slice(colon + 1).split(',')) {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      const decl = sampler.parameters.find((p) => p.name === key);
      if (!decl) {
        warnings.push(`${name} has no parameter ${key}`);
        continue;
      }
      params[key] = parseParamText(decl, eq < 0 ? '' : pair.slice(eq + 1));
    }
    return { name, params };
  });
  return {
    model: q.get('model') ?? undefined,
    count: num('count'),
    seed: num('seed'),
    classLabel: num('class'),
    configs: configs.filter(Boolean),
    columns: num('columns'),
    run: q.get('run') === '1',
    warnings,
  };
}

/**
 * Admission-time validation of sampler parameters against the plugin's declaration, so a bad
 * request fails before it costs any inference (vLLM's validate_params idea).
 */
import { SamplerParameterError, type ModelDescriptor, type SamplerDeclaration, type SamplerParameterValue, type SamplerParams } from '../contracts.js';

export interface ResolvedParams {
  readonly params: SamplerParams;
  readonly given: ReadonlySet<string>;
}

export function resolveParams(plugin: Pick<SamplerDeclaration, 'name' | 'parameters' | 'validate'>, raw: unknown, model: ModelDescriptor): ResolvedParams {
  const fail = (parameter: string, message: string): never => {
    throw new SamplerParameterError(plugin.name, parameter, message);
  };
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) fail('params', `must be a JSON object, got ${shown(raw)}`);
  const input = raw as Record<string, unknown>;
  const declared = new Map(plugin.parameters.map((p) => [p.name, p]));
  const params: Record<string, SamplerParameterValue> = {};
  const given = new Set<string>();

  for (const [name, value] of Object.entries(input)) {
    const decl = declared.get(name);
    if (!decl) {
      const known = plugin.parameters.map((p) => p.name).join(', ') || 'none';
      fail(name, `unknown parameter (known: ${known})`);
    }
    if (value === null || value === undefined) continue;
    if (decl!.type === 'boolean') {
      if (typeof value !== 'boolean') fail(name, `must be a boolean, got ${shown(value)}`);
    } else if (decl!.type === 'enum') {
      const allowed = decl!.values ?? [];
      if (typeof value !== 'string' || !allowed.includes(value))
        fail(name, `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}, got ${shown(value)}`);
    } else {
      if (typeof value !== 'number' || !Number.isFinite(value)) fail(name, `must be a finite number, got ${shown(value)}`);
      const n = value as number;
      if (decl!.type === 'int' && !Number.isInteger(n)) fail(name, `must be an integer, got ${shown(n)}`);
      if (decl!.min !== undefined && n < decl!.min) fail(name, `must be ≥ ${decl!.min}, got ${shown(n)}`);
      if (decl!.max !== undefined && n > decl!.max) fail(name, `must be ≤ ${decl!.max}, got ${shown(n)}`);
    }
    params[name] = value as SamplerParameterValue;
    given.add(name);
  }
  for (const decl of plugin.parameters) {
    if (!(decl.name in params) && decl.default !== undefined) params[decl.name] = decl.default;
  }
  plugin.validate?.(params, given, model);
  return { params, given };
}

/**
 * A value as the request gave it, JSON-like: strings quoted, but numbers as JavaScript reads them
 * (`Infinity`, `NaN`, `-0`), where JSON.stringify would write `null` (`1e400` arrives as Infinity).
 * Long strings, long or deeply nested arrays and objects are cut short (…).
 */
function shown(value: unknown, depth = 0): string {
  const MAX_ITEMS = 10;
  const MAX_DEPTH = 3;
  const MAX_STRING = 100;
  if (typeof value === 'string') return value.length > MAX_STRING ? `${JSON.stringify(value.slice(0, MAX_STRING))}…` : JSON.stringify(value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (typeof value !== 'object' || value === null) return String(value);
  const array = Array.isArray(value);
  const [open, close] = array ? ['[', ']'] : ['{', '}'];
  if (depth >= MAX_DEPTH) return `${open}…${close}`;
  const entries = array ? [...value.entries()] : Object.entries(value);
  const items = entries.slice(0, MAX_ITEMS).map(([key, item]) => (array ? '' : `${JSON.stringify(key)}:`) + shown(item, depth + 1));
  if (entries.length > MAX_ITEMS) items.push('…');
  return `${open}${items.join(',')}${close}`;
}

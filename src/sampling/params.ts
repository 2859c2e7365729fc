/**
 * Admission-time validation of sampler parameters against the plugin's declaration, so a bad
 * request fails before it costs any inference (vLLM's validate_params idea).
 */
import { SamplerParameterError, type ModelDescriptor, type SamplerParameterValue, type SamplerParams, type SamplerPlugin } from '../contracts.js';

export interface ResolvedParams {
  readonly params: SamplerParams;
  readonly given: ReadonlySet<string>;
}

export function resolveParams(plugin: SamplerPlugin, raw: unknown, model: ModelDescriptor): ResolvedParams {
  const fail = (parameter: string, message: string): never => {
    throw new SamplerParameterError(plugin.name, parameter, message);
  };
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) fail('params', `must be a JSON object, got ${JSON.stringify(raw)}`);
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
      if (typeof value !== 'boolean') fail(name, `must be a boolean, got ${JSON.stringify(value)}`);
    } else if (decl!.type === 'enum') {
      const allowed = decl!.values ?? [];
      if (typeof value !== 'string' || !allowed.includes(value)) fail(name, `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(value)}`);
    } else {
      if (typeof value !== 'number' || !Number.isFinite(value)) fail(name, `must be a finite number, got ${JSON.stringify(value)}`);
      const n = value as number;
      if (decl!.type === 'int' && !Number.isInteger(n)) fail(name, `must be an integer, got ${n}`);
      if (decl!.min !== undefined && n < decl!.min) fail(name, `must be ≥ ${decl!.min}, got ${n}`);
      if (decl!.max !== undefined && n > decl!.max) fail(name, `must be ≤ ${decl!.max}, got ${n}`);
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

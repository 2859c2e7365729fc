/**
 * Runs a contract-v1 sampler (one acceptance probability per logit) as a v2 one: the engine's
 * seeded uniforms decide, exactly as the v1 engine did, so v1 plugins give the same samples for
 * the same seed as before.
 */
import {
  SAMPLER_CONTRACT_VERSION,
  SamplerContractError,
  emitAccepted,
  type AnySamplerPlugin,
  type SamplerPlugin,
  type SamplerPluginV1,
  type SamplerState,
  type SamplerStateV1,
} from '../contracts.js';

export function adaptV1(plugin: SamplerPluginV1): SamplerPlugin {
  const { name, description, parameters } = plugin;
  return {
    contractVersion: SAMPLER_CONTRACT_VERSION,
    name,
    description,
    parameters,
    // v1 was held to the monotone rule unconditionally.
    monotone: true,
    ...(plugin.validate && { validate: (params, given) => plugin.validate!(params, given) }),
    ...(plugin.prepare && {
      prepare: (params, context) => plugin.prepare!(params, { model: context.model, burnIn: (n) => context.burnIn(n), signal: context.signal }),
    }),
    start: (params, prepared, context) => adaptState(plugin.start(params, prepared, context.model)),
    ...(plugin.restore && {
      restore: (params, prepared, context, snapshot) => adaptState(plugin.restore!(params, prepared, context.model, snapshot)),
    }),
    ...(plugin.snapshotVersion !== undefined && { snapshotVersion: plugin.snapshotVersion }),
  };

  function adaptState(state: SamplerStateV1): SamplerState {
    return {
      step(round) {
        const p = state.decide(round.logits);
        if (p.length !== round.logits.length)
          throw new SamplerContractError(name, `decide() returned ${p.length} probabilities for ${round.logits.length} logits`);
        return emitAccepted(round, p);
      },
      report: () => state.report(),
      ...(state.snapshot && { snapshot: () => state.snapshot!() }),
    };
  }
}

/** The plugin as the engine runs it: v2 as is, v1 through the adapter; anything else is refused. */
export function toCurrentContract(plugin: AnySamplerPlugin): SamplerPlugin {
  const version = (plugin as { contractVersion: unknown }).contractVersion;
  if (version === SAMPLER_CONTRACT_VERSION) return plugin as SamplerPlugin;
  if (version === 1) return adaptV1(plugin as SamplerPluginV1);
  throw new Error(`sampler "${plugin.name}" implements contract version ${String(version)}; this engine runs versions 1 and ${SAMPLER_CONTRACT_VERSION}`);
}

/**
 * The conformance suite every sampler plugin must pass (Apollo's integration-suite idea):
 * declaration sanity, admission behaviour, and rounds stepped through the engine's own acceptance
 * step (`decideRound`) on awkward input. Contract v1 plugins run through the adapter and also
 * keep the v1 rules. Call `defineSamplerConformance(factory)` inside a test file.
 */
import { describe, expect, it } from 'vitest';
import {
  CalibrationMethod,
  SUPPORTED_CONTRACT_VERSIONS,
  SamplerParameterError,
  type AnySamplerPlugin,
  type BurnIn,
  type Calibrator,
  type ModelDescriptor,
  type PreparationContext,
  type SamplerPlugin,
  type SamplerSnapshot,
  type SamplerState,
  type UniformSource,
} from '../contracts.js';
import { decideRound, type HeldRow, type RealData, type RoundOutputs } from '../sampling/accept.js';
import { resolveParams } from '../sampling/params.js';
import { toCurrentContract } from '../sampling/v1-adapter.js';
import { Random } from '../random.js';

const REAL = 50;
/** A model that ships held-out real samples, and one that does not. */
export const conformanceModels: Record<'withReal' | 'withoutReal', ModelDescriptor> = {
  withReal: { id: 'conformance', latentDim: 2, outputShape: [1], outputKind: 'vector', realSamples: REAL },
  withoutReal: { id: 'conformance-bare', latentDim: 2, outputShape: [1], outputKind: 'vector', realSamples: 0 },
};

/** Real sample i has the value 1000 + i and a logit spread over [-1, 3]. */
const realData: RealData = {
  samples: Float32Array.from({ length: REAL }, (_, i) => 1000 + i),
  logits: Float64Array.from({ length: REAL }, (_, i) => -1 + (4 * i) / (REAL - 1)),
  count: REAL,
};

const calibrators: Record<CalibrationMethod, Calibrator> = {
  none: { method: 'none', logit: (l) => l },
  platt: { method: 'platt', logit: (l) => 0.5 * l - 1 },
  isotonic: { method: 'isotonic', logit: (l) => Math.max(-4, Math.min(4, Math.round(l))) },
};

/** A preparation context like the engine's: burn-in logits spread over [-8, 2], as a real D gives. */
export function conformanceContext(model: ModelDescriptor = conformanceModels.withReal): PreparationContext {
  const burnIn = (count: number): Promise<BurnIn> => {
    const logits = Float64Array.from({ length: count }, (_, i) => -8 + (10 * i) / (count - 1));
    return Promise.resolve({ logits, logitMax: 2, proposed: count });
  };
  const needsReal = (): Promise<never> => Promise.reject(new Error(`model "${model.id}" ships no held-out real samples`));
  return {
    model,
    burnIn,
    realLogits: () => (model.realSamples > 0 ? Promise.resolve(realData.logits) : needsReal()),
    calibrator: (method) => (model.realSamples > 0 || method === 'none' ? Promise.resolve(calibrators[method]) : needsReal()),
  };
}

/** Steps one round through the engine's acceptance step. Proposal i of a round has the value `base + i`. */
export function stepRound(options: {
  state: SamplerState;
  logits: Float64Array;
  uniforms: UniformSource;
  needed?: number;
  held: Map<number, HeldRow>;
  base?: number;
  name?: string;
}): RoundOutputs & { considered: number } {
  const { logits, base = 0 } = options;
  const decision = decideRound({
    logits,
    samples: Float32Array.from(logits, (_, i) => base + i),
    sampleSize: 1,
    state: options.state,
    uniforms: options.uniforms,
    needed: options.needed ?? logits.length,
    held: options.held,
    real: realData,
    firstId: base,
    samplerName: options.name ?? 'conformance',
  });
  return { ...decision.outputs, considered: decision.considered };
}

/** Prepared and started on the conformance model with its default parameters. */
async function started(plugin: SamplerPlugin, seed: number, model = conformanceModels.withReal): Promise<SamplerState> {
  const { params } = resolveParams(plugin, {}, model);
  const context = conformanceContext(model);
  const prepared = plugin.prepare ? await plugin.prepare(params, context) : undefined;
  return plugin.start(params, prepared, { model, random: new Random(seed, 4) });
}

const BATCHES = [
  Float64Array.from([0.5, -1, 3, -700, 700, 2, 2, -2]),
  Float64Array.from([1e-9]),
  Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 6),
];

/**
 * Two logit streams for the isolation check. A stays low and B climbs far above the burn-in max
 * of 2, so any running max, γ or threshold that leaks from one run into the other changes what
 * the other outputs.
 */
const STREAM_A = [
  Float64Array.from({ length: 50 }, (_, i) => -6 + 0.1 * i),
  Float64Array.from([-3, -2.5, -4, -1, 0.5]),
  Float64Array.from({ length: 40 }, (_, i) => 2 * Math.cos(i) - 2),
];
const STREAM_B = [
  Float64Array.from({ length: 30 }, (_, i) => 1 + 0.2 * i),
  Float64Array.from([9, 12, -1, 7]),
  Float64Array.from({ length: 60 }, (_, i) => 5 * Math.sin(i) + 4),
];

interface Stepper {
  step(round: number): number[];
}

async function stepper(plugin: SamplerPlugin, stream: readonly Float64Array[], seed: number): Promise<Stepper> {
  const state = await started(plugin, seed);
  const uniforms = new Random(seed, 2);
  const held = new Map<number, HeldRow>();
  return { step: (b) => Array.from(stepRound({ state, logits: stream[b]!, uniforms, held, base: 10_000 * b, name: plugin.name }).samples) };
}

/**
 * Checks that a sampler keeps each run's state in that run: two runs on different logit streams,
 * interleaved round by round, must output exactly what each outputs alone. Tried with two start()
 * states of one plugin and with plugins from two factory calls. A check that a factory returns a
 * fresh object cannot see state kept in module scope; this one can.
 */
export async function checkRunIsolation(factory: () => AnySamplerPlugin): Promise<void> {
  const alone = async (stream: readonly Float64Array[], seed: number): Promise<number[][]> => {
    const s = await stepper(toCurrentContract(factory()), stream, seed);
    return stream.map((_, b) => s.step(b));
  };
  const soloA = await alone(STREAM_A, 1);
  const soloB = await alone(STREAM_B, 2);
  for (const [how, shared] of [
    ['two start() states of one plugin', true],
    ['plugins from two factory calls', false],
  ] as const) {
    const pa = toCurrentContract(factory());
    const pb = shared ? pa : toCurrentContract(factory());
    const a = await stepper(pa, STREAM_A, 1);
    const b = await stepper(pb, STREAM_B, 2);
    const outA: number[][] = [];
    const outB: number[][] = [];
    for (let r = 0; r < STREAM_A.length; r++) {
      outA.push(a.step(r));
      outB.push(b.step(r));
    }
    if (JSON.stringify(outA) !== JSON.stringify(soloA) || JSON.stringify(outB) !== JSON.stringify(soloB)) {
      throw new Error(`sampler "${pa.name}": run A interleaved with run B (${how}) decided differently than alone: state leaks between runs`);
    }
  }
}

/**
 * Checks that a sampler's snapshot continues its run exactly: stepped over a logit stream, its
 * state snapshot after round r (through JSON, as a cursor carries it) restored in a fresh
 * `prepare`d plugin, with the random stream and held rows where they stood, steps the remaining
 * rounds exactly as the original does (same outputs, probabilities and report). Tried after
 * every round, with the default parameters and with small integer ones (so chains finish).
 * Returns false when the sampler implements neither `restore` nor `snapshot` (not resumable);
 * throws when it implements only one of them, or restores differently.
 */
export async function checkSnapshotRestore(factory: () => AnySamplerPlugin): Promise<boolean> {
  const plugin = toCurrentContract(factory());
  const model = conformanceModels.withReal;
  const defaults = resolveParams(plugin, {}, model).params;
  const probe = plugin.start(defaults, plugin.prepare ? await plugin.prepare(defaults, conformanceContext(model)) : undefined, {
    model,
    random: new Random(1, 4),
  });
  if (!plugin.restore && !probe.snapshot) return false;
  if (!plugin.restore || !probe.snapshot) {
    throw new Error(
      `sampler "${plugin.name}": implements ${plugin.restore ? 'restore but no snapshot' : 'snapshot but no restore'}; a resumable sampler needs both`,
    );
  }
  const small = Object.fromEntries(
    plugin.parameters
      .filter((p) => p.type === 'int' && typeof p.default === 'number')
      .map((p) => [p.name, Math.max(p.min ?? 1, Math.min(p.default as number, 5))]),
  );
  const stream = [...STREAM_B, ...BATCHES, ...STREAM_A];
  for (const raw of [{}, small]) {
    const { params } = resolveParams(plugin, raw, model);
    const prepare = async () => (plugin.prepare ? await plugin.prepare(params, conformanceContext(model)) : undefined);
    for (let cut = 0; cut < stream.length - 1; cut++) {
      const random = new Random(9, 4);
      const state = plugin.start(params, await prepare(), { model, random });
      const uniforms = new Random(9, 2);
      const held = new Map<number, HeldRow>();
      const step = (s: SamplerState, u: Random, h: Map<number, HeldRow>, r: number) => {
        const out = stepRound({ state: s, logits: stream[r]!, uniforms: u, held: h, needed: 1e9, base: 10_000 * r, name: plugin.name });
        return { values: Array.from(out.samples), probabilities: Array.from(out.probabilities), report: s.report() };
      };
      for (let r = 0; r <= cut; r++) step(state, uniforms, held, r);
      const snapshot = JSON.parse(JSON.stringify(state.snapshot!())) as SamplerSnapshot;
      const restored = plugin.restore(params, await prepare(), { model, random: Random.restore(random.state()) }, snapshot);
      const restoredUniforms = Random.restore(uniforms.state());
      const restoredHeld = new Map(held);
      for (let r = cut + 1; r < stream.length; r++) {
        const want = step(state, uniforms, held, r);
        const got = step(restored, restoredUniforms, restoredHeld, r);
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          throw new Error(
            `sampler "${plugin.name}" (params ${JSON.stringify(raw)}): restored after round ${cut}, round ${r} went differently than the original run`,
          );
        }
      }
    }
  }
  return true;
}

export function defineSamplerConformance(factory: () => AnySamplerPlugin): void {
  const registered = factory();
  const plugin = toCurrentContract(registered);
  describe(`sampler "${plugin.name}" conforms to contract v${registered.contractVersion}`, () => {
    it('declares itself fully', () => {
      expect(SUPPORTED_CONTRACT_VERSIONS).toContain(registered.contractVersion);
      expect(plugin.name).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(plugin.description.length).toBeGreaterThan(10);
      const names = plugin.parameters.map((p) => p.name);
      expect(new Set(names).size).toBe(names.length);
      for (const p of plugin.parameters) {
        expect(p.description.length, p.name).toBeGreaterThan(5);
        if (p.min !== undefined && p.max !== undefined) expect(p.min, p.name).toBeLessThanOrEqual(p.max);
        if (typeof p.default === 'number') {
          if (p.min !== undefined) expect(p.default, p.name).toBeGreaterThanOrEqual(p.min);
          if (p.max !== undefined) expect(p.default, p.name).toBeLessThanOrEqual(p.max);
          if (p.type === 'int') expect(Number.isInteger(p.default), p.name).toBe(true);
        }
        if (p.type === 'boolean' && p.default !== undefined) expect(typeof p.default).toBe('boolean');
        if (p.type === 'enum') {
          expect(p.values?.length, `${p.name} lists its values`).toBeGreaterThan(0);
          if (p.default !== undefined) expect(p.values, p.name).toContain(p.default);
        }
      }
    });

    it('continues exactly from a snapshot, restored (when it implements snapshot and restore)', async () => {
      await checkSnapshotRestore(factory);
    });

    it('keeps each run to itself: runs interleaved round by round decide as they do alone', async () => {
      await checkRunIsolation(factory);
    });

    it('admits its defaults on models with and without real samples, and refuses an unknown parameter by name', () => {
      expect(() => resolveParams(plugin, {}, conformanceModels.withReal)).not.toThrow();
      expect(() => resolveParams(plugin, {}, conformanceModels.withoutReal)).not.toThrow();
      expect(() => resolveParams(plugin, { notAParameter: 1 }, conformanceModels.withReal)).toThrow(SamplerParameterError);
    });

    it('refuses every numeric parameter just outside its range and every enum value it does not list, naming it', () => {
      for (const p of plugin.parameters) {
        const bad = p.type === 'enum' ? ['not-a-value'] : [p.min === undefined ? undefined : p.min - 1, p.max === undefined ? undefined : p.max + 1];
        for (const value of bad) {
          if (value === undefined) continue;
          const error = refusal(() => resolveParams(plugin, { [p.name]: value }, conformanceModels.withReal));
          expect(error, `${p.name} = ${value}`).toBeInstanceOf(SamplerParameterError);
          expect((error as SamplerParameterError).parameter).toBe(p.name);
        }
      }
    });

    it('refuses a calibration on a model without real samples, naming the parameter', () => {
      const calibration = plugin.parameters.find((p) => p.name === 'calibration');
      if (!calibration) return;
      expect(calibration.values).toEqual(Object.values(CalibrationMethod));
      for (const method of ['platt', 'isotonic']) {
        const error = refusal(() => resolveParams(plugin, { calibration: method }, conformanceModels.withoutReal));
        expect(error).toBeInstanceOf(SamplerParameterError);
        expect((error as SamplerParameterError).parameter).toBe('calibration');
        expect(() => resolveParams(plugin, { calibration: method }, conformanceModels.withReal)).not.toThrow();
      }
    });

    it('steps every round within the contract, deterministically for a seed', async () => {
      const run = async (seed: number, model: ModelDescriptor) => {
        const state = await started(plugin, seed, model);
        const uniforms = new Random(seed, 2);
        const held = new Map<number, HeldRow>();
        return BATCHES.map((logits, b) => {
          const out = stepRound({ state, logits, uniforms, held, base: 10_000 * b, name: plugin.name });
          expect(out.count).toBeLessThanOrEqual(logits.length + held.size);
          for (const p of out.probabilities) expect(p >= 0 && p <= 1).toBe(true);
          for (const v of out.samples) expect(v >= 1000 && v < 1000 + REAL, 'never outputs a held-out real sample').toBe(false);
          const report = state.report();
          for (const v of [report.logitMax, report.gamma, ...Object.values(report.details ?? {})]) if (v !== undefined) expect(Number.isFinite(v)).toBe(true);
          return { values: Array.from(out.samples), probabilities: Array.from(out.probabilities) };
        });
      };
      for (const model of Object.values(conformanceModels)) {
        const first = await run(7, model);
        expect(await run(7, model)).toEqual(first);
      }
    });

    it('outputs no more than the request still needs', async () => {
      const state = await started(plugin, 3);
      const out = stepRound({ state, logits: BATCHES[2]!, uniforms: new Random(3, 2), needed: 2, held: new Map(), name: plugin.name });
      expect(out.count).toBeLessThanOrEqual(2);
    });

    it('re-thins, when it does, with a keep probability in [0, 1] per output', async () => {
      const state = await started(plugin, 5);
      if (!state.rethin) return;
      const keep = state.rethin({ logits: Float64Array.from([-1, 0, 1]), probabilities: Float64Array.from([0.5, 0.5, 1]) });
      if (keep === null) return;
      expect(keep).toHaveLength(3);
      for (const k of keep) expect(k >= 0 && k <= 1).toBe(true);
    });

    if (plugin.monotone) {
      it('(declared monotone) never gives a lower logit a higher output probability within one round', async () => {
        const state = await started(plugin, 1);
        const logits = Float64Array.from({ length: 200 }, (_, i) => -6 + i * 0.04); // ascending, below the burn-in max of 2
        // With every uniform 0, each proposal with p > 0 is output, reporting its p.
        const out = stepRound({ state, logits, uniforms: { uniform: () => 0 }, held: new Map(), name: plugin.name });
        const p = new Float64Array(logits.length);
        out.samples.forEach((k, o) => (p[k] = out.probabilities[o]!));
        for (let i = 1; i < p.length; i++) expect(p[i]!).toBeGreaterThanOrEqual(p[i - 1]! - 1e-12);
      });
    }

    if (registered.contractVersion === 1) {
      it('(v1) decides every batch with one probability in [0, 1] per logit', async () => {
        const { params } = resolveParams(plugin, {}, conformanceModels.withReal);
        const prepared = registered.prepare ? await registered.prepare(params, conformanceContext()) : undefined;
        const state = registered.start(params, prepared, conformanceModels.withReal);
        for (const b of BATCHES) {
          const p = state.decide(b);
          expect(p).toHaveLength(b.length);
          for (const v of p) expect(v >= 0 && v <= 1).toBe(true);
        }
      });
    }
  });
}

function refusal(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

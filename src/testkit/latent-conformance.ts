/**
 * The conformance suite for latent samplers (contract v2, latent extension v1): declaration and
 * admission as for round samplers, then `move` on batches whose gradient rounds come from an
 * analytic pair (G(z) = z, d(z) = −‖z − 1‖²/2, with NaN logits on some rows), checked row by row:
 * only rows of this batch's rounds with a finite logit are output, never more than needed, the
 * same seed gives the same outputs, runs interleaved give what they give alone, and a gradient
 * round that fails (an exhausted budget, a cancelled run) ends `move` instead of hanging it.
 */
import { describe, expect, it } from 'vitest';
import {
  LATENT_EXTENSION_VERSION,
  SAMPLER_CONTRACT_VERSION,
  SamplerParameterError,
  type GradientRound,
  type LatentBatch,
  type LatentSamplerPlugin,
  type ModelDescriptor,
} from '../contracts.js';
import { Random } from '../random.js';
import { resolveParams } from '../sampling/params.js';
import { conformanceContext } from './conformance.js';

const DIM = 2;
export const latentConformanceModel: ModelDescriptor = {
  id: 'latent-conformance',
  latentDim: DIM,
  outputShape: [DIM],
  outputKind: 'vector',
  realSamples: 0,
  latentGradient: true,
  latentDistribution: 'normal',
};

/** Rows whose first latent lies in this band get a NaN logit (a D that fails there). */
const NAN_BAND: readonly [number, number] = [2.5, 3];

interface Emitted {
  readonly values: number[];
  readonly logit: number;
}

/** A `LatentBatch` over the analytic pair, recording what the sampler does with it. */
class AnalyticBatch implements LatentBatch {
  readonly rows: number;
  readonly latentDim = DIM;
  readonly emitted: Emitted[] = [];
  private readonly rounds = new Map<GradientRound, Float64Array>();
  gradientRows = 0;
  closed = false;

  constructor(
    readonly latents: Float64Array,
    readonly needed: number,
    /** Gradient rows this batch may run before its rounds reject, as a spent budget does. */
    private readonly budget = Infinity,
  ) {
    this.rows = latents.length / DIM;
  }

  async gradient(latents: Float64Array): Promise<GradientRound> {
    expect(this.closed, 'gradient() after move() resolved').toBe(false);
    expect(latents).toBeInstanceOf(Float64Array);
    const rows = latents.length / DIM;
    expect(Number.isInteger(rows) && rows >= 1, `gradient(): ${latents.length} values is not whole rows of ${DIM}`).toBe(true);
    if (this.gradientRows + rows > this.budget) throw new Error('budget exhausted (conformance)');
    this.gradientRows += rows;
    await Promise.resolve(); // a round is never synchronous
    const logits = new Float64Array(rows);
    const gradients = new Float64Array(rows * DIM);
    for (let r = 0; r < rows; r++) {
      let d = 0;
      for (let j = 0; j < DIM; j++) {
        const z = latents[r * DIM + j]!;
        d -= (z - 1) ** 2 / 2;
        gradients[r * DIM + j] = -(z - 1);
      }
      const first = latents[r * DIM]!;
      logits[r] = first >= NAN_BAND[0] && first <= NAN_BAND[1] ? NaN : d;
    }
    const round = { rows, logits, gradients };
    this.rounds.set(round, latents.slice());
    return round;
  }

  emit(round: GradientRound, k: number): void {
    expect(this.closed, 'emit() after move() resolved').toBe(false);
    const z = this.rounds.get(round);
    expect(z, 'emit(): a round this batch ran').toBeDefined();
    expect(Number.isInteger(k) && k >= 0 && k < round.rows, `emit(round, ${k}): a row of the round`).toBe(true);
    expect(Number.isFinite(round.logits[k]), `emit(round, ${k}): a row with a finite logit`).toBe(true);
    if (this.emitted.length >= this.needed) return;
    this.emitted.push({ values: Array.from(z!.subarray(k * DIM, (k + 1) * DIM)), logit: round.logits[k]! });
  }
}

function startingLatents(rows: number, seed: number): Float64Array {
  const random = new Random(seed, 1);
  return Float64Array.from({ length: rows * DIM }, () => 1.5 * random.normal());
}

async function runBatches(plugin: LatentSamplerPlugin, seed: number, params: object = {}): Promise<Emitted[][]> {
  const { params: resolved } = resolveParams(plugin, params, latentConformanceModel);
  const prepared = plugin.prepare ? await plugin.prepare(resolved, conformanceContext(latentConformanceModel)) : undefined;
  const state = plugin.start(resolved, prepared, { model: latentConformanceModel, random: new Random(seed, 4) });
  const out: Emitted[][] = [];
  for (const [rows, needed] of [
    [40, 40],
    [30, 10],
  ] as const) {
    const batch = new AnalyticBatch(startingLatents(rows, seed + rows), needed);
    await state.move(batch);
    batch.closed = true;
    out.push(batch.emitted);
    const report = state.report();
    for (const v of [report.logitMax, report.gamma, ...Object.values(report.details ?? {})]) if (v !== undefined) expect(Number.isFinite(v)).toBe(true);
  }
  return out;
}

export function defineLatentSamplerConformance(factory: () => LatentSamplerPlugin, params: object = {}): void {
  const plugin = factory();
  describe(`latent sampler "${plugin.name}" conforms to contract v${SAMPLER_CONTRACT_VERSION}, latent extension v${LATENT_EXTENSION_VERSION}`, () => {
    it('declares itself fully', () => {
      expect(plugin.contractVersion).toBe(SAMPLER_CONTRACT_VERSION);
      expect(plugin.kind).toBe('latent');
      expect(plugin.latentVersion).toBe(LATENT_EXTENSION_VERSION);
      expect(plugin.name).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(plugin.description.length).toBeGreaterThan(10);
      for (const p of plugin.parameters) {
        expect(p.description.length, p.name).toBeGreaterThan(5);
        if (typeof p.default === 'number' && p.min !== undefined) expect(p.default, p.name).toBeGreaterThanOrEqual(p.min);
        if (typeof p.default === 'number' && p.max !== undefined) expect(p.default, p.name).toBeLessThanOrEqual(p.max);
        if (p.type === 'enum' && p.default !== undefined) expect(p.values, p.name).toContain(p.default);
      }
    });

    it('admits its defaults, and refuses out-of-range values and unknown parameters by name', () => {
      expect(() => resolveParams(plugin, {}, latentConformanceModel)).not.toThrow();
      expect(() => resolveParams(plugin, { notAParameter: 1 }, latentConformanceModel)).toThrow(SamplerParameterError);
      for (const p of plugin.parameters) {
        const bad = p.type === 'enum' ? ['not-a-value'] : [p.min === undefined ? undefined : p.min - 1, p.max === undefined ? undefined : p.max + 1];
        for (const value of bad) {
          if (value === undefined) continue;
          let error: unknown;
          try {
            resolveParams(plugin, { [p.name]: value }, latentConformanceModel);
          } catch (e) {
            error = e;
          }
          expect(error, `${p.name} = ${value}`).toBeInstanceOf(SamplerParameterError);
          expect((error as SamplerParameterError).parameter).toBe(p.name);
        }
      }
    });

    it('outputs only finite-logit rows of its own rounds, at most what is needed, deterministically for a seed', async () => {
      const first = await runBatches(factory(), 7, params);
      expect(first[0]!.length).toBeGreaterThan(0);
      expect(first[0]!.length).toBeLessThanOrEqual(40);
      expect(first[1]!.length).toBeLessThanOrEqual(10);
      expect(await runBatches(factory(), 7, params)).toEqual(first);
      expect(await runBatches(factory(), 8, params)).not.toEqual(first);
    });

    it('keeps each run to itself: two runs moving concurrently output what each outputs alone', async () => {
      const alone = [await runBatches(factory(), 1, params), await runBatches(factory(), 2, params)];
      const shared = factory();
      expect(await Promise.all([runBatches(shared, 1, params), runBatches(shared, 2, params)])).toEqual(alone);
    });

    it('ends move() when a gradient round fails (a spent budget, a cancelled run) instead of hanging', async () => {
      const { params: resolved } = resolveParams(plugin, params, latentConformanceModel);
      const prepared = plugin.prepare ? await plugin.prepare(resolved, conformanceContext(latentConformanceModel)) : undefined;
      const state = factory().start(resolved, prepared, { model: latentConformanceModel, random: new Random(3, 4) });
      const batch = new AnalyticBatch(startingLatents(20, 3), 20, 20);
      await expect(state.move(batch)).rejects.toThrow(/budget exhausted/);
    });
  });
}

/**
 * The conformance suite every sampler plugin must pass (Apollo's integration-suite idea):
 * declaration sanity, admission behaviour, and decide() obeying the contract on awkward input.
 * Call `defineSamplerConformance(factory)` inside a test file.
 */
import { describe, expect, it } from 'vitest';
import { SAMPLER_CONTRACT_VERSION, SamplerParameterError, type BurnIn, type ModelDescriptor, type SamplerPlugin } from '../contracts.js';
import { resolveParams } from '../sampling/params.js';

const model: ModelDescriptor = { id: 'conformance', latentDim: 2, outputShape: [2], outputKind: 'vector' };

/** A burn-in of logits spread over [-8, 2], as a real D gives. */
function burnIn(count: number): Promise<BurnIn> {
  const logits = Float64Array.from({ length: count }, (_, i) => -8 + (10 * i) / (count - 1));
  return Promise.resolve({ logits, logitMax: 2, proposed: count });
}

export function defineSamplerConformance(factory: () => SamplerPlugin): void {
  const plugin = factory();
  describe(`sampler "${plugin.name}" conforms to contract v${SAMPLER_CONTRACT_VERSION}`, () => {
    it('declares itself fully', () => {
      expect(plugin.contractVersion).toBe(SAMPLER_CONTRACT_VERSION);
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
      }
    });

    it('is a fresh object per factory call (no shared module state)', () => {
      expect(factory()).not.toBe(factory());
    });

    it('admits its defaults and refuses an unknown parameter by name', () => {
      expect(() => resolveParams(plugin, {})).not.toThrow();
      expect(() => resolveParams(plugin, { notAParameter: 1 })).toThrow(SamplerParameterError);
    });

    it('refuses every numeric parameter just outside its range, naming it', () => {
      for (const p of plugin.parameters) {
        for (const bad of [p.min === undefined ? undefined : p.min - 1, p.max === undefined ? undefined : p.max + 1]) {
          if (bad === undefined) continue;
          let error: unknown;
          try {
            resolveParams(plugin, { [p.name]: bad });
          } catch (e) {
            error = e;
          }
          expect(error, `${p.name} = ${bad}`).toBeInstanceOf(SamplerParameterError);
          expect((error as SamplerParameterError).parameter).toBe(p.name);
        }
      }
    });

    it('decides every batch with one probability in [0, 1] per logit, deterministically', async () => {
      const { params } = resolveParams(plugin, {});
      const prepared = plugin.prepare ? await plugin.prepare(params, { model, burnIn }) : undefined;
      const batches = [
        Float64Array.from([0.5, -1, 3, -700, 700, 2, 2, -2]),
        Float64Array.from([1e-9]),
        Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 6),
      ];
      const decideAll = () => {
        const state = plugin.start(params, prepared, model);
        return batches.map((b) => Array.from(state.decide(b)));
      };
      const first = decideAll();
      first.forEach((p, i) => {
        expect(p).toHaveLength(batches[i]!.length);
        for (const v of p) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
      });
      expect(decideAll()).toEqual(first);
      const report = plugin.start(params, prepared, model).report();
      for (const v of [report.logitMax, report.gamma, ...Object.values(report.details ?? {})]) {
        if (v !== undefined) expect(Number.isFinite(v)).toBe(true);
      }
    });

    it('never gives a lower logit a higher probability within one batch when γ and the max are fixed', async () => {
      const { params } = resolveParams(plugin, {});
      const prepared = plugin.prepare ? await plugin.prepare(params, { model, burnIn }) : undefined;
      const logits = Float64Array.from({ length: 200 }, (_, i) => -6 + i * 0.04); // ascending, below the burn-in max of 2
      const p = plugin.start(params, prepared, model).decide(logits);
      for (let i = 1; i < p.length; i++) expect(p[i]!).toBeGreaterThanOrEqual(p[i - 1]! - 1e-12);
    });
  });
}

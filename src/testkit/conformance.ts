/**
 * The conformance suite every sampler plugin must pass (Apollo's integration-suite idea):
 * declaration sanity, admission behaviour, decide() obeying the contract on awkward input, and
 * runs that keep their state to themselves. Call `defineSamplerConformance(factory)` inside a
 * test file.
 */
import { describe, expect, it } from 'vitest';
import { SAMPLER_CONTRACT_VERSION, SamplerParameterError, type BurnIn, type ModelDescriptor, type SamplerPlugin, type SamplerReport, type SamplerState } from '../contracts.js';
import { resolveParams } from '../sampling/params.js';

const model: ModelDescriptor = { id: 'conformance', latentDim: 2, outputShape: [2], outputKind: 'vector' };

/** A burn-in of logits spread over [-8, 2], as a real D gives. */
function burnIn(count: number): Promise<BurnIn> {
  const logits = Float64Array.from({ length: count }, (_, i) => -8 + (10 * i) / (count - 1));
  return Promise.resolve({ logits, logitMax: 2, proposed: count });
}

/** What one run decided, batch by batch, and its final report. */
interface RunRecord {
  readonly decisions: number[][];
  readonly report: SamplerReport;
}

/**
 * Two logit streams for the isolation check. A stays low and B climbs far above the burn-in max
 * of 2, so any running max, γ or threshold that leaks from B's run into A's (or back) changes
 * what the other run decides.
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

/**
 * Checks that a sampler keeps each run's state in that run: two runs interleaved batch by batch
 * on different logit streams, both started before either decides, must each decide (and report)
 * exactly as when run alone. Runs both as two `start()` states of one plugin and as states of two
 * plugins from two factory calls, so state kept in the factory's closure or in module scope both
 * show. Throws (a failed expectation) when a run's decisions depend on the other.
 */
export async function checkRunIsolation(factory: () => SamplerPlugin): Promise<void> {
  const starter = async (plugin: SamplerPlugin): Promise<() => SamplerState> => {
    const { params } = resolveParams(plugin, {});
    const prepared = plugin.prepare ? await plugin.prepare(params, { model, burnIn }) : undefined;
    return () => plugin.start(params, prepared, model);
  };
  const alone = (start: () => SamplerState, stream: Float64Array[]): RunRecord => {
    const state = start();
    const decisions = stream.map((b) => Array.from(state.decide(b)));
    return { decisions, report: state.report() };
  };
  const interleaved = (startA: () => SamplerState, startB: () => SamplerState): [RunRecord, RunRecord] => {
    const a = startA();
    const b = startB();
    const da: number[][] = [];
    const db: number[][] = [];
    for (let i = 0; i < Math.max(STREAM_A.length, STREAM_B.length); i++) {
      if (STREAM_A[i]) da.push(Array.from(a.decide(STREAM_A[i]!)));
      if (STREAM_B[i]) db.push(Array.from(b.decide(STREAM_B[i]!)));
    }
    return [
      { decisions: da, report: a.report() },
      { decisions: db, report: b.report() },
    ];
  };

  const startOne = await starter(factory());
  const soloA = alone(startOne, STREAM_A);
  const soloB = alone(startOne, STREAM_B);
  const [a1, b1] = interleaved(startOne, startOne);
  expect(a1, 'run A interleaved with run B (two start() states of one plugin)').toEqual(soloA);
  expect(b1, 'run B interleaved with run A (two start() states of one plugin)').toEqual(soloB);
  const startTwo = await starter(factory());
  const [a2, b2] = interleaved(startOne, startTwo);
  expect(a2, 'run A interleaved with run B (plugins from two factory calls)').toEqual(soloA);
  expect(b2, 'run B interleaved with run A (plugins from two factory calls)').toEqual(soloB);
  expect(alone(startTwo, STREAM_A), 'run A alone again, after the other runs').toEqual(soloA);
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

    it('keeps each run’s state to itself: interleaved runs decide exactly as each does alone', async () => {
      await checkRunIsolation(factory);
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

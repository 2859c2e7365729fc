/**
 * Class-conditional sampling through the engine on the bundled fashion-mnist-cond (real ONNX
 * files in the workers): the class is admitted only where it belongs, G and D really get it,
 * every sampler draws the requested class, and burn-in, real data and calibration are per class.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { Random } from '../../src/random.js';
import { SamplingEngine } from '../../src/sampling/engine.js';
import { allSamplers } from '../helpers/engine.js';
import { COND_DIR, COND_ID, calibrationLabels, conditionalModelsDir } from '../helpers/conditional.js';

const models = conditionalModelsDir();
let engine: SamplingEngine;
beforeAll(async () => {
  engine = await SamplingEngine.create({ modelsDir: models.dir, samplers: allSamplers(), pool: { workers: 1, intraOpNumThreads: 2 } });
});
afterAll(async () => {
  await engine?.close();
  models.cleanup();
});

const refusal = (request: Parameters<SamplingEngine['admit']>[0]): unknown => {
  try {
    engine.admit(request);
  } catch (error) {
    return error;
  }
  return null;
};

describe('class-conditional sampling (fashion-mnist-cond)', () => {
  it('loads READY with the label input in its signature', () => {
    const model = engine.readyModel(COND_ID);
    expect(model.signature).toEqual({ generatorInput: 'z', generatorOutput: 'x', discriminatorInput: 'x', discriminatorOutput: 'logit', labelInput: 'label' });
    expect(model.manifest.conditioning?.labels).toHaveLength(10);
    expect(model.realLabels).toHaveLength(2000);
  });

  it('requires classLabel on a conditional model, in range, and refuses it elsewhere (BAD_USER_INPUT naming the field)', () => {
    const base = { modelId: COND_ID, sampler: { name: 'naive' }, count: 1 };
    const missing = refusal(base);
    expect(missing).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, details: { field: 'classLabel' } });
    expect((missing as Error).message).toMatch(
      /^classLabel: model "fashion-mnist-cond" is class-conditional: give the class to sample \(0 T-shirt\/top, 1 Trouser, .*9 Ankle boot\)$/,
    );
    for (const bad of [10, -1, 1.5]) {
      const error = refusal({ ...base, classLabel: bad });
      expect(error).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, details: { field: 'classLabel' } });
      expect((error as Error).message).toContain(`must be an integer from 0 to 9 for model "fashion-mnist-cond"`);
      expect((error as Error).message).toContain(`got ${bad}`);
    }
    const unconditional = refusal({ modelId: 'uniform-gaussian-1d', sampler: { name: 'naive' }, count: 1, classLabel: 0 });
    expect(unconditional).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, details: { field: 'classLabel' } });
    expect((unconditional as Error).message).toBe('classLabel: model "uniform-gaussian-1d" is not class-conditional; leave classLabel out (got 0)');
    expect(engine.admit({ ...base, classLabel: 9 }).classLabel).toBe(9);
  });

  it('feeds the class to G and D: the run equals G(z, k) and D(x, k) computed directly', async () => {
    const k = 3;
    const rows = 8;
    const run = await engine.sampleAll({ modelId: COND_ID, sampler: { name: 'naive' }, count: rows, seed: 5, batchSize: rows, classLabel: k });
    const other = await engine.sampleAll({ modelId: COND_ID, sampler: { name: 'naive' }, count: rows, seed: 5, batchSize: rows, classLabel: 8 });
    const open = (f: string) => ort.InferenceSession.create(join(COND_DIR, f), { intraOpNumThreads: 1 });
    const [g, d] = await Promise.all([open('generator.onnx'), open('discriminator.onnx')]);
    try {
      const labels = new ort.Tensor('int64', new BigInt64Array(rows).fill(BigInt(k)), [rows]);
      // The run's first round draws its latents from Random(seed, 1) (src/sampling/run.ts).
      const z = new Random(5, 1).latents(rows, 64, 'normal');
      const x = (await g.run({ z: new ort.Tensor('float32', z, [rows, 64]), label: labels })).x!.data as Float32Array;
      const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
      expect(maxDiff(run.samples, x)).toBeLessThan(1e-4); // kernels may sum in another order per batch
      const logits = (await d.run({ x: new ort.Tensor('float32', x, [rows, 1, 28, 28]), label: labels })).logit!.data as Float32Array;
      expect(maxDiff(run.logits, logits)).toBeLessThan(1e-4);
      // Same latents, another class: other images (class 8 is a bag, class 3 a dress).
      expect(maxDiff(run.samples, other.samples)).toBeGreaterThan(0.5);
    } finally {
      await Promise.all([g.release(), d.release()]);
    }
  });

  it.each([
    ['naive', {}],
    ['threshold', { percentile: 50, burnInSamples: 1000 }],
    ['drs', { burnInSamples: 1000 }],
    ['drs', { gamma: 0, burnInSamples: 1000, calibration: 'isotonic' }],
    ['mh', { chainLength: 20 }],
  ])('%s %j draws the requested class (class accuracy from the bundled classifier)', async (name, params) => {
    // Trouser: the model card measures class accuracy 1.000 for naive samples (1,000 of them);
    // 0.8 over 30 samples leaves room for 6 misses, far more than the card's rate predicts.
    const r = await engine.sampleAll({ modelId: COND_ID, sampler: { name, params }, count: 30, seed: 2, classLabel: 1, maxProposals: 100_000 });
    expect(r.count).toBe(30);
    const image = (await engine.evaluate(COND_ID, r, { image: true }, 1)).image!;
    expect(image.classLabel).toBe(1);
    expect(image.frechetOfClass).toBe(true);
    expect(image.classAccuracy).toBeGreaterThan(0.8);
    expect(image.classAccuracy).toBe(image.classHistogram[1]! / 30);
  });

  it('DRS raises the class accuracy of a class G renders poorly (Pullover)', async () => {
    // The card (PyTorch, 1,000 samples per class): Pullover 0.663 naive → 0.737 with DRS at the
    // 95th percentile. With 300 samples each, the difference's s.e. is about 0.037, so a gain
    // of 0.07 is about 2 s.e.: the fixed seed makes the test deterministic, and the assertion
    // only asks for a gain (this seed's is printed by npm run compare -- --class 2).
    const request = { modelId: COND_ID, count: 300, seed: 11, classLabel: 2 };
    const naive = await engine.sampleAll({ ...request, sampler: { name: 'naive' } });
    const drs = await engine.sampleAll({ ...request, sampler: { name: 'drs', params: { burnInSamples: 5000 } } });
    const [a, b] = await Promise.all([naive, drs].map(async (r) => (await engine.evaluate(COND_ID, r, { image: true }, 2)).image!));
    expect(b!.classAccuracy!).toBeGreaterThan(a!.classAccuracy!);
    expect(drs.stats.acceptanceRate).toBeLessThan(0.5);
  }, 300_000); // a 5,000-proposal burn-in and ~1,200 proposals of 28×28 G → D on a shared CPU

  it('keeps burn-ins per class, seeded by model, size and class only', async () => {
    const first = await engine.burnIn(engine.readyModel(COND_ID), 500, 4);
    const again = await engine.burnIn(engine.readyModel(COND_ID), 500, 4);
    const otherClass = await engine.burnIn(engine.readyModel(COND_ID), 500, 5);
    expect(again).toBe(first);
    expect(otherClass.logitMax).not.toBe(first.logitMax);
    const facts = (await engine.burnInFacts(COND_ID)).filter((f) => f.count === 500);
    expect(facts.map((f) => f.classLabel)).toEqual([4, 5]);
  });

  it('calibrates per class, each on the real samples of its class', async () => {
    const labels = calibrationLabels(readFileSync(join(COND_DIR, 'calibration-labels.i64')));
    const reports = (await engine.calibration(COND_ID))!;
    expect(reports).toHaveLength(20); // platt and isotonic × 10 classes
    for (let k = 0; k < 10; k++) {
      const ofClass = reports.filter((r) => r.classLabel === k);
      expect(ofClass.map((r) => r.method)).toEqual(['platt', 'isotonic']);
      for (const r of ofClass) expect(r.count).toBe(labels.filter((l) => l === k).length);
    }
  });

  it("reports a conditional model's batches under its id, whatever the class (observers, Prometheus)", async () => {
    const seen: string[] = [];
    const stop = engine.observe({ batch: (timing) => void seen.push(timing.modelId) });
    try {
      await engine.sampleAll({ modelId: COND_ID, sampler: { name: 'naive' }, count: 4, seed: 1, classLabel: 5 });
    } finally {
      stop();
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([COND_ID]));
  });

  it('scores unlabelled samples of a conditional model without class metrics', async () => {
    const r = await engine.sampleAll({ modelId: COND_ID, sampler: { name: 'naive' }, count: 10, seed: 1, classLabel: 0 });
    const image = (await engine.evaluate(COND_ID, r, { image: true })).image!;
    expect(image).toMatchObject({ classLabel: null, classAccuracy: null, frechetOfClass: false });
  });
});

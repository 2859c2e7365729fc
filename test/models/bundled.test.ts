/** Every bundled model loads through the repository and serves every sampler. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_MODELS_DIR, type ReadyModel } from '../../src/models/repository.js';
import { SamplingEngine } from '../../src/sampling/engine.js';
import { allSamplers } from '../helpers/engine.js';

let engine: SamplingEngine;
beforeAll(async () => {
  engine = await SamplingEngine.create({ modelsDir: BUNDLED_MODELS_DIR, samplers: allSamplers(), pool: { workers: 1, intraOpNumThreads: 2 } });
});
afterAll(() => engine.close());

const SAMPLERS = [
  { name: 'naive', params: {} },
  { name: 'threshold', params: { percentile: 50, burnInSamples: 2000 } },
  { name: 'drs', params: { gamma: 0, burnInSamples: 2000 } },
  { name: 'drs', params: { burnInSamples: 2000 } },
  { name: 'mh', params: { chainLength: 50 } },
];

describe('bundled models', () => {
  it('are the demo GANs, all READY', () => {
    const models = engine.models();
    expect(models.map((m) => m.id)).toEqual(expect.arrayContaining(['fashion-mnist', 'fashion-mnist-cond', 'gaussians25']));
    for (const m of models) expect(m.status, m.status === 'FAILED' ? m.error : m.id).toBe('READY');
  });

  it.each([
    ['gaussians25', null],
    ['fashion-mnist', null],
    ['fashion-mnist-cond', 0],
    ['fashion-mnist-cond', 9],
  ])('%s (class %s) serves a few samples from every sampler', async (id, classLabel) => {
    const model = engine.readyModel(id);
    const [lo, hi] = model.manifest.output.range ?? [-Infinity, Infinity];
    for (const sampler of SAMPLERS) {
      const r = await engine.sampleAll({ modelId: id, sampler, count: 8, seed: 3, maxProposals: 200_000, classLabel });
      expect(r.count, sampler.name).toBe(8);
      expect(r.samples.length).toBe(8 * model.sampleSize);
      for (const v of r.samples) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(lo - 1e-6);
        expect(v).toBeLessThanOrEqual(hi + 1e-6);
      }
    }
  });

  it('carry their evaluation and calibration data', () => {
    const g25 = engine.readyModel('gaussians25');
    expect(g25.manifest.evaluation?.mixture2d?.centers).toHaveLength(25);
    expect(g25.manifest.evaluation?.mixture2d?.sigma).toBe(0.05);
    const fm = engine.readyModel('fashion-mnist');
    const classifier = fm.manifest.evaluation?.classifier;
    expect(classifier?.classes).toHaveLength(10);
    const real = JSON.parse(readFileSync(join(fm.dir, classifier!.realFeatures), 'utf8'));
    expect(real.mean).toHaveLength(real.dim);
    expect(real.covariance).toHaveLength(real.dim);
    const cond = engine.readyModel('fashion-mnist-cond');
    expect(cond.manifest.conditioning?.labels).toEqual(classifier?.classes);
    expect(cond.realLabels).toHaveLength(cond.manifest.calibration!.count);
    const perClass = JSON.parse(readFileSync(join(cond.dir, cond.manifest.evaluation!.classifier!.realFeatures), 'utf8'));
    expect(perClass.classes.map((c: { count: number }) => c.count)).toEqual(Array(10).fill(1000)); // the test set's images of each class
    for (const m of [g25, fm, cond] as ReadyModel[]) {
      const c = m.manifest.calibration!;
      const file = join(m.dir, c.realSamples);
      expect(existsSync(file)).toBe(true);
      expect(readFileSync(file).length).toBe(c.count * m.sampleSize * 4);
    }
  });
});

/**
 * Quality metrics end to end on the bundled models: the classifier runs in the workers, the
 * Fréchet distance separates real held-out images from generated ones, running metrics equal
 * one-shot metrics, and the 25-Gaussians metrics score real samples as near-perfect.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_MODELS_DIR } from '../../src/models/repository.js';
import { SamplingEngine } from '../../src/sampling/engine.js';
import { allSamplers } from '../helpers/engine.js';

let engine: SamplingEngine;
beforeAll(async () => {
  engine = await SamplingEngine.create({ modelsDir: BUNDLED_MODELS_DIR, samplers: allSamplers(), pool: { workers: 1, intraOpNumThreads: 2 } });
});
afterAll(() => engine.close());

function calibration(id: string, count: number): Float32Array {
  const model = engine.readyModel(id);
  const bytes = readFileSync(join(model.dir, model.manifest.calibration!.realSamples));
  return new Float32Array(bytes.buffer, bytes.byteOffset, count * model.sampleSize).slice();
}

describe('image metrics (fashion-mnist, bundled classifier)', () => {
  it('rate held-out real images far closer to the real data than generated ones', async () => {
    const real = await engine.evaluate('fashion-mnist', { samples: calibration('fashion-mnist', 1000), count: 1000 });
    const fake = await engine.sampleAll({ modelId: 'fashion-mnist', sampler: { name: 'naive' }, count: 1000, seed: 1 });
    const generated = await engine.evaluate('fashion-mnist', fake);
    expect(real.mixture2d).toBeUndefined();
    expect(real.image!.count).toBe(1000);
    expect(real.image!.frechetDistance!).toBeLessThan(generated.image!.frechetDistance! / 3);
    // Real test images are class-balanced: entropy near ln 10 ≈ 2.30; confident classifier.
    expect(real.image!.classEntropy).toBeGreaterThan(2.2);
    expect(real.image!.meanConfidence).toBeGreaterThan(0.8);
    expect(real.image!.classHistogram.reduce((a, b) => a + b, 0)).toBe(1000);
  });

  it('running metrics over chunks equal the metrics of the whole set', async () => {
    const model = engine.readyModel('fashion-mnist');
    const images = calibration('fashion-mnist', 600);
    const whole = await engine.evaluate('fashion-mnist', { samples: images, count: 600 });
    const running = engine.metricsAccumulator(model);
    for (const [start, end] of [
      [0, 100],
      [100, 101],
      [101, 600],
    ] as const) {
      await running.add(images.slice(start * 784, end * 784), end - start);
    }
    const chunked = running.snapshot();
    expect(chunked.image!.classHistogram).toEqual(whole.image!.classHistogram);
    expect(chunked.image!.frechetDistance!).toBeCloseTo(whole.image!.frechetDistance!, 6);
    expect(chunked.image!.meanConfidence).toBeCloseTo(whole.image!.meanConfidence, 9);
  });
});

describe('mixture metrics (gaussians25)', () => {
  it('score held-out real samples as near-perfect', async () => {
    const m = (await engine.evaluate('gaussians25', { samples: calibration('gaussians25', 5000), count: 5000 })).mixture2d!;
    expect(m.highQualityShare).toBeGreaterThan(0.999); // P(|N(0,σ²I)| > 4σ in 2-D) = e^-8 ≈ 3e-4
    expect(m.recoveredModes).toBe(25);
    expect(m.highQualityStd).toBeGreaterThan(0.047); // σ = 0.05, 5000 samples: s.e. ≈ 0.0004
    expect(m.highQualityStd).toBeLessThan(0.053);
    expect(m.modeKL).toBeLessThan(0.01);
  });
});

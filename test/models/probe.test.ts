/** The load-time probe: faulty pairs load FAILED with a clear message; good ones, even partly-NaN ones, stay READY. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PROBE_ROWS, probeLatents } from '../../src/models/probe.js';
import { loadModel, loadModelRepository, type ModelEntry } from '../../src/models/repository.js';
import { FIXTURE_MODELS_DIR } from '../helpers/engine.js';

/** Pairs that must load FAILED; kept out of FIXTURE_MODELS_DIR so other tests see only READY models. */
const FAULTY_MODELS_DIR = fileURLToPath(new URL('../fixtures/faulty-models', import.meta.url));

const tmp = mkdtempSync(join(tmpdir(), 'gan-probe-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const errorOf = (entry: ModelEntry | undefined): string => (entry?.status === 'FAILED' ? entry.error : `not FAILED: ${entry?.status}`);
const EVAL_HINT = /export the model in eval mode \(model\.eval\(\) before torch\.onnx\.export\), without BatchNorm in training mode or minibatch-statistics layers/;

describe('load-time probe', () => {
  const faulty: [string, RegExp][] = [
    ['nan-discriminator-1d', /^nan-discriminator-1d\/discriminator\.onnx: every probe score is invalid on generator\.onnx's output for 64 seeded latents: 64 of 64 are NaN\/±Inf \(64 NaN, 0 ±Inf\); a discriminator must return finite logits$/],
    ['probability-above-one-1d', /^probability-above-one-1d\/discriminator\.onnx: every probe score is invalid .*: 64 of 64 are NaN\/±Inf or outside \[0, 1\] \(0 NaN, [1-9]\d* ±Inf, [1-9]\d* outside \[0, 1\]\); a probability-output discriminator must return values in \[0, 1\]$/],
    ['batch-mean-discriminator-1d', /^batch-mean-discriminator-1d\/discriminator\.onnx: the discriminator scores each row depending on the other rows in its batch \(probe row 0: \S+ in a batch of 64, \S+ in a batch of 8 in reverse order; allowed \|Δ\| ≤ 1e-4·\(1\+\|value\|\)\)/],
    ['inf-generator-1d', /^inf-generator-1d\/generator\.onnx: every probe sample contains NaN\/±Inf \(64 of 64 samples from 64 seeded latents\); the generator is broken$/],
    ['batch-mean-generator-1d', /^batch-mean-generator-1d\/generator\.onnx: the generator computes each row depending on the other rows in its batch \(probe row 0: /],
  ];

  it.each(faulty)('%s loads FAILED with a clear error', async (id, message) => {
    const error = errorOf(await loadModel(join(FAULTY_MODELS_DIR, id), id));
    expect(error).toMatch(message);
    if (id.startsWith('batch-mean')) expect(error).toMatch(EVAL_HINT);
  });

  it('fails every faulty pair, naming files relative to the models folder', async () => {
    const repo = await loadModelRepository(FAULTY_MODELS_DIR);
    expect(repo.list().map((m) => m.id).sort()).toEqual(faulty.map(([id]) => id).sort());
    expect(repo.ready()).toEqual([]);
    for (const m of repo.list()) {
      const error = errorOf(m);
      expect(error).not.toContain(FAULTY_MODELS_DIR);
      expect(error, 'no absolute path').not.toMatch(/(^|[\s('"])\//);
    }
  });

  it('keeps every fixture READY; nan-logits-1d (NaN for about half its inputs) included', async () => {
    const repo = await loadModelRepository(FIXTURE_MODELS_DIR);
    for (const m of repo.list()) expect(m.status, errorOf(m)).toBe('READY');
    const nan = repo.get('nan-logits-1d');
    if (nan?.status !== 'READY') throw new Error(errorOf(nan));
    expect(nan.probe.rows).toBe(PROBE_ROWS);
    expect(nan.probe.invalidScores).toBeGreaterThan(PROBE_ROWS / 4);
    expect(nan.probe.invalidScores).toBeLessThan((PROBE_ROWS * 3) / 4);
    const good = repo.get('uniform-gaussian-1d');
    expect(good?.status === 'READY' && good.probe).toEqual({ rows: PROBE_ROWS, nonFiniteSamples: 0, invalidScores: 0 });
  });

  it('counts values outside [0, 1] as invalid only for a probability output', async () => {
    // The same D as logits: > 1 is a fine logit, only the +Inf scores are invalid.
    const dir = join(tmp, 'above-one-as-logit');
    cpSync(join(FAULTY_MODELS_DIR, 'probability-above-one-1d'), dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, id: 'above-one-as-logit', discriminatorOutput: 'logit' }));
    const entry = await loadModel(dir, 'above-one-as-logit');
    if (entry.status !== 'READY') throw new Error(entry.error);
    expect(entry.probe.invalidScores).toBeGreaterThan(0);
    expect(entry.probe.invalidScores).toBeLessThan(PROBE_ROWS);
  });

  it('is deterministic: the same latents and the same verdicts on every load', async () => {
    for (const distribution of ['normal', 'uniform'] as const) {
      const a = probeLatents({ dim: 3, distribution });
      expect(a.length).toBe(PROBE_ROWS * 3);
      expect(probeLatents({ dim: 3, distribution })).toEqual(a);
      expect(a.every(Number.isFinite)).toBe(true);
      if (distribution === 'uniform') expect(a.every((v) => v >= -1 && v <= 1)).toBe(true);
      else expect(a.some((v) => Math.abs(v) > 1)).toBe(true);
    }
    const load = async (root: string, id: string) => loadModel(join(root, id), id);
    const first = await load(FIXTURE_MODELS_DIR, 'nan-logits-1d');
    const second = await load(FIXTURE_MODELS_DIR, 'nan-logits-1d');
    expect(first.status === 'READY' && first.probe).toEqual(second.status === 'READY' && second.probe);
    for (const [id] of faulty) expect(errorOf(await load(FAULTY_MODELS_DIR, id))).toBe(errorOf(await load(FAULTY_MODELS_DIR, id)));
  });
});

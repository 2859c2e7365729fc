import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SamplingError } from '../../src/errors.js';
import { compareSamplers } from '../../src/sampling/compare.js';
import type { SamplingEngine } from '../../src/sampling/engine.js';
import { FIXTURE_MODELS_DIR, createTestEngine } from '../helpers/engine.js';

let engine: SamplingEngine;
beforeAll(async () => {
  ({ engine } = await createTestEngine());
});
afterAll(() => engine.close());

describe('compareSamplers', () => {
  it('runs every sampler on the same proposals (same seed)', async () => {
    const entries = await compareSamplers(engine, {
      modelId: 'gaussian-mixture-1d',
      samplers: [{ name: 'naive' }, { name: 'drs', params: { gamma: 0 } }, { name: 'threshold', params: { logitThreshold: 0 } }],
      count: 400,
      seed: 9,
    });
    expect(entries.map((e) => e.outcome?.count)).toEqual([400, 400, 400]);
    const [, drs, threshold] = entries.map((e) => e.outcome!);
    // naive accepts every proposal, so a long naive run with the seed is the proposal sequence
    // itself; the compared samplers accept from that same sequence, in order.
    const proposals = Array.from((await engine.sampleAll({ modelId: 'gaussian-mixture-1d', sampler: { name: 'naive' }, count: 4000, seed: 9 })).samples);
    for (const other of [drs!, threshold!]) {
      const within = proposals.slice(0, other.stats.proposed);
      let cursor = 0;
      for (const x of other.samples) {
        cursor = within.indexOf(x, cursor) + 1;
        expect(cursor).toBeGreaterThan(0);
      }
    }
    expect(entries.every((e) => e.error === null)).toBe(true);
  });

  it('reports a failing run without sinking the others, and validates all configurations first', async () => {
    const entries = await compareSamplers(engine, {
      modelId: 'uniform-gaussian-1d',
      samplers: [{ name: 'naive' }, { name: 'threshold', params: { logitThreshold: 50 } }],
      count: 100,
      seed: 1,
      maxProposals: 1000,
    });
    expect(entries[0]!.outcome?.count).toBe(100);
    expect(entries[1]!.outcome).toBeNull();
    expect((entries[1]!.error as SamplingError).code).toBe('PROPOSAL_BUDGET_EXHAUSTED');
    await expect(
      compareSamplers(engine, { modelId: 'uniform-gaussian-1d', samplers: [{ name: 'naive' }, { name: 'drs', params: { gama: 1 } }], count: 10 }),
    ).rejects.toThrow(/parameter "gama": unknown parameter/);
    await expect(compareSamplers(engine, { modelId: 'uniform-gaussian-1d', samplers: [], count: 10 })).rejects.toThrow(/at least one sampler/);
  });
});

describe('npm run compare', () => {
  const out = mkdtempSync(join(tmpdir(), 'compare-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('prints a table and writes CSV and PNG', async () => {
    const csv = join(out, 'samples.csv');
    const png = join(out, 'plot.png');
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/compare.ts',
        '--models-dir',
        FIXTURE_MODELS_DIR,
        '--model',
        'uniform-gaussian-1d',
        '--count',
        '300',
        '--seed',
        '4',
        '--csv',
        csv,
        '--png',
        png,
      ],
      { env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(stderr).toMatch(/\[#+\.*\]\s+\d+%/); // progress bar
    const rows = stdout.split('\n').filter((l) => l.startsWith('| '));
    expect(rows[0]).toMatch(/\| sampler\s+\| outputs \| proposed \| accept % \| per output/);
    const drs = rows.find((r) => r.startsWith('| drs gamma=0 '))!;
    const rate = Number(drs.split('|')[4]);
    expect(rate).toBeGreaterThan(35); // 1/M ≈ 41.8 %
    expect(rate).toBeLessThan(50);
    expect(rows.find((r) => r.startsWith('| mh '))).toMatch(/\| 640\.0\s+\|/); // proposals per output: one chain each
    expect(readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(1 + 10 * 300);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    const width = bytes.readUInt32BE(16);
    expect(width).toBe(10 * 310 + 10);
    expect(inflateSync(bytes.subarray(41, 33 + bytes.readUInt32BE(33) + 8)).length).toBeGreaterThan(0);
  });

  it('names a bad argument', async () => {
    const run = promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      'scripts/compare.ts',
      '--models-dir',
      FIXTURE_MODELS_DIR,
      '--model',
      'nope',
      '--count',
      '10',
    ]);
    await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/compare: --model: model "nope" not found/) });
  });
});

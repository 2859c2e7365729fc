/** A smoke run of `npm run bench` at tiny sizes: the harness runs end to end and prints every row. */
import { describe, expect, it } from 'vitest';
import { QUICK_SIZES, runBench } from '../../bench/suite.js';

describe('npm run bench (smoke, tiny sizes)', () => {
  it('measures both demo models and prints every row of the table', async () => {
    const lines: string[] = [];
    await runBench({ models: ['gaussians25', 'fashion-mnist'], sizes: () => QUICK_SIZES, reps: 1, print: (line) => lines.push(line) });
    const text = lines.join('\n');
    expect(lines[0]).toMatch(/^bench · \d+ cores .* worker\(s\) × \d+ intra-op thread\(s\)/);
    for (const model of ['gaussians25', 'fashion-mnist']) {
      const table = text.slice(text.indexOf(`## ${model}`)).split('\n## ')[0]!;
      for (const row of [
        '(a) bare G→D loop',
        '(b) engine',
        '(c) GraphQL sample, samplesBase64',
        '(c) GraphQL sample, samples { values }',
        '(c) GraphQL sample, sampleValues',
        '(d) sampleStream',
        '(e) DRS',
        'lone sample, count 100',
        '(f) 4 clients × 2 rounds of 16, batched',
        '(f) 4 clients × 2 rounds of 16, unbatched',
        '(f) one client',
        '(g) event-loop lag',
        '(h) RSS growth',
      ]) {
        expect(table, `${model}: ${row}`).toContain(`| ${row}`);
      }
      // every measured rate is a positive number
      for (const rate of table.matchAll(/\| ([\d,]+) proposals\/s/g)) expect(Number(rate[1]!.replace(/,/g, ''))).toBeGreaterThan(0);
    }
    expect(text).toMatch(/gaussians25[\s\S]*≥ 0\.85 (PASS|MISS)/); // targets are checked
  });
});

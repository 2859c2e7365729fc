/** `npm run compare` output: the Table-1 style table, the samples as CSV, the plot as PNG. */
import { writeFileSync } from 'node:fs';
import { encodePng } from '../../src/images/png-encoder.js';
import { Raster, imageGrid, scatter } from '../../src/images/plot.js';
import type { SampleMetrics } from '../../src/evaluation/evaluator.js';
import type { CompareEntry, SamplerSpec } from '../../src/sampling/compare.js';
import type { SampleOutcome } from '../../src/sampling/outcome.js';

export const label = (s: SamplerSpec): string =>
  s.params && Object.keys(s.params).length > 0
    ? `${s.name} ${Object.entries(s.params)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ')}`
    : s.name;
const num = (v: number | null | undefined, digits: number): string => (v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits));

/** A compared configuration with its metrics computed. */
export interface Scored extends CompareEntry {
  readonly metrics: SampleMetrics | null;
}

export function table(entries: Scored[]): string {
  const head = ['sampler', 'outputs', 'proposed', 'accept %', 'per output', 'D̃_M end', 'γ mean'];
  const first = entries.find((e) => e.metrics)?.metrics;
  if (first?.mixture2d) head.push('% HQ', 'std HQ', 'modes', 'KL', 'JSD');
  if (first?.image) head.push(first.image.frechetOfClass ? 'Fréchet (clf, class)' : 'Fréchet (clf)', 'class H', 'confidence');
  const conditional = first?.image?.classAccuracy != null;
  if (conditional) head.push('class acc');
  head.push('ms');
  const rows = entries.map((e) => {
    if (!e.outcome) return [label(e.sampler), 'failed (see below)', ...head.slice(2).map(() => '')];
    const s = e.outcome.stats;
    const row = [
      label(e.sampler),
      String(e.outcome.count),
      String(s.proposed),
      num(100 * s.acceptanceRate, 2),
      num(s.proposalsPerOutput, 1),
      num(s.logitMaxEnd, 3),
      num(s.gammaMean, 3),
    ];
    const m = e.metrics;
    if (m?.mixture2d)
      row.push(
        num(100 * m.mixture2d.highQualityShare, 1),
        num(m.mixture2d.highQualityStd, 4),
        `${m.mixture2d.recoveredModes}/${m.mixture2d.modeCount}`,
        num(m.mixture2d.modeKL, 4),
        num(m.mixture2d.modeJSD, 4),
      );
    if (m?.image) row.push(num(m.image.frechetDistance, 3), num(m.image.classEntropy, 3), num(m.image.meanConfidence, 3));
    if (conditional) row.push(num(m?.image?.classAccuracy, 3));
    row.push(num(s.elapsedMs, 0));
    return row;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const failures = entries.filter((e) => !e.outcome).map((e) => `- ${label(e.sampler)}: ${e.error?.message ?? 'unknown error'}`);
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line), ...(failures.length ? ['', ...failures] : [])].join('\n');
}

export function writeCsv(file: string, entries: CompareEntry[]): void {
  const size = entries.find((e) => e.outcome)?.outcome?.sampleSize ?? 0;
  const lines = [['sampler', 'index', ...Array.from({ length: size }, (_, j) => `v${j}`), 'logit', 'acceptanceProbability'].join(',')];
  for (const e of entries) {
    const o = e.outcome;
    if (!o) continue;
    const name = `"${label(e.sampler)}"`;
    for (let i = 0; i < o.count; i++) {
      const values = Array.from(o.samples.subarray(i * size, (i + 1) * size), (v) => v.toPrecision(6));
      lines.push([name, i, ...values, o.logits[i]!.toPrecision(8), o.acceptanceProbabilities[i]!.toPrecision(6)].join(','));
    }
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

export function writePng(file: string, outcomes: SampleOutcome[]): void {
  const model = outcomes[0]!.model;
  const panel = 300;
  const gap = 10;
  const raster = new Raster(outcomes.length * (panel + gap) + gap, panel + 2 * gap);
  outcomes.forEach((o, k) => {
    const left = gap + k * (panel + gap);
    if (model.sampleSize === 2) {
      const centers = model.manifest.evaluation?.mixture2d?.centers;
      scatter(raster, left, gap, panel, o.samples, { extent: [-3, 3], centers });
    } else if (model.manifest.output.kind === 'image') {
      const [, h, w] = model.manifest.output.shape as [number, number, number];
      const scale = Math.max(1, Math.floor(panel / 8 / (w + 1)));
      const cols = Math.max(1, Math.floor(panel / (w * scale + 2)));
      const rows = Math.max(1, Math.floor(panel / (h * scale + 2)));
      imageGrid(raster, {
        left,
        top: gap,
        images: o.samples,
        shape: model.manifest.output.shape,
        range: model.manifest.output.range ?? [0, 1],
        cols,
        rows,
        scale,
      });
    }
  });
  writeFileSync(file, encodePng(raster.width, raster.height, 3, raster.pixels));
}

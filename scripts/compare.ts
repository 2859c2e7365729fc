/**
 * `npm run compare -- --model gaussians25 --count 10000 [--seed 1] [--samplers JSON]
 *                     [--max-proposals N (default 5,000,000)] [--csv FILE] [--png FILE] [--models-dir DIR]`
 *
 * Runs naive, threshold and DRS at a few settings on the same seed and prints a table like the
 * DRS paper's Table 1, with a progress bar on stderr while it runs.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createDrsSampler } from '../plugins/drs/index.js';
import { createNaiveSampler } from '../plugins/naive/index.js';
import { createThresholdSampler } from '../plugins/threshold/index.js';
import type { SamplerPlugin } from '../src/contracts.js';
import { encodePng } from '../src/images/png-encoder.js';
import { Raster, imageGrid, scatter } from '../src/images/plot.js';
import { allMetrics, type SampleMetrics } from '../src/evaluation/evaluator.js';
import type { CompareEntry, SamplerSpec } from '../src/sampling/compare.js';
import { SamplingGateway } from '../src/sampling/gateway.js';
import type { SampleOutcome } from '../src/sampling/outcome.js';

const DEFAULT_SAMPLERS: SamplerSpec[] = [
  { name: 'naive' },
  { name: 'threshold', params: { percentile: 50 } },
  { name: 'drs', params: { gamma: 0 } },
  { name: 'drs', params: { gammaPercentile: 80 } },
  { name: 'drs', params: { gammaPercentile: 95 } },
];

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'gaussians25' },
    count: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    samplers: { type: 'string' },
    'max-proposals': { type: 'string' },
    csv: { type: 'string' },
    png: { type: 'string' },
    'models-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (args.help) {
  console.log('usage: npm run compare -- --model ID --count N [--seed N] [--samplers JSON] [--max-proposals N] [--csv FILE] [--png FILE] [--models-dir DIR]');
  process.exit(0);
}

const label = (s: SamplerSpec): string => (s.params && Object.keys(s.params).length > 0 ? `${s.name} ${Object.entries(s.params).map(([k, v]) => `${k}=${String(v)}`).join(' ')}` : s.name);
const num = (v: number | null | undefined, digits: number): string => (v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits));

function intArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer, got "${value}"`);
  return n;
}

function progressBar(accepted: readonly number[], count: number): void {
  const total = accepted.length * count;
  const done = accepted.reduce((a, b) => a + b, 0);
  const width = 30;
  const filled = Math.round((done / total) * width);
  const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${((100 * done) / total).toFixed(0).padStart(3)}%  ${accepted.map((a) => a.toString().padStart(String(count).length)).join(' | ')}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${text}`);
  else if (filled !== lastFilled) process.stderr.write(`${text}\n`);
  lastFilled = filled;
}
let lastFilled = -1;

/** A compared configuration with its metrics computed. */
interface Scored extends CompareEntry {
  readonly metrics: SampleMetrics | null;
}

function table(entries: Scored[]): string {
  const head = ['sampler', 'accepted', 'proposed', 'accept %', 'D̃_M end', 'γ mean'];
  const first = entries.find((e) => e.metrics)?.metrics;
  if (first?.mixture2d) head.push('% HQ', 'std HQ', 'modes', 'KL');
  if (first?.image) head.push('Fréchet (clf)', 'class H', 'confidence');
  head.push('ms');
  const rows = entries.map((e) => {
    if (!e.outcome) return [label(e.sampler), 'failed (see below)', ...head.slice(2).map(() => '')];
    const s = e.outcome.stats;
    const row = [label(e.sampler), String(e.outcome.count), String(s.proposed), num(100 * s.acceptanceRate, 2), num(s.logitMaxEnd, 3), num(s.gammaMean, 3)];
    const m = e.metrics;
    if (m?.mixture2d) row.push(num(100 * m.mixture2d.highQualityShare, 1), num(m.mixture2d.highQualityStd, 4), `${m.mixture2d.recoveredModes}/${m.mixture2d.modeCount}`, num(m.mixture2d.modeKL, 4));
    if (m?.image) row.push(num(m.image.frechetDistance, 3), num(m.image.classEntropy, 3), num(m.image.meanConfidence, 3));
    row.push(num(s.elapsedMs, 0));
    return row;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const failures = entries.filter((e) => !e.outcome).map((e) => `- ${label(e.sampler)}: ${e.error?.message ?? 'unknown error'}`);
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line), ...(failures.length ? ['', ...failures] : [])].join('\n');
}

function writeCsv(file: string, entries: CompareEntry[]): void {
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

function writePng(file: string, outcomes: SampleOutcome[]): void {
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
      imageGrid(raster, { left, top: gap, images: o.samples, shape: model.manifest.output.shape, range: model.manifest.output.range ?? [0, 1], cols, rows, scale });
    }
  });
  writeFileSync(file, encodePng(raster.width, raster.height, 3, raster.pixels));
}

async function main(): Promise<void> {
  const samplers: SamplerSpec[] = args.samplers ? (JSON.parse(args.samplers) as SamplerSpec[]) : DEFAULT_SAMPLERS;
  const count = intArg('count', args.count)!;
  const seed = intArg('seed', args.seed);
  const maxProposals = intArg('max-proposals', args['max-proposals']) ?? 5_000_000;
  const gateway = new SamplingGateway(
    // A local command: --max-proposals per configuration is its only budget.
    { modelsDir: args['models-dir'], limits: { maxCount: Math.max(100_000, count), maxProposals: 1_000_000_000, maxOperationProposals: Infinity, maxComparedSamplers: Math.max(8, samplers.length) } },
    [createNaiveSampler(), createThresholdSampler(), createDrsSampler()] as SamplerPlugin[],
  );
  await gateway.start(quiet);
  try {
    const started = performance.now();
    console.error(`comparing ${samplers.length} samplers on ${args.model}: ${count} samples each, seed ${seed}`);
    const compared = await gateway.compare({ modelId: args.model!, samplers, count, maxProposals, seed }, { onProgress: (p) => progressBar(p.accepted, p.count) });
    const entries: Scored[] = await Promise.all(compared.map(async (e) => ({ ...e, metrics: e.outcome ? await allMetrics(e.outcome.metrics) : null })));
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.log(`\n${args.model} · ${count} samples per sampler · seed ${seed} · ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    console.log(table(entries));
    if (args.csv) {
      writeCsv(args.csv, entries);
      console.log(`\nsamples written to ${args.csv}`);
    }
    if (args.png) {
      writePng(args.png, entries.flatMap((e) => (e.outcome ? [e.outcome] : [])));
      console.log(`plot written to ${args.png} (panels left to right: ${entries.filter((e) => e.outcome).map((e) => label(e.sampler)).join(' · ')})`);
    }
  } finally {
    await gateway.stop();
  }
}

/** The gateway's load report goes nowhere: the CLI prints its own. */
const quiet = { info: () => undefined, warn: (m: string) => console.error(m), error: (m: string) => console.error(m) };

main().catch((error: unknown) => {
  console.error(`compare: ${(error as Error).message}`);
  process.exit(1);
});

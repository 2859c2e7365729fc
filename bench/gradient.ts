/**
 * `npm run bench:gradient [-- --model ID --batch N --rounds R --reps R]`
 *
 * What a gradient round costs against a G → D round, per row, through the same worker pool on the
 * same model and batch size: the measured counterpart of GRADIENT_ROUND_COST (src/contracts.ts),
 * the proposals a latent sampler is charged per gradient row. Each figure is the median of `reps`
 * interleaved repetitions; read the ratio, since this machine is shared and absolute numbers drift.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GRADIENT_ROUND_COST } from '../src/contracts.js';
import { WorkerPool } from '../src/inference/pool.js';
import { workerSpec } from '../src/inference/round.js';
import { BUNDLED_MODELS_DIR, loadModel } from '../src/models/repository.js';
import { Random } from '../src/random.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'gaussians25' },
    batch: { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '100' },
    reps: { type: 'string', default: '5' },
  },
});
const batch = Number(args.batch);
const rounds = Number(args.rounds);
const reps = Number(args.reps);

const entry = await loadModel(join(BUNDLED_MODELS_DIR, args.model), args.model);
if (entry.status !== 'READY') throw new Error(entry.error);
if (!entry.latentGradientPath) throw new Error(`model "${args.model}" ships no latent-gradient graph`);
const spec = workerSpec(entry);
const pool = new WorkerPool({ workers: 1 });
await pool.whenReady();
const random = new Random(1, 1);
const latents = (): Float32Array => random.latents(batch, spec.latentDim, entry.manifest.latent.distribution);

/** Rows per second of `rounds` sequential rounds (the worker's compute, as the pool reports it, and the wall clock). */
async function measure(kind: 'forward' | 'gradient'): Promise<{ wall: number; compute: number }> {
  let compute = 0;
  const started = performance.now();
  for (let r = 0; r < rounds; r++) {
    const result = kind === 'forward' ? await pool.run(spec, latents(), batch) : await pool.runGradient(spec, latents(), batch);
    compute += result.inferenceMs;
  }
  const wall = performance.now() - started;
  return { wall: (rounds * batch) / (wall / 1000), compute: (rounds * batch) / (compute / 1000) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
await measure('forward'); // warm both sessions
await measure('gradient');
const forward: { wall: number; compute: number }[] = [];
const gradient: { wall: number; compute: number }[] = [];
for (let i = 0; i < reps; i++) {
  forward.push(await measure('forward'));
  gradient.push(await measure('gradient'));
}
await pool.close();
const f = { wall: median(forward.map((m) => m.wall)), compute: median(forward.map((m) => m.compute)) };
const g = { wall: median(gradient.map((m) => m.wall)), compute: median(gradient.map((m) => m.compute)) };
const k = (n: number): string => `${(n / 1000).toFixed(0)}k rows/s`;
console.log(`${args.model}, batch ${batch}, ${rounds} rounds × ${reps} reps (medians), one worker`);
console.log(`  G → D round:     ${k(f.wall)} wall, ${k(f.compute)} worker compute`);
console.log(`  gradient round:  ${k(g.wall)} wall, ${k(g.compute)} worker compute`);
console.log(
  `  a gradient row costs ${(f.wall / g.wall).toFixed(2)}× a proposal (wall), ${(f.compute / g.compute).toFixed(2)}× (compute); charged: ${GRADIENT_ROUND_COST}×`,
);

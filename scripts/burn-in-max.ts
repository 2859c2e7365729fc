/**
 * `npm run burn-in-max -- --model gaussians25 [--sizes 10000,100000,1000000] [--models-dir DIR]`
 *
 * How far D̃_M, the largest logit of a burn-in, still moves as the burn-in grows: the measurement
 * behind DRS's default `burnInSamples` (docs/sampling.md, "Exact means exact"). Draws one seeded
 * burn-in of the largest size and prints the running max after each smaller size, its gap to the
 * final max (e^gap: how much too often samples accepted under it would be accepted), and the time
 * a burn-in of that size takes at the measured rate.
 */
import { parseArgs } from 'node:util';
import { SamplingEngine } from '../src/sampling/engine.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'gaussians25' },
    sizes: { type: 'string', default: '10000,30000,100000,300000,1000000' },
    'models-dir': { type: 'string' },
  },
});

async function main(): Promise<void> {
  const sizes = args.sizes.split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sizes must be positive integers, got "${args.sizes}"`);
  const engine = await SamplingEngine.create({ modelsDir: args['models-dir'], samplers: [] });
  try {
    const model = engine.readyModel(args.model);
    const largest = Math.max(...sizes);
    const started = performance.now();
    const burnIn = await engine.burnIn(model, largest);
    const msPerProposal = (performance.now() - started) / largest;
    // Running max after each size (logits are in proposal order; the few non-finite ones were skipped).
    const rows = [...sizes]
      .sort((a, b) => a - b)
      .map((size) => {
        let max = -Infinity;
        for (let i = 0; i < Math.min(size, burnIn.logits.length); i++) max = Math.max(max, burnIn.logits[i]!);
        return { size, max, ms: size * msPerProposal };
      });
    const top = burnIn.logitMax;
    console.log(`${args.model}: running max of one seeded burn-in of ${largest} proposals\n`);
    console.log('| burnInSamples | D̃_M | below the largest | e^gap (over-acceptance) | ms |');
    console.log('|---|---|---|---|---|');
    for (const r of rows)
      console.log(`| ${r.size} | ${r.max.toFixed(3)} | ${(top - r.max).toFixed(3)} | ${Math.exp(top - r.max).toFixed(2)}× | ${r.ms.toFixed(0)} |`);
  } finally {
    await engine.close();
  }
}

main().catch((error: unknown) => {
  console.error(`burn-in-max: ${(error as Error).message}`);
  process.exit(1);
});

/**
 * `npm run bench [-- --models gaussians25,fashion-mnist --reps 3 --workers N --threads N --max-batch-size N --quick]`
 * See bench/suite.ts and BENCHMARKS.md. `--quick` runs tiny sizes (what the test suite's smoke run uses).
 * NODE_ENV defaults to production (graphql-js then skips its development-only checks), as a deployment runs.
 */
import { parseArgs } from 'node:util';

process.env.NODE_ENV ??= 'production';
// Imported after NODE_ENV is set: graphql-js reads it when it loads.
const { FULL_SIZES, QUICK_SIZES, runBench } = await import('./suite.js');

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'gaussians25,fashion-mnist' },
    reps: { type: 'string', default: '3' },
    workers: { type: 'string' },
    threads: { type: 'string' },
    'max-batch-size': { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const int = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));

try {
  await runBench({
    models: args.models.split(','),
    sizes: (id) => (args.quick ? QUICK_SIZES : (FULL_SIZES[id] ?? FULL_SIZES.gaussians25!)),
    reps: Number(args.reps),
    workers: int(args.workers),
    intraOpNumThreads: int(args.threads),
    maxBatchSize: int(args['max-batch-size']),
    print: (line) => console.log(line),
  });
} catch (error) {
  console.error(error);
  process.exit(1);
}

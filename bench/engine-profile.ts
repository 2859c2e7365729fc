/**
 * Engine-only main-thread profile: naive requests of gaussians25 through the gateway (no GraphQL),
 * with the standalone server's pool and batcher. Run under `--cpu-prof` to see the main thread's
 * self time by function:
 *   node --import tsx bench/engine-profile.ts [--count 1000000] [--reps 3] [--profile out.cpuprofile]
 * Prints proposals/s and main-thread ns per proposal for each repetition and their medians;
 * `--profile` writes a CPU profile of the main thread over the measured repetitions only (after
 * start-up and a warm-up request), for `chrome://inspect` or a self-time summary.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { createSamplingService } from '../src/graphql/service.js';
import { engineRun } from './measure.js';
import { median } from './stats.js';

process.env.NODE_ENV ??= 'production';
const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'gaussians25' },
    count: { type: 'string', default: '1000000' },
    reps: { type: 'string', default: '3' },
    profile: { type: 'string' },
  },
});
const LIMITS = { maxCount: 10_000_000, maxProposals: 100_000_000, defaultMaxProposals: 100_000_000, maxResponseBytes: 2 ** 30 };
const quiet = { info: () => {}, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };
const service = createSamplingService({ logger: quiet, limits: LIMITS });
await service.start();
try {
  const modelId = args.model;
  await service.gateway.sample({ modelId, sampler: { name: 'naive' }, count: 100_000, seed: 1 }); // warm-up
  const session = args.profile ? new Session() : null;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const rates: number[] = [];
  const ns: number[] = [];
  for (let r = 0; r < Number(args.reps); r++) {
    const { rate, mainNsPerProposal } = await engineRun(service.gateway, modelId, Number(args.count));
    rates.push(rate);
    ns.push(mainNsPerProposal);
    console.log(`rep ${r}: ${Math.round(rate)} proposals/s, main thread ${Math.round(mainNsPerProposal)} ns/proposal`);
  }
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(args.profile!, JSON.stringify(profile));
    session.disconnect();
  }
  console.log(`median: ${Math.round(median(rates))} proposals/s, main thread ${Math.round(median(ns))} ns/proposal`);
} finally {
  await service.stop();
}

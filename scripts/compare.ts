/**
 * `npm run compare -- [--model ID] [--count N] [--seed N] [--samplers JSON] [--max-proposals N]
 *                     [--csv FILE] [--png FILE] [--models-dir DIR]` (`--help` for the details)
 *
 * Runs naive, threshold, DRS (raw and calibrated, exact and default γ), MH and the latent samplers (DDLS, DOT; on models
 * with a latent-gradient graph) on the same seed and prints a table like the DRS paper's Table 1, with labelled progress and an ETA on stderr while it runs.
 * Exit status: 0 done, 1 the comparison failed, 2 a bad command line.
 */
import { SamplerParameterError } from '../src/contracts.js';
import { defaultSamplers } from '../src/graphql/service.js';
import { samplerUnavailable } from '../src/sampling/engine.js';
import { SamplingError } from '../src/errors.js';
import { allMetrics } from '../src/evaluation/evaluator.js';
import { SamplingGateway } from '../src/sampling/gateway.js';
import { DEFAULT_SAMPLERS, parseCompareArgs, usage, UsageError, type CompareArgs } from './compare/args.js';
import { label, table, writeCsv, writePng, type Scored } from './compare/output.js';
import { ProgressReporter } from './compare/progress.js';

async function compare(args: CompareArgs): Promise<void> {
  const { model, count, seed, maxProposals, classLabel } = args;
  let { samplers } = args;
  const gateway = new SamplingGateway(
    // A local command: --max-proposals per configuration is its only budget.
    {
      modelsDir: args.modelsDir,
      limits: {
        maxCount: Math.max(100_000, count),
        maxProposals: Math.max(1_000_000_000, maxProposals),
        maxComparedSamplers: Math.max(8, samplers.length),
        maxOperationProposals: Infinity,
      },
    },
    defaultSamplers(),
  );
  try {
    await gateway.start(quiet);
    const entry = gateway.model(model);
    if (samplers === DEFAULT_SAMPLERS && entry) {
      // The defaults include the latent samplers; a model without their graph runs the others.
      const plugins = new Map(gateway.samplers().map((p) => [p.name, p]));
      const skipped = samplers.filter((s) => samplerUnavailable(entry, plugins.get(s.name)!) !== null);
      if (skipped.length > 0) {
        console.error(`skipping ${[...new Set(skipped.map((s) => s.name))].join(', ')}: ${samplerUnavailable(entry, plugins.get(skipped[0]!.name)!)}`);
        samplers = samplers.filter((s) => !skipped.includes(s));
      }
    }
    const started = performance.now();
    const what = classLabel === undefined ? model : `${model} class ${classLabel}`;
    console.error(`comparing ${samplers.length} sampler configuration${samplers.length === 1 ? '' : 's'} on ${what}: ${count} samples each, seed ${seed}`);
    const progress = new ProgressReporter(process.stderr, samplers.map(label), count);
    const compared = await gateway.compare(
      { modelId: model, samplers, count, maxProposals, seed, classLabel },
      { onProgress: (p) => progress.update(p.accepted) },
    );
    progress.finish();
    const entries: Scored[] = await Promise.all(compared.map(async (e) => ({ ...e, metrics: e.outcome ? await allMetrics(e.outcome.metrics) : null })));
    const classNames = gateway.model(model)?.manifest?.conditioning?.labels;
    const ofClass = classLabel === undefined ? '' : ` · class ${classLabel} (${classNames?.[classLabel] ?? '?'})`;
    console.log(`\n${model}${ofClass} · ${count} samples per sampler · seed ${seed} · ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    console.log(table(entries));
    if (args.csv) {
      writeCsv(args.csv, entries);
      console.log(`\nsamples written to ${args.csv}`);
    }
    if (args.png) {
      writePng(
        args.png,
        entries.flatMap((e) => (e.outcome ? [e.outcome] : [])),
      );
      console.log(
        `plot written to ${args.png} (panels left to right: ${entries
          .filter((e) => e.outcome)
          .map((e) => label(e.sampler))
          .join(' · ')})`,
      );
    }
  } finally {
    await gateway.stop();
  }
}

/** The gateway's load report goes nowhere: the CLI prints its own. */
const quiet = { info: () => undefined, warn: (m: string) => console.error(m), error: (m: string) => console.error(m) };

/** A request error that a flag caused, as a usage error naming that flag. */
function asUsageError(error: unknown): UsageError | null {
  if (error instanceof SamplerParameterError) return new UsageError(`--samplers: ${error.message}`);
  if (!(error instanceof SamplingError)) return null;
  const { modelId, sampler, field } = error.details;
  const flag =
    modelId !== undefined
      ? '--model'
      : sampler !== undefined
        ? '--samplers'
        : ({ count: '--count', seed: '--seed', maxProposals: '--max-proposals', classLabel: '--class' } as Record<string, string>)[String(field)];
  return flag ? new UsageError(`${flag}: ${error.message}`) : null;
}

async function main(): Promise<number> {
  try {
    const args = parseCompareArgs(process.argv.slice(2));
    if (args === 'help') {
      console.log(usage());
      return 0;
    }
    await compare(args);
    return 0;
  } catch (error) {
    const usageError = error instanceof UsageError ? error : asUsageError(error);
    if (usageError) {
      console.error(`compare: ${usageError.message}\n(npm run compare -- --help lists the options)`);
      return 2;
    }
    console.error(`compare: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exitCode = await main();

/** `npm run compare`: flags named in every error, `--help`, labelled progress with an ETA. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLERS, parseCompareArgs, usage, UsageError } from '../../scripts/compare/args.js';
import { duration, etaMs, ProgressReporter } from '../../scripts/compare/progress.js';
import { COND_ID, conditionalModelsDir } from '../helpers/conditional.js';
import { FIXTURE_MODELS_DIR } from '../helpers/engine.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function usageError(argv: string[]): string {
  try {
    parseCompareArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
}

/** The CLI as a user runs it: exit status and both streams. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/compare.ts', ...args], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('compare CLI arguments', () => {
  it('has a default for every option but the outputs', () => {
    expect(parseCompareArgs([])).toEqual({
      model: 'gaussians25',
      count: 10000,
      seed: 1,
      maxProposals: 5_000_000,
      samplers: DEFAULT_SAMPLERS,
      csv: undefined,
      png: undefined,
      modelsDir: undefined,
    });
  });

  it('names the flag and what was wrong', () => {
    expect(usageError(['--bogus'])).toBe('unknown option --bogus');
    expect(usageError(['-x'])).toBe('unknown option -x');
    expect(usageError(['gaussians25'])).toBe('unexpected argument "gaussians25" (every option starts with --)');
    expect(usageError(['--count'])).toBe('--count needs a value (N)');
    expect(usageError(['--count', '--seed', '2'])).toBe('--count needs a value (N)');
    expect(usageError(['--help=yes'])).toBe('--help takes no value');
    expect(usageError(['--count', '1e3'])).toBe('--count must be an integer from 1 to ∞, got "1e3"');
    expect(usageError(['--seed', '-1'])).toBe('--seed must be an integer from 0 to 2147483647, got "-1"');
    expect(usageError(['--max-proposals', '0'])).toBe('--max-proposals must be an integer from 1 to ∞, got "0"');
    expect(usageError(['--class', 'Dress'])).toBe('--class must be an integer from 0 to ∞, got "Dress"');
    expect(usageError(['--samplers', '[{"name":"drs"'])).toMatch(
      /^--samplers is not valid JSON \(.+\); expected e\.g\. '\[\{"name":"drs","params":\{"gamma":0\}\}\]'$/,
    );
    expect(usageError(['--samplers', '{"name":"drs"}'])).toBe('--samplers must be a JSON array of {"name": "…", "params": {…}} objects, got {"name":"drs"}');
    expect(usageError(['--samplers', '[{"name":"naive"},{"sampler":"drs"}]'])).toBe('--samplers: item 2 needs a "name" (a sampler name, e.g. "drs")');
    expect(usageError(['--samplers', '[{"name":"drs","params":[0]}]'])).toBe('--samplers: item 1\'s "params" must be an object, got [0]');
    expect(usageError(['--csv', '/no/such/folder/x.csv'])).toBe('--csv: folder /no/such/folder does not exist');
    expect(usageError(['--models-dir', '/no/such/models'])).toBe('--models-dir: /no/such/models does not exist or is not a folder');
  });

  it('answers -h / --help whatever else is on the line', () => {
    expect(parseCompareArgs(['--count', 'many', '-h'])).toBe('help');
    expect(parseCompareArgs(['--help'])).toBe('help');
  });

  it('documents every option with its default, none of them required', () => {
    const text = usage();
    expect(text.split('\n')[0]).toBe('usage: npm run compare -- [options]');
    for (const line of [
      '--model ID',
      '(default gaussians25)',
      '--count N',
      '(default 10000)',
      '--seed N',
      '--samplers JSON',
      '--max-proposals N',
      '(default 5000000)',
      '--class K',
      '--csv FILE',
      '--png FILE',
      '--models-dir DIR',
      '-h, --help',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).not.toMatch(/required/i);
  });
});

describe('compare CLI progress', () => {
  it('estimates the time left from the slowest unfinished configuration', () => {
    expect(etaMs({ accepted: [100, 50], count: 100, elapsedMs: 1000 })).toBe(1000); // #2: 50 left at 50 per second
    expect(etaMs({ accepted: [10, 50], count: 100, elapsedMs: 1000 })).toBe(9000); // #1 is the slowest
    expect(etaMs({ accepted: [100, 100], count: 100, elapsedMs: 1000 })).toBe(0);
    expect(etaMs({ accepted: [100, 0], count: 100, elapsedMs: 1000 })).toBeNull(); // no pace yet
    expect([duration(0), duration(61_400), duration(3_723_000)]).toEqual(['0:00', '1:01', '1:02:03']);
  });

  it('numbers the configurations once, then writes one labelled line per tenth to a pipe', () => {
    const out: string[] = [];
    let now = 0;
    const progress = new ProgressReporter({ isTTY: false, write: (t) => out.push(t) }, ['naive', 'drs gamma=0'], 100, () => now);
    for (const accepted of [
      [20, 0],
      [40, 0],
      [60, 10],
      [100, 50],
      [100, 100],
    ]) {
      now += 1000;
      progress.update(accepted);
    }
    progress.finish();
    expect(out.join('')).toBe(
      [
        'accepted samples per configuration (of 100 each):',
        '  #1  naive',
        '  #2  drs gamma=0',
        '[##..................]  10%  elapsed 0:01  ETA ?  accepted: #1 20  #2 0',
        '[####................]  20%  elapsed 0:02  ETA ?  accepted: #1 40  #2 0',
        '[#######.............]  35%  elapsed 0:03  ETA 0:27  accepted: #1 60  #2 10',
        '[###############.....]  75%  elapsed 0:04  ETA 0:04  accepted: #1 100  #2 50',
        '[####################] 100%  elapsed 0:05  ETA 0:00  accepted: #1 100  #2 100',
        '',
      ].join('\n'),
    );
  });

  it('rewrites one line on a terminal, at most ten times a second, and ends it', () => {
    const out: string[] = [];
    let now = 0;
    const progress = new ProgressReporter({ isTTY: true, write: (t) => out.push(t) }, ['naive'], 10, () => now);
    for (const ms of [100, 150, 250]) {
      now = ms;
      progress.update([ms / 50]);
    }
    progress.finish();
    const lines = out.slice(1);
    expect(lines.map((l) => /accepted: #1 (\d+)/.exec(l)?.[1])).toEqual(['2', '5', '5']); // 150 ms: too soon after 100 ms
    expect(lines.every((l) => l.startsWith('\r') && l.includes('\x1b[K'))).toBe(true);
    expect(lines.at(-1)!.endsWith('\n')).toBe(true);
  });
});

describe('compare CLI', () => {
  it('refuses an unknown flag in one line, without a stack, with exit status 2', async () => {
    const { code, stdout, stderr } = await cli('--bogus');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('compare: unknown option --bogus\n(npm run compare -- --help lists the options)\n');
  });

  it('names --samplers for JSON it cannot parse, and for a parameter a sampler refuses', async () => {
    expect(await cli('--samplers', '[{"name": drs}]')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^compare: --samplers is not valid JSON/) });
    const refused = await cli('--models-dir', FIXTURE_MODELS_DIR, '--model', 'gaussian-mixture-1d', '--samplers', '[{"name":"drs","params":{"gamma":5000}}]');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('compare: --samplers: sampler "drs", parameter "gamma": must be ≤ 1000, got 5000');
  });

  it('prints the help on --help', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(usage());
  });

  it('samples one class of a class-conditional model with --class, and names --class when it is missing', async () => {
    const models = conditionalModelsDir();
    try {
      const missing = await cli('--models-dir', models.dir, '--model', COND_ID, '--samplers', '[{"name":"naive"}]');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/\ncompare: --class: classLabel: model "fashion-mnist-cond" is class-conditional: give the class to sample/);
      const { code, stdout } = await cli('--models-dir', models.dir, '--model', COND_ID, '--class', '1', '--count', '20', '--samplers', '[{"name":"naive"}]');
      expect(code).toBe(0);
      expect(stdout).toContain('fashion-mnist-cond · class 1 (Trouser) · 20 samples per sampler');
      expect(stdout).toMatch(/\| sampler .*\| Fréchet \(clf, class\) \| class H +\| confidence \| class acc \|/);
      // Trousers: class accuracy 1.000 over 1,000 naive samples in the model card.
      const accuracy = Number(
        stdout
          .split('\n')
          .find((l) => l.startsWith('| naive'))!
          .split('|')
          .at(-3),
      );
      expect(accuracy).toBeGreaterThan(0.8);
    } finally {
      models.cleanup();
    }
  });

  it('shows labelled progress with an ETA while it runs', async () => {
    const samplers = JSON.stringify([{ name: 'naive' }, { name: 'drs', params: { gamma: 0, burnInSamples: 500 } }]);
    const { code, stderr, stdout } = await cli('--models-dir', FIXTURE_MODELS_DIR, '--model', 'gaussian-mixture-1d', '--count', '3000', '--samplers', samplers);
    expect(code).toBe(0);
    expect(stderr).toContain('accepted samples per configuration (of 3000 each):\n  #1  naive\n  #2  drs gamma=0 burnInSamples=500\n');
    expect(stderr).toMatch(/\[#+\.*\] +\d+%  elapsed \d+:\d\d  ETA (\?|\d+:\d\d)  accepted: #1 \d+  #2 \d+\n/);
    expect(stderr).toMatch(/\[#{20}\] 100%  elapsed \d+:\d\d  ETA 0:00  accepted: #1 3000  #2 3000\n/);
    expect(stdout).toMatch(/\| drs gamma=0 burnInSamples=500 \| 3000 /);
  });
});

/**
 * The npm package as a host app gets it: `npm pack` (prepack builds dist/), the tarball installed
 * into a new app with the README's install command (dependencies from the npm registry), then the
 * README's mounting example run there as written, against the models bundled in the package.
 * Slow (an npm install with onnxruntime-node, about 2 minutes here): `npm run test:package`, not in `npm test`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, subscribeAll, wsClient } from '../graphql/client.js';
import { freePort, installedCopies, npm, readmeBlocks, run, waitForServer } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const versions = { ...pkg.dependencies, ...pkg.devDependencies };
const { install, hostPackageJson, mountExample } = readmeBlocks(readFileSync(join(root, 'README.md'), 'utf8'));

const work = mkdtempSync(join(tmpdir(), 'gan-package-'));
const app = join(work, 'app');
let packed: { filename: string; files: string[] };
const servers: ChildProcess[] = [];

beforeAll(async () => {
  const [result] = JSON.parse((await npm(['pack', '--json', '--pack-destination', work], root)).stdout) as [{ filename: string; files: { path: string }[] }];
  packed = { filename: join(work, result.filename), files: result.files.map((f) => f.path) };
  mkdirSync(app);
  const dependencies = Object.fromEntries(install.map((name) => [name, name === pkg.name ? `file:${packed.filename}` : versions[name]]));
  // vitest: for the testkit check, as a sampler author's project would have it.
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'host-app', private: true, type: 'module', dependencies, devDependencies: { vitest: versions.vitest }, ...hostPackageJson }),
  );
  await npm(['install', '--no-audit', '--no-fund', '--prefer-offline'], app);
}, 600_000);

afterAll(async () => {
  await Promise.all(servers.map((child) => new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve).kill() : resolve(null)))));
  rmSync(work, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('ships the built code, the pages and the bundled models, and nothing else', () => {
    const { files } = packed;
    for (const needed of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/testkit/index.js',
      'dist/src/server/index.js',
      'dist/src/server/main.js',
      'dist/plugins/drs/index.js',
      'dist/src/pages/static/compare.html',
      'dist/src/pages/static/compare.js',
      'models/gaussians25/generator.onnx',
      'models/fashion-mnist/classifier.onnx',
      'models/fashion-mnist/real-features.json',
      'models/fashion-mnist-cond/generator.onnx',
      'models/fashion-mnist-cond/calibration-labels.i64',
      'LICENSE',
      'CHANGELOG.md',
      'README.md',
    ]) {
      expect(files, needed).toContain(needed);
    }
    const stray = files.filter((f) => /^(test|tools|\.ci|src|scripts|bench|examples|docs|dist\/test|dist\/scripts)\//.test(f) || f.endsWith('.tsbuildinfo'));
    expect(stray).toEqual([]);
  });

  it('names only files it ships in main, types, exports and bin', () => {
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', pkg.name, 'package.json'), 'utf8')) as Record<string, any>;
    const targets = [
      manifest.main,
      manifest.types,
      ...Object.values(manifest.bin as Record<string, string>),
      ...Object.values(manifest.exports as Record<string, string | Record<string, string>>).flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e))),
    ];
    for (const target of targets) expect([...packed.files, 'package.json'], target).toContain(target.replace(/^\.\//, ''));
  });

  it('installs with one graphql, @apollo/server and type-graphql: the app’s (peer dependencies)', () => {
    for (const name of ['graphql', '@apollo/server', 'type-graphql']) expect(installedCopies(app, name), name).toEqual([join(app, 'node_modules', name)]);
  });

  it('is refused, not nested, next to a graphql it does not support', async () => {
    const other = join(work, 'graphql17');
    mkdirSync(other);
    writeFileSync(
      join(other, 'package.json'),
      JSON.stringify({ name: 'graphql17-app', private: true, dependencies: { [pkg.name]: `file:${packed.filename}`, graphql: '^17.0.0' }, ...hostPackageJson }),
    );
    const error = await npm(['install', '--dry-run', '--no-audit', '--no-fund', '--prefer-offline'], other).then(
      () => null,
      (e: Error) => e,
    );
    // npm names the first peer it cannot satisfy: the plugin's, or @apollo/server's it brings along.
    expect(error?.message).toMatch(/ERESOLVE[\s\S]*Found: graphql@17[\s\S]*peer graphql@"\^16[^"]*"/);
    expect(error?.message).toContain(`from ${pkg.name}@`);
  });

  it('skips onnxruntime-node’s CUDA download as the README tells apps to', () => {
    expect(readFileSync(join(app, 'package.json'), 'utf8')).toContain('"onnxruntime-node":false');
    expect(() => readFileSync(join(app, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so'))).toThrow(/ENOENT/);
  });

  it('runs the README’s mounting example as written: bundled models over HTTP and WebSocket, and the pages', async () => {
    writeFileSync(join(app, 'server.js'), mountExample);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/graphql`;
    servers.push(
      await waitForServer(
        spawn(process.execPath, ['server.js'], { cwd: app, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] }),
        url,
      ),
    );

    const { data } = await gql({ url }, `{ models { id status } }`);
    expect(data!.models).toEqual([
      { id: 'fashion-mnist', status: 'READY' },
      { id: 'fashion-mnist-cond', status: 'READY' },
      { id: 'gaussians25', status: 'READY' },
    ]);
    const sampled = await gql(
      { url },
      `{ sample(input: { modelId: "gaussians25", sampler: { name: "drs" }, count: 50, seed: 1 }) { count stats { accepted } } }`,
    );
    expect(sampled.errors).toBeUndefined();
    expect(sampled.data!.sample).toEqual({ count: 50, stats: { accepted: 50 } });

    const client = wsClient({ wsUrl: url.replace('http', 'ws') });
    const { results, error } = await subscribeAll(
      client,
      `subscription { sampleStream(input: { modelId: "gaussians25", sampler: { name: "naive" }, count: 30, seed: 2 }) { count done } }`,
    );
    await client.dispose();
    expect(error).toBeNull();
    expect(results.reduce((n, r) => n + (r.data!.sampleStream.count as number), 0)).toBe(30);
    expect(results.at(-1)!.data!.sampleStream.done).toBe(true);

    const page = await fetch(new URL('/', url));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Compare samplers');
    for (const asset of ['/_sampler/compare.js', '/_sampler/vendor/graphiql.js']) expect((await fetch(new URL(asset, url))).status, asset).toBe(200);
  });

  it('runs the standalone server from its graphql-gan-sampler command', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/graphql`;
    const bin = join(app, 'node_modules', '.bin', 'graphql-gan-sampler');
    servers.push(
      await waitForServer(
        spawn(bin, [], { cwd: app, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', WORKERS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] }),
        url,
      ),
    );
    const { data } = await gql({ url }, `{ models { id status } }`);
    expect(data!.models.map((m: { id: string }) => m.id)).toEqual(['fashion-mnist', 'fashion-mnist-cond', 'gaussians25']);
  });

  it('gives TypeScript apps the types of all three entry points', async () => {
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files: ['types.ts'],
      }),
    );
    writeFileSync(
      join(app, 'types.ts'),
      [
        `import { createSamplingService, emitAccepted, SAMPLER_CONTRACT_VERSION, type SamplerPlugin, type SamplingService } from '${pkg.name}';`,
        `import { configFromEnv, startServer, type ServerOptions } from '${pkg.name}/server';`,
        `import { defineSamplerConformance } from '${pkg.name}/testkit';`,
        `const plugin: SamplerPlugin = { contractVersion: SAMPLER_CONTRACT_VERSION, name: 'all', description: 'accepts all', parameters: [], start: () => ({ step: (round) => emitAccepted(round, round.logits.map(() => 1)), report: () => ({}) }) };`,
        `const service: SamplingService = createSamplingService({ samplers: [plugin] });`,
        `const options: ServerOptions = { port: configFromEnv({}).port, host: 'localhost', sampling: {} };`,
        `// @ts-expect-error modelsDir is a string: fails as unused if the package's types were missing (any)`,
        `createSamplingService({ modelsDir: 42 });`,
        `defineSamplerConformance(() => plugin);`,
        `export { service, options, startServer };`,
      ].join('\n'),
    );
    await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app);
  });

  it('exports ./server and ./testkit: the testkit passes the bundled samplers under the app’s vitest', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', `const s = await import('${pkg.name}/server'); console.log(typeof s.startServer, typeof s.configFromEnv)`],
      app,
    );
    expect(stdout.trim()).toBe('function function');
    writeFileSync(
      join(app, 'samplers.test.js'),
      `import { createDrsSampler, createNaiveSampler } from '${pkg.name}';\nimport { defineSamplerConformance } from '${pkg.name}/testkit';\ndefineSamplerConformance(createNaiveSampler);\ndefineSamplerConformance(createDrsSampler);\n`,
    );
    const { stdout: report } = await run(join(app, 'node_modules', '.bin', 'vitest'), ['run', '--reporter=verbose', 'samplers.test.js'], app);
    expect(report).toMatch(/sampler "naive" conforms/);
    expect(report).toMatch(/sampler "drs" conforms/);
    expect(report).toMatch(/Tests +\d+ passed/);
  });
});

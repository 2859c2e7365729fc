/** Child processes, ports and README blocks for the package test. */
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * The environment for child processes, without what this test run's own npm and vitest set:
 * npm_* variables are read as npm config (npm_config_local_prefix would point a child npm at
 * this repository), VITEST* would make the app's vitest think it runs inside ours.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|vitest|tinypool|force_color)/i.test(k))), NO_COLOR: '1', ...extra };
}

const [npmMajor = 0, npmMinor = 0] = execFileSync('npm', ['--version'], { env: childEnv(), encoding: 'utf8' }).trim().split('.').map(Number);
/** npm before 11.16 ignores package.json's allowScripts: the README tells those users to set this instead. */
const npmEnv: Record<string, string> = npmMajor > 11 || (npmMajor === 11 && npmMinor >= 16) ? {} : { ONNXRUNTIME_NODE_INSTALL: 'skip' };

export interface Output {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; rejects with its exit status and output tail. */
export function run(command: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<Output> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: childEnv(env), maxBuffer: 64 << 20, timeout: 480_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: ${error.message}\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`));
      else resolve({ stdout, stderr });
    });
  });
}

export const npm = (args: readonly string[], cwd: string): Promise<Output> => run('npm', args, cwd, npmEnv);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves with `child` once `url` answers a GraphQL POST; rejects if it exits first or takes over 90 s. */
export async function waitForServer(child: ChildProcess, url: string): Promise<ChildProcess> {
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before answering:\n${output}`);
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill();
  throw new Error(`the server did not answer at ${url} within 90 s:\n${output}`);
}

/** Every installed copy of package `name` under `dir`'s node_modules, nested ones included. */
export function installedCopies(dir: string, name: string): string[] {
  const found: string[] = [];
  const visit = (modules: string): void => {
    if (!existsSync(modules)) return;
    if (existsSync(join(modules, name, 'package.json'))) found.push(join(modules, name));
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith('.')) continue;
      const packages = entry.startsWith('@') ? readdirSync(join(modules, entry)).map((e) => join(modules, entry, e)) : [join(modules, entry)];
      for (const p of packages) visit(join(p, 'node_modules'));
    }
  };
  visit(join(dir, 'node_modules'));
  return found;
}

export interface ReadmeBlocks {
  /** Package names of the mounting section's `npm install` command. */
  readonly install: string[];
  /** The package.json fragment the section tells apps to add. */
  readonly hostPackageJson: Record<string, unknown>;
  /** The mounting example's code. */
  readonly mountExample: string;
}

/** The code blocks of the README's "Mounting into your own Apollo Server" section. */
export function readmeBlocks(readme: string): ReadmeBlocks {
  const start = readme.indexOf('### Mounting into your own Apollo Server');
  const section = readme.slice(start, readme.indexOf('\n## ', start));
  const block = (lang: string): string => {
    const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(section);
    if (!match) throw new Error(`README's mounting section has no \`\`\`${lang} block`);
    return match[1]!;
  };
  const command = block('sh').trim();
  if (!command.startsWith('npm install ')) throw new Error(`README's install command is not \`npm install …\`: ${command}`);
  return {
    install: command.slice('npm install '.length).split(/\s+/),
    hostPackageJson: JSON.parse(block('json')) as Record<string, unknown>,
    mountExample: block('ts'),
  };
}

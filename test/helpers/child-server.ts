/** The standalone server as a child process, run as `npm start` runs it (the build in dist/), for signal and soak tests. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `npm run build`: compiles to dist/ (about half the start-up CPU of running the sources under tsx). */
export function buildServer(): void {
  execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
}

export interface ChildServer {
  readonly child: ChildProcess;
  /** http://127.0.0.1:port/graphql */
  readonly url: string;
  readonly wsUrl: string;
  /** Everything the server wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the built server (see `buildServer`) on a free port; resolves once it listens, or rejects with its output. */
export function spawnServer(env: Record<string, string>, startTimeoutMs = 60_000): Promise<ChildServer> {
  const child = spawn(process.execPath, ['dist/src/server/main.js'], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => void (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => void (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not start within ${startTimeoutMs} ms:\n${output}`));
    }, startTimeoutMs);
    const onData = (): void => {
      const match = /listening: (http:\/\/\S+\/graphql)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      const url = match[1]!;
      resolve({ child, url, wsUrl: url.replace(/^http/, 'ws'), output: () => output, exited });
    };
    child.stdout.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (code ${code}, signal ${signal}) before listening:\n${output}`));
    });
  });
}

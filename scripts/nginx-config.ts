/**
 * Renders deploy/nginx.conf.template for N replicas.
 *   npm run -s nginx-config -- --replica 127.0.0.1:4001 --replica 127.0.0.1:4002 [--listen 8080] [--prefix /var/lib/sampler-nginx] > nginx.conf
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const NGINX_TEMPLATE = fileURLToPath(new URL('../deploy/nginx.conf.template', import.meta.url));

export interface NginxConfigOptions {
  /** host:port of each replica. */
  readonly replicas: readonly string[];
  /** What nginx listens on: a port, or address:port. */
  readonly listen: string | number;
  /** Folder for nginx's pid, logs and temp files (absolute). */
  readonly prefix: string;
  /** Passive health: failures within `failTimeout` that take a replica out for `failTimeout`. Default 1 and 10s. */
  readonly maxFails?: number;
  readonly failTimeout?: string;
}

export function renderNginxConfig(options: NginxConfigOptions): string {
  const { replicas, listen, prefix, maxFails = 1, failTimeout = '10s' } = options;
  if (replicas.length === 0) throw new Error('at least one --replica host:port');
  for (const r of replicas) if (!/^[\w.-]+:\d+$|^\[[\da-f:]+\]:\d+$/i.test(r)) throw new Error(`--replica must be host:port, got "${r}"`);
  if (!prefix.startsWith('/')) throw new Error(`--prefix must be an absolute path, got "${prefix}"`);
  const servers = replicas.map((r) => `    server ${r} max_fails=${maxFails} fail_timeout=${failTimeout};`).join('\n');
  return readFileSync(NGINX_TEMPLATE, 'utf8')
    .replaceAll('{{UPSTREAM_SERVERS}}', servers)
    .replaceAll('{{LISTEN}}', String(listen))
    .replaceAll('{{PREFIX}}', prefix.replace(/\/$/, ''));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const replicas: string[] = [];
  let listen = '8080';
  let prefix = '/var/lib/graphql-gan-sampler-nginx';
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (flag === '--replica' && value) replicas.push(value);
    else if (flag === '--listen' && value) listen = value;
    else if (flag === '--prefix' && value) prefix = value;
    else {
      console.error(`unknown argument ${flag}\nusage: nginx-config --replica host:port [--replica …] [--listen 8080] [--prefix /abs/folder]`);
      process.exit(2);
    }
  }
  process.stdout.write(renderNginxConfig({ replicas, listen, prefix }));
}

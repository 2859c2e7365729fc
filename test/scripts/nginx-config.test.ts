/** deploy/nginx.conf.template rendered for N replicas: every placeholder filled, WebSocket upgrade and streaming settings kept, and `nginx -t` accepts it where nginx is installed. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderNginxConfig } from '../../scripts/nginx-config.js';

describe('renderNginxConfig', () => {
  const replicas = ['127.0.0.1:4001', '127.0.0.1:4002', 'replica-3.internal:4000', '[::1]:4004'];

  it('lists every replica in the upstream and fills every placeholder', () => {
    const conf = renderNginxConfig({ replicas, listen: 8080, prefix: '/srv/nginx/' });
    expect(conf).not.toMatch(/\{\{/);
    for (const r of replicas) expect(conf).toContain(`server ${r} max_fails=1 fail_timeout=10s;`);
    expect(conf).toContain('listen 8080;');
    expect(conf).toContain('pid /srv/nginx/nginx.pid;');
    for (const directive of [
      'proxy_set_header Upgrade $http_upgrade;',
      'proxy_set_header Connection $connection_upgrade;',
      'proxy_buffering off;',
      'proxy_read_timeout 1h;',
    ])
      expect(conf).toContain(directive);
  });

  it('refuses no replicas, a replica without a port and a relative prefix', () => {
    expect(() => renderNginxConfig({ replicas: [], listen: 80, prefix: '/x' })).toThrow(/at least one/);
    expect(() => renderNginxConfig({ replicas: ['localhost'], listen: 80, prefix: '/x' })).toThrow(/host:port/);
    expect(() => renderNginxConfig({ replicas, listen: 80, prefix: 'x' })).toThrow(/absolute/);
  });

  const nginx = ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find((p) => existsSync(p));
  it.skipIf(!nginx)('passes nginx -t (run unprivileged from its own prefix)', () => {
    const prefix = mkdtempSync(join(tmpdir(), 'nginx-conf-'));
    try {
      const conf = join(prefix, 'nginx.conf');
      writeFileSync(conf, renderNginxConfig({ replicas: ['127.0.0.1:4001', 'localhost:4002', '[::1]:4003'], listen: '127.0.0.1:18080', prefix })); // -t resolves the names
      const r = spawnSync(nginx!, ['-t', '-p', prefix, '-e', join(prefix, 'error.log'), '-c', conf], { encoding: 'utf8' });
      expect(r.stderr).toMatch(/test is successful/);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });
});

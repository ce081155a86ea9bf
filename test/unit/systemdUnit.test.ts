// The systemd unit and environment file in deploy/systemd/ are what docs/deployment.md tells operators to install:
// the command line they start must be one the server accepts, and the environment file's settings valid.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { databasePool, isDatabaseUrl, isRedisUrl, parseCli } from '../../server/src/cli/options';
import { parseWebhookUrls } from '../../server/src/services/alerts/config';

const dir = resolve(__dirname, '../../deploy/systemd');
const settings = (file: string) => new Map(readFileSync(resolve(dir, file), 'utf8').split('\n').filter((l) => /^[A-Za-z]/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));

describe('deploy/systemd', () => {
  it('starts the built server with options it accepts, reloads with SIGHUP, keeps its state in /var/lib/ringside', () => {
    const unit = settings('ringside.service');
    const [node, main, ...args] = unit.get('ExecStart')!.split(/\s+/);
    expect([node, main]).toEqual(['/usr/bin/node', '/opt/ringside/server/dist/main.js']);
    expect(parseCli(args)).toMatchObject({ kind: 'run', options: { host: '0.0.0.0', port: 8080, dataDir: '/var/lib/ringside' } });
    expect(unit.get('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(unit.get('StateDirectory')).toBe('ringside');
    expect(unit.get('EnvironmentFile')).toBe('/etc/ringside/ringside.env');
  });

  it('its environment file names a database, a pool size, Redis and webhooks the server accepts', () => {
    const env = settings('ringside.env');
    expect(isDatabaseUrl(env.get('RINGSIDE_DATABASE_URL')!)).toBe(true);
    expect(databasePool(env.get('RINGSIDE_DATABASE_POOL'), 'RINGSIDE_DATABASE_POOL')).toBe(10);
    expect(isRedisUrl(env.get('RINGSIDE_REDIS_URL')!)).toBe(true);
    expect(parseWebhookUrls(env.get('RINGSIDE_WEBHOOKS')!.split(','), 'RINGSIDE_WEBHOOKS')).toMatchObject({ ok: true });
  });
});

// The systemd unit and environment file in deploy/systemd/ are what docs/deployment.md tells operators to install:
// the command line they start must be one the server accepts, and the environment file's settings valid.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { databasePool, isDatabaseUrl, isRedisUrl, parseCli } from '../../server/src/cli/options';
import { trustProxy } from '../../server/src/cli/securityOptions';
import { parseWebhookUrls, webhookSecretFromEnv } from '../../server/src/services/alerts/config';

const dir = resolve(__dirname, '../../deploy/systemd');
const lines = (file: string) => readFileSync(resolve(dir, file), 'utf8').split('\n');
const pairs = (settingLines: string[]) => new Map(settingLines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));
const settings = (file: string) => pairs(lines(file).filter((l) => /^[A-Za-z]/.test(l)));
/** The environment file's settings shipped commented out (`# NAME=value`), to be enabled where needed. */
const commentedOut = (file: string) => pairs(lines(file).filter((l) => /^# [A-Z_]+=/.test(l)).map((l) => l.slice(2)));

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

  it('its environment file, as shipped, sets only what one node needs: a database URL the server accepts and the admin key', () => {
    // A line for several nodes left active (Redis at an example host) would keep a lone node from starting.
    const env = settings('ringside.env');
    expect([...env.keys()]).toEqual(['RINGSIDE_DATABASE_URL', 'RINGSIDE_API_KEY']);
    expect(isDatabaseUrl(env.get('RINGSIDE_DATABASE_URL')!)).toBe(true);
    expect(env.get('RINGSIDE_API_KEY')).toBe('');
  });

  it('its commented-out lines (Redis, zone, organisation, webhooks, pool size, proxy) are settings the server accepts once enabled', () => {
    const env = commentedOut('ringside.env');
    expect([...env.keys()].sort()).toEqual(['RINGSIDE_DATABASE_POOL', 'RINGSIDE_ORGANISATION', 'RINGSIDE_REDIS_URL', 'RINGSIDE_TRUST_PROXY', 'RINGSIDE_WEBHOOKS', 'RINGSIDE_WEBHOOK_SECRET', 'TZ']);
    // Empty until filled in: unsigned deliveries, never a placeholder taken for a secret.
    expect(webhookSecretFromEnv({ RINGSIDE_WEBHOOK_SECRET: env.get('RINGSIDE_WEBHOOK_SECRET') })).toEqual({ ok: true, secret: undefined });
    expect(databasePool(env.get('RINGSIDE_DATABASE_POOL'), 'RINGSIDE_DATABASE_POOL')).toBe(20);
    expect(isRedisUrl(env.get('RINGSIDE_REDIS_URL')!)).toBe(true);
    expect(parseWebhookUrls(env.get('RINGSIDE_WEBHOOKS')!.split(','), 'RINGSIDE_WEBHOOKS')).toMatchObject({ ok: true });
    expect(trustProxy(env.get('RINGSIDE_TRUST_PROXY')!, 'RINGSIDE_TRUST_PROXY')).toEqual(['10.0.0.5']);
    // The zone every node is given alike: one the server's Intl knows, as a node's own TZ must be.
    expect(new Intl.DateTimeFormat('en', { timeZone: env.get('TZ') }).resolvedOptions().timeZone).toBe('Europe/London');
    // Each under a line saying when to enable it.
    const all = lines('ringside.env');
    for (const name of env.keys()) expect(all[all.findIndex((l) => l.startsWith(`# ${name}=`)) - 1]).toMatch(/^# (?![A-Z_]+=)\S/);
  });
});

// Command-line options of `ringside` (server/dist/main.js). Pure: argv in, options or a message out.
import { parseArgs } from 'node:util';
import { DEFAULT_PORT } from '../protocol';
import { LOG_LEVELS, type LogLevel } from '../logger';
import type { ServerOptions } from '../options';
import { securityOptions } from './securityOptions';
import { parseWebhookUrls } from '../services/alerts/config';

export const USAGE = `Usage: node server/dist/main.js [options]

  --port N          port to listen on (default ${DEFAULT_PORT}; 0 picks a free port)
  --host HOST       address to listen on (default 127.0.0.1)
  --data DIR        data directory holding ringside.db (default ./.ringside)
  --database URL    keep the store in PostgreSQL (postgres://user@host:5432/db; also RINGSIDE_DATABASE_URL)
                    instead of DIR's ringside.db; DIR then holds this node's audit secret and admin key only
  --database-pool N connections this node opens to the database (default 10, from 2 to 1000; also
                    RINGSIDE_DATABASE_POOL)
  --redis URL       join the other nodes on this Redis for live fan-out (redis://host:6379; also RINGSIDE_REDIS_URL)
  --demo            add simulated live traffic (calls and visits at several sites)
  --seed N          seed for --demo traffic (same seed, same traffic)
  --log-level L     ${LOG_LEVELS.join(' | ')} (default info; logs go to stderr)
  --no-auth         no API keys at all (loopback hosts only; refused on any other address)
  --rate-limit N    requests per second per API key (default 50; 0 turns rate limiting off)
  --rate-burst N    requests a key may send at once (default 100)
  --cors-origin URL allow cross-origin browser requests from URL (repeatable; default: none)
  --webhook URL     POST every incident change to URL (repeatable; also RINGSIDE_WEBHOOKS=url1,url2)
  --open-after S    seconds a condition must persist before an incident opens (default 120)
  --recover-after S seconds every condition must stay clear before an incident recovers, or milder before it
                    de-escalates (default 300)
  --standards PATH  standards and sites file (.yaml/.yml/.json); SIGHUP reloads it
  --reject-unknown-sites   refuse events of sites not configured (default: create them)
  --retain-days N   delete raw events older than N days at start and daily (rollups stay; signed checkpoint)
  --organisation NAME   the organisation every export's signed manifest names (also RINGSIDE_ORGANISATION)
  --tsa-url URL     an RFC 3161 timestamp authority that timestamps every signed manifest (also RINGSIDE_TSA_URL)
  --help            show this help

Environment: RINGSIDE_API_KEY=<key> is accepted as an admin key. RINGSIDE_TWILIO_AUTH_TOKEN checks Twilio
TaskRouter callbacks; RINGSIDE_PUBLIC_URL is the origin callers use, when a proxy changes it.
Commands (docs/operations.md, "Subcommands"):
  keys create --data DIR --name NAME --scope ingest|read|audit|admin[,…] [--expires ISO]
                    [--site SITE[,…] (ingest keys: write only these sites; one site prints its kiosk link)]
                    [--url URL (the server's address the kiosk link starts with; default: the running server's)]
  keys list --data DIR          keys revoke --data DIR --id ID
  backup --data DIR --to FILE   (online: also while the server runs)
  restore --from FILE --data DIR [--force]   (refused while a server uses DIR)
  rebuild-rollups --data DIR    recompute the rollup tables from raw events (after pruning: from the cutoff on)
  verify --data DIR [--json]    recompute the audit hash chain (exit 0 intact, 1 broken)
  public-key --data DIR [--json]   print the public key export manifests are signed with (PEM; created if none)
  prune --data DIR --retain-days N   delete raw events older than N days, with a signed checkpoint
  migrate-to-postgres --data DIR --database URL   copy DIR's SQLite store into an empty PostgreSQL database, then
                    verify the chain there
  keys, rebuild-rollups, verify and prune also take --database URL (or RINGSIDE_DATABASE_URL) for a PostgreSQL store.
  forward asterisk-queue-log --file PATH --server URL --site S [--state FILE] [--key-file FILE]
                    follow a queue_log (tail -F) and post its lines (docs/integrations/asterisk.md)
  forward mqtt --broker URL --topic T --server URL [--site S] [--type T] [--client-id ID] [--key-file FILE]
                    post each MQTT message as milestones (docs/integrations/mqtt.md)
  forward takes its key from RINGSIDE_API_KEY or --key-file (a key with scope ingest).
`;

/** Whether `url` names a PostgreSQL database (the only server database Ringside speaks). */
export const isDatabaseUrl = (url: string): boolean => /^postgres(ql)?:\/\/./i.test(url);

/** Whether `url` names a Redis server. */
export const isRedisUrl = (url: string): boolean => /^rediss?:\/\/./i.test(url);

export type CliResult = { kind: 'help' } | { kind: 'run'; options: ServerOptions } | { kind: 'error'; message: string };

/** The server's options (node:util parseArgs); each subcommand has its own (cli/subcommands.ts). */
const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  data: { type: 'string' },
  database: { type: 'string' },
  'database-pool': { type: 'string' },
  redis: { type: 'string' },
  demo: { type: 'boolean' },
  seed: { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  'no-auth': { type: 'boolean' },
  'rate-limit': { type: 'string' },
  'rate-burst': { type: 'string' },
  'cors-origin': { type: 'string', multiple: true },
  webhook: { type: 'string', multiple: true },
  'open-after': { type: 'string' },
  'recover-after': { type: 'string' },
  standards: { type: 'string' },
  'reject-unknown-sites': { type: 'boolean' },
  'retain-days': { type: 'string' },
  organisation: { type: 'string' },
  'tsa-url': { type: 'string' },
} as const;

export function parseCli(argv: readonly string[]): CliResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: OPTIONS,
    }));
  } catch (error) {
    return { kind: 'error', message: (error as Error).message };
  }
  if (values.help) return { kind: 'help' };
  const port = values.port === undefined ? DEFAULT_PORT : wholeNumber(values.port);
  if (port === null || port > 65_535) return { kind: 'error', message: `--port must be a whole number from 0 to 65535 (got "${values.port}")` };
  const seed = values.seed === undefined ? undefined : wholeNumber(values.seed);
  if (seed === null) return { kind: 'error', message: `--seed must be a whole number (got "${values.seed}")` };
  const logLevel = values['log-level'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) return { kind: 'error', message: `--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")` };
  const security = securityOptions(values);
  if (typeof security === 'string') return { kind: 'error', message: security };
  const webhooks = parseWebhookUrls(values.webhook ?? [], '--webhook');
  if (!webhooks.ok) return { kind: 'error', message: webhooks.message };
  const holds = holdOptions(values['open-after'], values['recover-after']);
  if (typeof holds === 'string') return { kind: 'error', message: holds };
  const alerts = { ...(webhooks.urls.length > 0 ? { webhooks: webhooks.urls } : {}), ...(Object.keys(holds).length > 0 ? { policy: holds } : {}) };
  const retainDays = values['retain-days'] === undefined ? undefined : wholeNumber(values['retain-days']);
  if (retainDays === null || retainDays === 0) return { kind: 'error', message: `--retain-days must be a whole number of days, at least 1 (got "${values['retain-days']}")` };
  if (values.database !== undefined && !isDatabaseUrl(values.database)) return { kind: 'error', message: `--database must be a PostgreSQL URL (postgres://user@host:5432/database), got "${values.database}"` };
  const pool = databasePool(values['database-pool'], '--database-pool');
  if (typeof pool === 'string') return { kind: 'error', message: pool };
  if (values.redis !== undefined && !isRedisUrl(values.redis)) return { kind: 'error', message: `--redis must be a Redis URL (redis://host:6379 or rediss://…), got "${values.redis}"` };
  if (values['tsa-url'] !== undefined && !isHttpUrl(values['tsa-url'])) return { kind: 'error', message: `--tsa-url must be an http:// or https:// URL, got "${values['tsa-url']}"` };
  for (const key of ['host', 'data', 'standards', 'organisation'] as const) {
    if (values[key] !== undefined && values[key].trim() === '') return { kind: 'error', message: `--${key} must not be empty` };
  }
  return {
    kind: 'run',
    options: {
      port,
      host: values.host ?? '127.0.0.1',
      dataDir: values.data ?? '.ringside',
      ...(values.database !== undefined ? { databaseUrl: values.database } : {}),
      ...(values.redis !== undefined ? { redisUrl: values.redis } : {}),
      ...(pool !== undefined ? { databasePoolSize: pool } : {}),
      demo: values.demo ?? false,
      ...(seed !== undefined ? { demoSeed: seed } : {}),
      logLevel: logLevel as LogLevel,
      ...security,
      ...(Object.keys(alerts).length > 0 ? { alerts } : {}),
      ...(values.standards !== undefined ? { standardsFile: values.standards } : {}),
      ...(values['reject-unknown-sites'] ? { rejectUnknownSites: true } : {}),
      ...(retainDays !== undefined ? { retainDays } : {}),
      ...(values.organisation !== undefined ? { organisation: values.organisation.trim() } : {}),
      ...(values['tsa-url'] !== undefined ? { tsaUrl: values['tsa-url'] } : {}),
    },
  };
}

/** --open-after and --recover-after (seconds) as the policy's hold times; a message naming the option if bad. */
function holdOptions(openAfter: string | undefined, recoverAfter: string | undefined): { openAfterMs?: number; recoverAfterMs?: number; deescalateAfterMs?: number } | string {
  const seconds = (text: string | undefined, name: string): number | undefined | string => {
    if (text === undefined) return undefined;
    const n = wholeNumber(text);
    return n === null || n > 86_400 ? `--${name} must be a whole number of seconds from 0 to 86400 (got "${text}")` : n * 1000;
  };
  const open = seconds(openAfter, 'open-after');
  if (typeof open === 'string') return open;
  const recover = seconds(recoverAfter, 'recover-after');
  if (typeof recover === 'string') return recover;
  return { ...(open !== undefined ? { openAfterMs: open } : {}), ...(recover !== undefined ? { recoverAfterMs: recover, deescalateAfterMs: recover } : {}) };
}

/** A pool size: a write holds a connection while the node may need another to read, hence at least 2. */
export function databasePool(text: string | undefined, source: string): number | undefined | string {
  if (text === undefined) return undefined;
  const n = wholeNumber(text.trim());
  return n === null || n < 2 || n > 1000 ? `${source} must be a whole number of connections from 2 to 1000 (got "${text}")` : n;
}

function wholeNumber(text: string): number | null {
  return /^\d+$/.test(text) ? Number(text) : null;
}

/** An http(s) URL (the TSA's). */
export function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

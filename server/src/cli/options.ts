// Command-line options of `ringside` (server/dist/main.js). Pure: argv in, options or a message out.
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { DEFAULT_PORT, oneOfMessage } from '../protocol';
import { LOG_LEVELS, type LogLevel } from '../logger';
import type { ServerOptions } from '../options';
import { securityOptions } from './securityOptions';
import { parseWebhookUrls } from '../services/alerts/config';
import { isDatabaseUrl, notADatabaseUrl } from '../storeBackend';
import { redactedUrl } from '../domain/redactedUrl';
import { SUBCOMMANDS } from './subcommands';
import { HELP_OPTION, isHttpUrl, parseArgsProblem, joinNegativeValues, optionLines, parseOptions, synopsis, wrap, type OptionSpecs } from './usage';

export { isDatabaseUrl, notADatabaseUrl } from '../storeBackend';

/** Whether `url` names a Redis server. */
export const isRedisUrl = (url: string): boolean => /^rediss?:\/\/./i.test(url);

/** The refusal of a `setting` (--redis, RINGSIDE_REDIS_URL) that is no Redis URL; the value without its password. */
export const notARedisUrl = (setting: string, url: string): string =>
  `${setting} must be a Redis URL (redis://host:6379 or rediss://…), got ${JSON.stringify(redactedUrl(url, 'Redis'))}`;

export type CliResult = { kind: 'help' } | { kind: 'run'; options: ServerOptions } | { kind: 'error'; message: string };

/** The server's options: what node:util parseArgs reads and what --help shows; each subcommand has its own (cli/subcommands.ts). */
const OPTIONS = {
  port: { type: 'string', value: 'N', help: `port to listen on (default ${DEFAULT_PORT}; 0 picks a free port)` },
  host: { type: 'string', value: 'HOST', help: 'address to listen on (default 127.0.0.1)' },
  data: { type: 'string', value: 'DIR', help: 'data directory holding ringside.db (default ./.ringside; created if missing)' },
  database: {
    type: 'string',
    value: 'URL',
    help: "keep the store in PostgreSQL (postgres://user@host:5432/db; also RINGSIDE_DATABASE_URL)\ninstead of DIR's ringside.db; DIR then holds this node's audit secret and admin key only",
  },
  'database-pool': { type: 'string', value: 'N', help: 'connections this node opens to the database (default 10, from 2 to 1000; also\nRINGSIDE_DATABASE_POOL)' },
  redis: { type: 'string', value: 'URL', help: 'join the other nodes on this Redis for live fan-out (redis://host:6379; also RINGSIDE_REDIS_URL)' },
  demo: { type: 'boolean', help: 'add simulated live traffic (calls and visits at several sites)' },
  seed: { type: 'string', value: 'N', help: 'seed for --demo traffic (same seed, same traffic)' },
  'log-level': { type: 'string', value: 'L', help: `${LOG_LEVELS.join(' | ')} (default info; logs go to stderr)` },
  'no-auth': { type: 'boolean', help: 'no API keys at all (loopback hosts only; refused on any other address)' },
  'rate-limit': { type: 'string', value: 'N', help: 'requests per second per API key, per client address for requests without an accepted key\n(refused ones included; default 50; 0 turns rate limiting off)' },
  'rate-burst': { type: 'string', value: 'N', help: 'requests a key may send at once (default 100)' },
  'max-connections-per-address': { type: 'string', value: 'N', help: 'TCP connections one client address may hold open at once (default 512; 0: no cap);\nproxies --trust-proxy trusts are not capped' },
  'cors-origin': { type: 'string', multiple: true, value: 'URL', help: 'allow cross-origin browser requests from URL (repeatable; default: none)' },
  'trust-proxy': {
    type: 'string',
    value: 'P',
    help: "behind a reverse proxy: the proxies whose X-Forwarded-For names the client, for the per-address rate limit\nand the log: a hop count (1) or addresses/CIDRs (127.0.0.1,10.0.0.0/8; loopback); also RINGSIDE_TRUST_PROXY",
  },
  webhook: { type: 'string', multiple: true, value: 'URL', help: 'POST every incident change to URL (repeatable; also RINGSIDE_WEBHOOKS=url1,url2)' },
  'open-after': { type: 'string', value: 'S', help: 'seconds a condition must persist before an incident opens (default 120)' },
  'recover-after': { type: 'string', value: 'S', help: 'seconds every condition must stay clear before an incident recovers, or milder before it\nde-escalates (default 300)' },
  standards: { type: 'string', value: 'PATH', help: 'standards and sites file (.yaml/.yml/.json); SIGHUP reloads it' },
  'reject-unknown-sites': { type: 'boolean', help: 'refuse events of sites not configured (default: create them)' },
  'retain-days': { type: 'string', value: 'N', help: 'delete raw events older than N days at start and daily (rollups stay; signed checkpoint)' },
  organisation: { type: 'string', value: 'NAME', help: "the organisation every export's signed manifest names (also RINGSIDE_ORGANISATION)" },
  'tsa-url': { type: 'string', value: 'URL', help: 'an RFC 3161 timestamp authority that timestamps every signed manifest (also RINGSIDE_TSA_URL)' },
  ...HELP_OPTION,
} as const satisfies OptionSpecs;

/** `--help`: the server's options, then every subcommand with all of its options (from the tables the parsers read). */
export const USAGE = `Usage: node server/dist/main.js [options]
       node server/dist/main.js COMMAND [options]   (COMMAND --help: that command's options, explained)

${optionLines(OPTIONS)}

Environment: RINGSIDE_API_KEY=<key> is accepted as an admin key. RINGSIDE_WEBHOOK_SECRET (16+ characters) signs
webhook deliveries. RINGSIDE_TWILIO_AUTH_TOKEN checks Twilio TaskRouter callbacks; RINGSIDE_PUBLIC_URL is the origin
callers use, when a proxy changes it.

Commands (docs/operations.md, "Subcommands"):
${SUBCOMMANDS.map((c) => `  ${wrap(synopsis(c), 6)}\n      ${c.summary.split('\n')[0]}`).join('\n')}
  keys, backup, restore, rebuild-rollups, verify and prune take --database URL (or RINGSIDE_DATABASE_URL) for a
  PostgreSQL store (backup and restore then refuse: use pg_dump).
  forward takes its key from RINGSIDE_API_KEY or --key-file (a key with scope ingest).
`;

export function parseCli(argv: readonly string[]): CliResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: joinNegativeValues(argv, OPTIONS),
      strict: true,
      allowPositionals: false,
      options: parseOptions(OPTIONS),
    }));
  } catch (error) {
    return { kind: 'error', message: parseArgsProblem(error, argv, OPTIONS) };
  }
  if (values.help) return { kind: 'help' };
  const port = values.port === undefined ? DEFAULT_PORT : wholeNumber(values.port);
  if (port === null || port > 65_535) return { kind: 'error', message: `--port must be a whole number from 0 to 65535 (got "${values.port}")` };
  const seed = values.seed === undefined ? undefined : wholeNumber(values.seed);
  if (seed === null) return { kind: 'error', message: `--seed must be a whole number (got "${values.seed}")` };
  const logLevel = values['log-level'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) return { kind: 'error', message: `--log-level ${oneOfMessage(LOG_LEVELS, logLevel)}` };
  const security = securityOptions(values);
  if (typeof security === 'string') return { kind: 'error', message: security };
  const webhooks = parseWebhookUrls(values.webhook ?? [], '--webhook');
  if (!webhooks.ok) return { kind: 'error', message: webhooks.message };
  const holds = holdOptions(values['open-after'], values['recover-after']);
  if (typeof holds === 'string') return { kind: 'error', message: holds };
  const alerts = { ...(webhooks.urls.length > 0 ? { webhooks: webhooks.urls } : {}), ...(Object.keys(holds).length > 0 ? { policy: holds } : {}) };
  const retainDays = values['retain-days'] === undefined ? undefined : wholeNumber(values['retain-days']);
  if (retainDays === null || retainDays === 0) return { kind: 'error', message: `--retain-days must be a whole number of days, at least 1 (got "${values['retain-days']}")` };
  if (values.database !== undefined && !isDatabaseUrl(values.database)) return { kind: 'error', message: notADatabaseUrl('--database', values.database) };
  const pool = databasePool(values['database-pool'], '--database-pool');
  if (typeof pool === 'string') return { kind: 'error', message: pool };
  if (values.redis !== undefined && !isRedisUrl(values.redis)) return { kind: 'error', message: notARedisUrl('--redis', values.redis) };
  if (values['tsa-url'] !== undefined && !isHttpUrl(values['tsa-url'])) return { kind: 'error', message: `--tsa-url must be an http:// or https:// URL, got "${values['tsa-url']}"` };
  for (const key of ['host', 'data', 'standards', 'organisation'] as const) {
    if (values[key] !== undefined && values[key].trim() === '') return { kind: 'error', message: `--${key} must not be empty` };
  }
  const badHost = values.host === undefined ? null : hostProblem(values.host);
  if (badHost) return { kind: 'error', message: badHost };
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

/**
 * Why --host cannot be an address to listen on, before anything asks the resolver (which would answer
 * `getaddrinfo ENOTFOUND 999.1.1.1`); null when it may be. A host name that does not resolve, or an address this
 * machine does not have, is refused at the start, naming --host too (server.ts).
 */
function hostProblem(host: string): string | null {
  const form = 'an address of this machine to listen on (127.0.0.1, 0.0.0.0, ::, 192.168.1.20) or a host name that resolves to one';
  if (isIP(host) !== 0) return null;
  if (/^[\d.]+$/.test(host)) return `--host must be ${form}; "${host}" is not a valid IPv4 address (four numbers from 0 to 255)`;
  if (host.includes('/') || host.includes(':')) return `--host must be ${form}, without a scheme, port or path (got "${host}")`;
  if (!/^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_][a-z0-9_-]{0,62})*\.?$/i.test(host)) return `--host must be ${form} (got "${host}")`;
  return null;
}

function wholeNumber(text: string): number | null {
  return /^\d+$/.test(text) ? Number(text) : null;
}


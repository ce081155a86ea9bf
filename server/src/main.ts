// The built server's entry point: a subcommand (cli/subcommands.ts), or the server itself: parse the command
// line, start (server.ts composes it), print where, stop on signals.
import { resolve } from 'node:path';
import { namesCommand, runSubcommand } from './cli/dispatch';
import { dashboardLines } from './cli/dashboardAddress';
import { databasePool, isDatabaseUrl, isRedisUrl, notADatabaseUrl, notARedisUrl, parseCli, USAGE } from './cli/options';
import { trustProxy as parseTrustProxy } from './cli/securityOptions';
import { isHttpUrl } from './cli/usage';
import { webhookSecretFromEnv, webhooksFromEnv } from './services/alerts/config';
import type { ServerOptions } from './options';
import { startServer } from './server';

async function main(argv: readonly string[]): Promise<void> {
  if (namesCommand(argv)) {
    process.exitCode = await runSubcommand(argv);
    return;
  }
  const cli = parseCli(argv);
  if (cli.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (cli.kind === 'error') {
    process.stderr.write(`ringside: ${cli.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const options = serverOptions(cli.options);
  if (typeof options === 'string') {
    process.stderr.write(`ringside: ${options}\n`);
    process.exitCode = 2;
    return;
  }
  let server;
  try {
    server = await startServer(options);
  } catch (error) {
    process.stderr.write(`ringside: could not start: ${(error as Error).message}\n`);
    // 2: refused by configuration (e.g. a public address without keys); 1: anything else.
    process.exitCode = (error as { exitCode?: number }).exitCode ?? 1;
    return;
  }
  handleSignals(server);
  process.stdout.write([`listening on ${server.url}`, ...dashboardLines(server.port, options.host ?? '127.0.0.1', options.dataDir)].map((line) => `${line}\n`).join(''));
}

/** The command line's options completed from the environment (webhooks, the API key); a string: refused. */
function serverOptions(options: ServerOptions): ServerOptions | string {
  const envWebhooks = webhooksFromEnv(process.env);
  if (!envWebhooks.ok) return envWebhooks.message;
  const webhooks = [...new Set([...(options.alerts?.webhooks ?? []), ...envWebhooks.urls])];
  const webhookSecret = webhookSecretFromEnv(process.env);
  if (!webhookSecret.ok) return webhookSecret.message;
  const databaseUrl = options.databaseUrl ?? (process.env.RINGSIDE_DATABASE_URL || undefined);
  if (databaseUrl !== undefined && !isDatabaseUrl(databaseUrl)) return notADatabaseUrl('RINGSIDE_DATABASE_URL', databaseUrl);
  const poolSize = options.databasePoolSize ?? databasePool(process.env.RINGSIDE_DATABASE_POOL || undefined, 'RINGSIDE_DATABASE_POOL');
  if (typeof poolSize === 'string') return poolSize;
  if (poolSize !== undefined && databaseUrl === undefined) return '--database-pool (or RINGSIDE_DATABASE_POOL) sizes the PostgreSQL pool: it needs --database (or RINGSIDE_DATABASE_URL)';
  const redisUrl = options.redisUrl ?? (process.env.RINGSIDE_REDIS_URL || undefined);
  const organisation = options.organisation ?? (process.env.RINGSIDE_ORGANISATION?.trim() || undefined);
  const tsaUrl = options.tsaUrl ?? (process.env.RINGSIDE_TSA_URL?.trim() || undefined);
  if (tsaUrl !== undefined && !isHttpUrl(tsaUrl)) return `RINGSIDE_TSA_URL must be an http:// or https:// URL, got "${tsaUrl}"`;
  if (redisUrl !== undefined && !isRedisUrl(redisUrl)) return notARedisUrl('RINGSIDE_REDIS_URL', redisUrl);
  const envTrust = process.env.RINGSIDE_TRUST_PROXY || undefined;
  const trustProxy = options.trustProxy ?? (envTrust !== undefined ? parseTrustProxy(envTrust, 'RINGSIDE_TRUST_PROXY') : undefined);
  if (typeof trustProxy === 'string') return trustProxy;
  const secrets = integrationSecrets();
  if (typeof secrets === 'string') return secrets;
  return {
    ...options,
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
    ...(poolSize !== undefined ? { databasePoolSize: poolSize } : {}),
    ...(redisUrl !== undefined ? { redisUrl } : {}),
    ...(organisation !== undefined ? { organisation } : {}),
    ...(tsaUrl !== undefined ? { tsaUrl } : {}),
    ...(trustProxy !== undefined ? { trustProxy } : {}),
    dataDir: resolve(options.dataDir),
    apiKey: process.env.RINGSIDE_API_KEY ?? '',
    ...secrets,
    ...(webhooks.length > 0 ? { alerts: { ...options.alerts, webhooks, ...(webhookSecret.secret !== undefined ? { webhookSecret: webhookSecret.secret } : {}) } } : {}),
  };
}

/**
 * The integrations' secrets and the public URL come from the environment only (a command line is visible to every
 * user); a string: refused.
 */
function integrationSecrets(): Pick<ServerOptions, 'twilioAuthToken' | 'publicUrl'> | string {
  const token = process.env.RINGSIDE_TWILIO_AUTH_TOKEN || undefined;
  const publicUrl = process.env.RINGSIDE_PUBLIC_URL || undefined;
  // Prefixed to every request's path to rebuild the URL a caller signed: a scheme and host it must have, and a query
  // or fragment would land in the middle of that URL.
  if (publicUrl !== undefined && (!isHttpUrl(publicUrl) || /[?#]/.test(publicUrl))) {
    return `RINGSIDE_PUBLIC_URL must be the http:// or https:// address others call this server by, such as https://ringside.example.com (a path prefix may follow; no query), got "${publicUrl}"`;
  }
  return { ...(token !== undefined ? { twilioAuthToken: token } : {}), ...(publicUrl !== undefined ? { publicUrl: publicUrl.replace(/\/+$/, '') } : {}) };
}

/** SIGINT/SIGTERM stop the server, SIGHUP re-reads the standards file. */
function handleSignals(running: Awaited<ReturnType<typeof startServer>>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A terminal's Ctrl-C reaches us more than once under `pnpm start` (the group, and passed on by pnpm and
    // scripts/start.mjs): the stop that began goes on (docs/operations.md, "Stopping, restarts and deploys").
    if (stopping) return;
    stopping = true;
    // The server logs the signal and any failure (JSON lines, as every log line once it has started).
    running.close(signal).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // Handlers first: whoever reads the listening line may signal us at once.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // SIGHUP re-reads --standards; the server logs what it applied, or a bad file with every problem (the last good
  // set stays).
  process.on('SIGHUP', () => void running.reloadStandards());
}

void main(process.argv.slice(2));

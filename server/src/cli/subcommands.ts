// The subcommands of server/dist/main.js besides starting the server, as one table: each opens what it needs
// through the services (no HTTP layer involved) and answers with an exit code (0 ok, 1 failed, 2 bad usage).
import { resolve } from 'node:path';
import { problemText, type VerifyResult } from '../domain/verify';
import { backendFor, copySqliteToPostgres, redactedDatabaseUrl } from '../storeBackend';
import { liveLockHolder } from '../services/dataLock';
import { isDatabaseUrl } from './options';
import { AuditService, readSecret, verifySnapshot } from '../services/audit';
import { KeysService, validateKeyRequest } from '../services/keys';
import { backup, restore } from '../services/operations';
import { prune } from '../services/retention';
import type { Store } from '../store/port';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

type Values = Record<string, string | boolean | undefined>;

export interface Subcommand {
  name: string;
  /** Options it accepts (all strings, but for the boolean ones). */
  options: Record<string, { type: 'string' | 'boolean' }>;
  /** Options it cannot do without. */
  required: readonly string[];
  /** Positional words before the options (`keys create`), if any. */
  actions?: readonly string[];
  run(values: Values, io: Io, action: string | undefined): Promise<number>;
}

/** Thrown by a subcommand for bad usage: exit 2 with the message. */
export class UsageError extends Error {}

/** The store a subcommand works on: --database URL (or RINGSIDE_DATABASE_URL), else the SQLite file in --data DIR. */
function databaseOf(values: Values): string | undefined {
  const url = (values.database as string | undefined) ?? (process.env.RINGSIDE_DATABASE_URL || undefined);
  if (url !== undefined && !isDatabaseUrl(url)) throw new UsageError(`--database must be a PostgreSQL URL (postgres://user@host:5432/database), got "${url}"`);
  return url;
}

async function withStore<T>(values: Values, fn: (store: Store) => Promise<T>): Promise<T> {
  // Opening runs the migrations, so a key can be created before the server first starts.
  const store = await backendFor(databaseOf(values)).open({ dataDir: resolve(values.data as string) });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function keysCommand(values: Values, io: Io, action: string | undefined): Promise<number> {
  return withStore(values, async (store) => {
    const keys = new KeysService(store);
    try {
      if (action === 'create') return await createKey(keys, values, io);
      if (action === 'list') {
        io.out(JSON.stringify(await keys.list(), null, 2) + '\n');
        return 0;
      }
      if (!values.id) throw new UsageError('--id ID is required');
      if (!(await keys.revoke(values.id as string))) {
        io.err(`ringside keys: no key with id ${String(values.id)}\n`);
        return 1;
      }
      io.err(`revoked ${String(values.id)}\n`);
      return 0;
    } finally {
      await keys.flush();
    }
  });
}

async function createKey(keys: KeysService, values: Values, io: Io): Promise<number> {
  const v = validateKeyRequest({ name: values.name, scopes: (values.scope as string | undefined)?.split(',').map((s) => s.trim()), ...(values.expires ? { expiresAt: values.expires } : {}) }, Date.now());
  if (!v.ok) throw new UsageError(v.errors.map((e) => `--${e.path.replace(/^scopes(\.\d+)?$/, 'scope').replace('expiresAt', 'expires')} ${e.message}`).join('; '));
  const created = await keys.create({ name: v.name, scopes: v.scopes, expiresAtMs: v.expiresAtMs, source: 'cli' });
  if (values.json) io.out(JSON.stringify({ key: created.key, ...created.info }) + '\n');
  else {
    io.out(created.key + '\n');
    io.err(`created key ${created.info.id} "${created.info.name}" (${created.info.scopes.join(', ')}); the key above is shown only once\n`);
  }
  return 0;
}

/** The summary line, then one line per problem found (the chain is checked to its end, whatever it finds). */
function verifyText(result: VerifyResult): string {
  const lines = [`${result.intact ? 'INTACT' : 'BROKEN'}: ${result.message}`];
  for (const p of result.problems) lines.push(`  ${problemText(p)}`);
  if (result.moreProblems > 0) lines.push(`  … and ${result.moreProblems} more`);
  return lines.join('\n') + '\n';
}

async function verifyCommand(values: Values, io: Io): Promise<number> {
  const dataDir = resolve(values.data as string);
  const store = await backendFor(databaseOf(values)).openReadOnly(dataDir);
  try {
    const result = await store.snapshot((s) => verifySnapshot(s, readSecret(dataDir, false)));
    io.out(values.json ? JSON.stringify(result) + '\n' : verifyText(result));
    return result.intact ? 0 : 1;
  } finally {
    await store.close();
  }
}

async function pruneCommand(values: Values, io: Io): Promise<number> {
  const days = values['retain-days'] as string;
  if (!/^\d+$/.test(days) || Number(days) < 1) throw new UsageError('--retain-days N (a whole number of days, at least 1) is required');
  return withStore(values, async (store) => {
    const r = await prune(store, new AuditService(store, resolve(values.data as string)), Number(days));
    io.out(`pruned ${r.events} events and ${r.judgements} judgements${r.milestones > 0 ? ` (and ${r.milestones} milestones of closed cases)` : ''} before ${new Date(r.prunedBeforeMs).toISOString()}${r.checkpointSeq ? `; checkpoint ${r.checkpointSeq}` : ''}\n`);
    return 0;
  });
}

async function rebuildCommand(values: Values, io: Io): Promise<number> {
  return withStore(values, async (store) => {
    const started = Date.now();
    const r = await store.write((tx) => tx.writes.rebuildRollups());
    io.out(`rollups rebuilt in ${Date.now() - started} ms (${r.rollupRows} rollup rows, ${r.histogramCells} value histogram cells)\n`);
    return 0;
  });
}

const data = { data: { type: 'string' }, database: { type: 'string' } } as const;

/** Copies --data DIR's SQLite store into the empty database --database URL, then verifies the chain there. */
async function migrateToPostgres(values: Values, io: Io): Promise<number> {
  const dataDir = resolve(values.data as string);
  const url = databaseOf(values);
  if (!url) throw new UsageError('--database URL (postgres://…) is required');
  const holder = liveLockHolder(dataDir);
  if (holder) throw new UsageError(`a Ringside server (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ''}) is using ${dataDir}: stop it first`);
  const copied = await copySqliteToPostgres(dataDir, url);
  io.err(`copied ${Object.entries(copied.rows).filter(([, n]) => n > 0).map(([t, n]) => `${n} ${t}`).join(', ')} into ${redactedDatabaseUrl(url)}\n`);
  const store = await backendFor(url).openReadOnly(dataDir);
  try {
    const result = await store.snapshot((s) => verifySnapshot(s, readSecret(dataDir, false)));
    const head = await store.reads.audit.head();
    const same = copied.head === null ? head.seq === 0 : head.seq === copied.head.seq && head.hash === copied.head.hash;
    io.out(verifyText(result));
    if (!same) io.err(`the chain head on PostgreSQL (${head.seq}) is not the one copied (${copied.head?.seq ?? 0})\n`);
    return result.intact && same ? 0 : 1;
  } finally {
    await store.close();
  }
}

export const SUBCOMMANDS: readonly Subcommand[] = [
  {
    name: 'keys',
    actions: ['create', 'list', 'revoke'],
    options: { ...data, name: { type: 'string' }, scope: { type: 'string' }, expires: { type: 'string' }, id: { type: 'string' }, json: { type: 'boolean' } },
    required: ['data'],
    run: keysCommand,
  },
  {
    name: 'backup',
    options: { ...data, to: { type: 'string' } },
    required: ['data', 'to'],
    run: async (v, io) => {
      const result = await backup(backendFor(databaseOf(v)), resolve(v.data as string), resolve(v.to as string));
      io.err(`backup written to ${result.file} (${result.events} events, schema version ${result.schemaVersion})\n`);
      return 0;
    },
  },
  {
    name: 'restore',
    options: { ...data, from: { type: 'string' }, force: { type: 'boolean' } },
    required: ['from', 'data'],
    run: async (v, io) => {
      const result = await restore(backendFor(databaseOf(v)), resolve(v.from as string), resolve(v.data as string), { force: v.force === true });
      io.err(`restored ${result.events} events into ${resolve(v.data as string)}${result.replaced ? `; the previous database was kept as ${result.replaced}` : ''}\n`);
      return 0;
    },
  },
  { name: 'rebuild-rollups', options: data, required: ['data'], run: rebuildCommand },
  { name: 'verify', options: { ...data, json: { type: 'boolean' } }, required: ['data'], run: verifyCommand },
  { name: 'prune', options: { ...data, 'retain-days': { type: 'string' } }, required: ['data'], run: pruneCommand },
  { name: 'migrate-to-postgres', options: data, required: ['data', 'database'], run: migrateToPostgres },
];

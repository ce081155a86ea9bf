// The subcommands of server/dist/main.js besides starting the server, as one table: each opens what it needs
// through the services (no HTTP layer involved) and answers with an exit code (0 ok, 1 failed, 2 bad usage).
import { dirname, join, resolve } from 'node:path';
import { FieldErrors, isDomainError } from '../domain/errors';
import { secretFingerprint } from '../domain/retention';
import { problemText, type VerifyResult } from '../domain/verify';
import { backendFor, copySqliteToPostgres, databasePath, folderAccessProblem, isDatabaseUrl, isFolder, notADatabaseUrl, redactedDatabaseUrl, SchemaError, setAsideMovedSqlite, storeBackend } from '../storeBackend';
import { liveLockHolder, lockHolderName } from '../services/dataLock';
import { AuditService, readSecret, SECRET_FILE, verifySnapshot } from '../services/audit';
import { CLI_ACTOR, KeysService, listStoredKeys, validateKeyRequest } from '../services/keys';
import { auditFilesToCopy } from '../services/nodeFiles';
import { compareWithStore, forgetWitness, garbledWitness, readWitness, witnessRewoundWarning } from '../services/chainWitness';
import { backup, chainRewoundWarning, compact, damagedWarning, restore } from '../services/operations';
import { prune } from '../services/retention';
import { publicKeyRefusal, SigningIdentity } from '../services/signing';
import { storedAmong } from '../services/sites';
import type { ReadOnlyStore, Store } from '../store/port';
import { isHttpUrl, UsageError, type Io, type OptionSpecs, type Subcommand, type Values } from './usage';
import { forwardCommands } from './forward/command';
import { holdingLock } from './offline';
import { DEFAULT_PORT } from '../protocol';
import { idListAsGiven, idListCandidates, readIdList } from '../protocol/pure/idLists';


/** The store a subcommand works on: --database URL (or RINGSIDE_DATABASE_URL), else the SQLite file in --data DIR. */
function databaseOf(values: Values): string | undefined {
  const url = (values.database as string | undefined) ?? (process.env.RINGSIDE_DATABASE_URL || undefined);
  if (url !== undefined && !isDatabaseUrl(url)) throw new UsageError(notADatabaseUrl(values.database === undefined ? 'RINGSIDE_DATABASE_URL' : '--database', url));
  return url;
}

/**
 * The store in --data DIR (or --database URL), opened to write: it must exist (a mistyped DIR is refused, not given a
 * new empty store), unless `keys create --init` asks for one to be created (opening runs the migrations).
 */
async function withStore<T>(values: Values, fn: (store: Store) => Promise<T>): Promise<T> {
  await refuseUpgradeUnderServer(values);
  const store = await backendFor(databaseOf(values)).open({ dataDir: resolve(values.data as string), existing: values.init !== true });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * Opening a store to write upgrades its schema; under a server that runs on it (keys create and revoke run beside
 * one) that would change the tables under an older release, which then goes on writing as it knows them (rows of
 * tables it does not know left out: figures that verify finds wrong). So a SQLite store an older release's live
 * server holds is refused, naming it, before anything is written. (With --database the lock names no other node.)
 */
async function refuseUpgradeUnderServer(values: Values): Promise<void> {
  const dataDir = resolve(values.data as string);
  const holder = databaseOf(values) === undefined ? liveLockHolder(dataDir) : null;
  if (!holder || !(await storeBackend.exists(dataDir))) return;
  try {
    await (await storeBackend.openReadOnly(dataDir)).close();
  } catch (error) {
    if (!(error instanceof SchemaError) || !error.older) return; // the open below says what else is wrong
    throw new Error(`${lockHolderName(holder)} is using ${dataDir}, whose store has database schema version ${error.current}, older than this Ringside's (${error.latest}): this command would upgrade the store under that server, an older release that would go on writing it as it was. Stop it and start this release's server on ${dataDir} (it upgrades the store at start), then run the command again, or run it with the release that server runs`, { cause: error });
  }
}

/** A store opened read-only (no migration, no checkpoint: nothing written, so a folder this user may only read will do). */
async function withReadOnlyStore<T>(values: Values, fn: (store: ReadOnlyStore) => Promise<T>): Promise<T> {
  const store = await backendFor(databaseOf(values)).openReadOnly(resolve(values.data as string));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function keysCommand(values: Values, io: Io, action: 'create' | 'revoke'): Promise<number> {
  // A bad request is bad usage (exit 2) whatever the store: checked before the store is opened to write (--site read
  // as a list between commas; once the store is open, a value that is a stored site's id is taken whole).
  if (action === 'create') {
    keyRequest(values, await storedSitesBefore(values));
    kioskBase(values);
  }
  return withStore(values, async (store) => {
    const keys = new KeysService(store);
    try {
      if (action === 'create') return await createKey(keys, keyRequest(values, await storedSites(store, values.site)), values, io);
      return revokeKey(keys, values.id as string, io);
    } finally {
      await keys.flush();
    }
  });
}

/**
 * `keys revoke`: exit 0 when the key is revoked, also when it already was (said so, with when: as the API answers 200
 * again), 1 for an unknown id. The last active admin key may be revoked here (whoever runs this can write the store
 * and make a key again with keys create), with a warning saying what that leaves.
 */
async function revokeKey(keys: KeysService, id: string, io: Io): Promise<number> {
  const revoked = await keys.revoke(id, CLI_ACTOR, false);
  if (revoked.outcome === 'unknown') {
    io.err(`ringside keys: no key with id ${id}\n`);
    return 1;
  }
  if (revoked.outcome === 'already-revoked') {
    io.err(`${id} was already revoked (at ${revoked.key.revokedAt}); nothing changed\n`);
    return 0;
  }
  io.err(`revoked ${id}\n`);
  if (revoked.lastAdmin) io.err(`warning: ${id} was the last active admin key: no key can manage keys over the API now (a server started with RINGSIDE_API_KEY still takes that one); make another with keys create --scope admin\n`);
  return 0;
}

/** A repeatable option's values (none: undefined). */
const valuesOf = (value: Values[string]): string[] | undefined => (typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined);

/** Which ids --site's values may name are stored sites (one read). */
const storedSites = (store: ReadOnlyStore, site: Values[string]) => storedAmong(store.reads.sites, idListCandidates(valuesOf(site) ?? []));

/**
 * The stored sites for the check before the store is opened to write, read only when a --site value holds a comma
 * (a stored site's id is taken whole; a new one with a comma could never be written), so that one usage error names
 * that site with every other problem. Undefined when the store cannot be read (none yet, for --init): the sites are
 * then checked once it is open.
 */
async function storedSitesBefore(values: Values): Promise<((id: string) => boolean) | undefined> {
  if (!(valuesOf(values.site) ?? []).some((v) => v.includes(','))) return () => false;
  try {
    return await withReadOnlyStore(values, (store) => storedSites(store, values.site));
  } catch {
    return undefined;
  }
}

/**
 * keys create's options as a valid key request (--scope and --site lists as readIdList reads them, --site's with its
 * repeats, which the key merges once a refused site is named by its place; with `isSite`, a site no key could write
 * among their problems); UsageError naming each bad option.
 */
function keyRequest(values: Values, isSite: ((id: string) => boolean) | undefined) {
  const siteValues = valuesOf(values.site);
  const scopeValues = valuesOf(values.scope);
  const sites = siteValues && idListAsGiven(siteValues, isSite ?? (() => false));
  const request = { name: values.name, scopes: scopeValues && readIdList(scopeValues, () => false), ...(sites !== undefined ? { sites } : {}), ...(values.expires ? { expiresAt: values.expires } : {}) };
  const v = validateKeyRequest(request, Date.now(), isSite);
  if (!v.ok) throw new UsageError(v.errors.map((e) => `--${e.path.replace(/^scopes(\.\d+)?$/, 'scope').replace(/^sites(\.\d+)?$/, 'site').replace('expiresAt', 'expires')} ${e.message}`).join('; '));
  return v;
}

async function createKey(keys: KeysService, v: ReturnType<typeof keyRequest>, values: Values, io: Io): Promise<number> {
  // A site the write refuses (one that differs from a stored site only in letter case) is bad usage of --site, as the
  // sites validation refuses before it.
  const created = await keys.create({ name: v.name, scopes: v.scopes, sites: v.sites, expiresAtMs: v.expiresAtMs, source: 'cli' }, CLI_ACTOR).catch((error: unknown) => {
    if (!isDomainError(error) || !/^sites\.\d+$/.test(error.path)) throw error;
    const problems = error instanceof FieldErrors ? error.problems : [{ path: error.path, message: error.message }];
    throw new UsageError(problems.map((p) => `--site ${p.message}`).join('; '));
  });
  const base = created.info.sites?.length === 1 ? kioskBase(values) : undefined;
  const kiosk = base && `${base.url}/kiosk?site=${encodeURIComponent(created.info.sites![0]!)}#key=${encodeURIComponent(created.key)}`;
  if (values.json) io.out(JSON.stringify({ key: created.key, ...created.info, ...(kiosk ? { kioskUrl: kiosk } : {}) }) + '\n');
  else {
    io.out(created.key + '\n');
    const limited = created.info.sites ? `, writes only ${created.info.sites.join(', ')}` : '';
    io.err(`created key ${created.info.id} "${created.info.name}" (${created.info.scopes.join(', ')}${limited}); the key above is shown only once\n`);
    if (kiosk) io.err(`kiosk link (open it on the reception tablet; it holds the key): ${kiosk}\n`);
  }
  if (base?.assumed) io.err(`note: no server is running on ${resolve(values.data as string)}, so the kiosk link assumes the default address ${base.url}; if the tablet reaches the server at another address, put that one before /kiosk (--url URL gives it)\n`);
  return 0;
}

/**
 * The server's address the reception kiosk's link starts with (the key goes after '#', which browsers never send to
 * a server, so it stays out of access logs): --url (an http(s) URL, else bad usage), else the running server's,
 * else the default one, `assumed`: the operator is told the link may be wrong rather than given it silently.
 */
function kioskBase(values: Values): { url: string; assumed: boolean } {
  const given = values.url as string | undefined;
  if (given !== undefined && !isHttpUrl(given)) throw new UsageError(`--url must be an http:// or https:// URL (the server's address the kiosk link starts with), got "${given}"`);
  const running = given ?? liveLockHolder(resolve(values.data as string))?.url;
  return { url: (running ?? `http://127.0.0.1:${DEFAULT_PORT}`).replace(/\/+$/, ''), assumed: running === undefined };
}

/**
 * The summary line (an intact chain whose checkpoints' HMACs went unchecked is not called plainly INTACT), what
 * `dataDir`'s audit.secret has to do with it, then one line per problem found (the chain is checked to its end,
 * whatever it finds).
 */
async function verifyText(result: VerifyResult, store: ReadOnlyStore, dataDir: string, secret: Buffer | null, witness: string | null = null): Promise<string> {
  const status = !result.intact ? 'BROKEN' : result.signaturesChecked ? 'INTACT' : 'INTACT, CHECKPOINT SIGNATURES NOT CHECKED';
  const lines = [`${status}: ${result.message}`];
  // Second, before the problems: a secret that is missing or not the store's is the cause of every checkpoint's.
  const note = await secretNote(result, store, dataDir, secret);
  if (note) lines.push(note);
  if (witness) lines.push(witness);
  for (const p of result.problems) lines.push(`  ${problemText(p)}`);
  if (result.moreProblems > 0) lines.push(`  … and ${result.moreProblems} more`);
  return lines.join('\n') + '\n';
}

/** Why the checkpoints' HMACs were not checked, or failed: the folder's audit.secret missing, or not the store's. */
async function secretNote(result: VerifyResult, store: ReadOnlyStore, dataDir: string, secret: Buffer | null): Promise<string | null> {
  if (result.checkpoints === 0) return null;
  if (!secret) return `${dataDir} holds no audit.secret, the key that signs retention checkpoints: copy the store's (from a node that runs on it) into ${dataDir} and verify again to check them`;
  const recorded = await store.reads.audit.secret();
  if (!recorded || recorded.fingerprint === secretFingerprint(secret)) return null;
  return `${join(dataDir, SECRET_FILE)} (fingerprint ${secretFingerprint(secret)}) is not the store's (${recorded.fingerprint}): checkpoints it did not sign fail with it; verify with the store's audit.secret (from a node that runs on it)`;
}

async function verifyCommand(values: Values, io: Io): Promise<number> {
  const dataDir = resolve(values.data as string);
  return withReadOnlyStore(values, async (store) => {
    const secret = readSecret(dataDir, false);
    const result = await store.snapshot((s) => verifySnapshot(s, secret));
    const witness = await witnessCheck(store, dataDir);
    if (values.json) io.out(JSON.stringify(witness ? { ...result, witness: witness.json } : result) + '\n');
    else io.out(await verifyText(result, store, dataDir, secret, witness?.text ?? null));
    return result.intact ? 0 : 1;
  });
}

/**
 * Whether the store's chain passes through the heads DIR's chain witness remembers (a node that ran on DIR saw them):
 * null without a witness; else the warning line (null: it does) and what --json adds. An intact chain that was taken
 * back is still intact (exit 0): the line says which published heads no longer verify.
 */
async function witnessCheck(store: ReadOnlyStore, dataDir: string): Promise<{ text: string | null; json: Record<string, unknown> } | null> {
  const remembered = readWitness(dataDir);
  if (!remembered) return null;
  if ('problem' in remembered) return { text: `warning: ${garbledWitness(remembered, 'the store was not checked against it')}`, json: { file: remembered.file, problem: remembered.problem } };
  const { rewind } = await compareWithStore(store, remembered.file, remembered.heads);
  const json = { file: remembered.file, rememberedHead: { seq: remembered.heads[0]?.seq ?? 0, hash: remembered.heads[0]?.hash ?? null }, passes: rewind === null };
  if (!rewind) return { text: null, json };
  return { text: `warning: ${witnessRewoundWarning(rewind)}`, json: { ...json, storeHead: rewind.now, sharedSeq: rewind.sharedSeq, ...(rewind.sharedAtMost !== undefined ? { sharedAtMost: rewind.sharedAtMost } : {}) } };
}

async function pruneCommand(values: Values, io: Io): Promise<number> {
  const days = values['retain-days'] as string;
  if (!/^\d+$/.test(days) || Number(days) < 1) throw new UsageError(`--retain-days must be a whole number of days, at least 1 (got ${JSON.stringify(days)})`);
  // Offline: one long write beside a running server's would hold its ingest up (it prunes itself with --retain-days).
  const dataDir = resolve(values.data as string);
  return holdingLock('prune', dataDir, () =>
    withStore(values, async (store) => {
      const r = await prune(store, new AuditService(store, dataDir), Number(days));
      io.out(`pruned ${r.events} events and ${r.judgements} judgements${r.milestones > 0 ? ` (and ${r.milestones} milestones of closed cases)` : ''} before ${new Date(r.prunedBeforeMs).toISOString()}${r.checkpointSeq ? `; checkpoint ${r.checkpointSeq}` : ''}\n`);
      return 0;
    }),
    { whileServed: pruneWhileServed(dataDir, days, databaseOf(values)) },
  );
}

/**
 * What prune says when a server holds DIR. A server prunes itself with --retain-days (at start, then daily). On
 * SQLite the store is DIR's file: the server must stop first. On PostgreSQL the store is the database, and DIR is
 * only where audit.secret (the store's, which signs the checkpoint) is read: a prune from any other folder holding a
 * copy of it runs beside the nodes, its one write waiting its turn on the store's write lock as theirs wait for it.
 */
function pruneWhileServed(dataDir: string, days: string, database: string | undefined): string {
  const itself = `restart it with --retain-days ${days}, and it prunes itself (at start, then daily)`;
  if (database === undefined) return `stop it first, or ${itself}`;
  return `on PostgreSQL, prune can run beside it: give --data another folder holding a copy of ${join(dataDir, SECRET_FILE)} (the nodes' writes wait while it prunes), or ${itself}`;
}

async function rebuildCommand(values: Values, io: Io): Promise<number> {
  // Offline, as documented: the running server keeps the rollups as it ingests (and figures read from them); a
  // rebuild, one long write beside it, would hold its ingest up.
  return holdingLock('rebuild-rollups', resolve(values.data as string), () =>
    withStore(values, async (store) => {
      const started = Date.now();
      const r = await store.write((tx) => tx.writes.rebuildRollups());
      io.out(`rollups rebuilt in ${Date.now() - started} ms (${r.rollupRows} rollup rows, ${r.histogramCells} value histogram cells)\n`);
      return 0;
    }),
  );
}

/**
 * Prints the public key export manifests are signed with (PEM on stdout: `> ringside-public-key.pem`). DIR must hold
 * the key or a store (a store from before signed manifests gets its key now); a DIR with neither is refused, not
 * given a new key that signs nothing the server exports, and so is one this user could not write the new key into.
 * A key that is not the one DIR's store records, or none where the store records one (a database restored without
 * its audit-signing.json), is refused too, whatever the output (--json as well), and no key is made: it would verify
 * none of the store's exports. A DIR holding the key but no SQLite store (a PostgreSQL node's folder) has nothing to
 * check it against here; a start checks it against that store.
 */
async function publicKeyCommand(values: Values, io: Io): Promise<number> {
  const dataDir = resolve(values.data as string);
  const held = SigningIdentity.exists(dataDir);
  if (!held || (await storeBackend.exists(dataDir))) {
    const store = await storeBackend.openReadOnly(dataDir, { olderSchema: 'allow' }); // it reads the key where the store has one
    const recorded = await store.reads.audit.signingKey().finally(() => store.close());
    const refused = publicKeyRefusal(dataDir, recorded);
    if (refused) throw new Error(refused);
  }
  if (!held) {
    const denied = folderAccessProblem(dataDir, 'write');
    if (denied) throw new Error(`${dataDir} has no signing key yet (audit-signing.json) and this user cannot create one there: ${denied}. Start the server on it once (it creates the key), or run this as the folder's owner`);
  }
  const info = SigningIdentity.open(dataDir, Date.now()).publicKey(process.env.RINGSIDE_ORGANISATION?.trim() || null);
  if (values.json) io.out(JSON.stringify(info) + '\n');
  else {
    io.out(info.publicKey);
    io.err(`key ${info.keyId} of instance ${info.instanceId}, created ${info.createdAt}\n`);
  }
  return 0;
}

/**
 * Copies --data DIR's SQLite store into the empty database --database URL, then verifies the chain there. Offline:
 * it brings the file's schema up to date first, and a server writing meanwhile would leave events behind.
 */
async function migrateToPostgres(values: Values, io: Io): Promise<number> {
  const dataDir = resolve(values.data as string);
  const url = databaseOf(values);
  if (!url) throw new UsageError('--database URL (postgres://…) is required');
  return holdingLock('migrate-to-postgres', dataDir, () => copyAndVerify(dataDir, url, io));
}

async function copyAndVerify(dataDir: string, url: string, io: Io): Promise<number> {
  const copied = await copySqliteToPostgres(dataDir, url);
  io.err(`copied ${Object.entries(copied.rows).filter(([, n]) => n > 0).map(([t, n]) => `${n} ${t}`).join(', ')} into ${redactedDatabaseUrl(url)}\n`);
  const store = await backendFor(url).openReadOnly(dataDir);
  try {
    const secret = readSecret(dataDir, false);
    const result = await store.snapshot((s) => verifySnapshot(s, secret));
    const head = await store.reads.audit.head();
    const same = copied.head === null ? head.seq === 0 : head.seq === copied.head.seq && head.hash === copied.head.hash;
    // The folder's chain witness holds the SQLite chain's seqs and hashes, which the copy keeps: it passes.
    io.out(await verifyText(result, store, dataDir, secret, (await witnessCheck(store, dataDir))?.text ?? null));
    if (!same) io.err(`the chain head on PostgreSQL (${head.seq}) is not the one copied (${copied.head?.seq ?? 0})\n`);
    if (!result.intact || !same) return 1;
    const aside = setAsideMovedSqlite(dataDir, new Date());
    io.err(`${databasePath(dataDir)} is now ${aside}, so that no server starts on the SQLite copy by mistake (a start on ${dataDir} without --database is refused); start the nodes with --database. To go on with SQLite instead, rename it back to ringside.db\n`);
    return 0;
  } finally {
    await store.close();
  }
}

const data = {
  data: { type: 'string', value: 'DIR', help: 'the data directory holding ringside.db' },
  database: { type: 'string', value: 'URL', help: "work on this PostgreSQL store (postgres://…; also RINGSIDE_DATABASE_URL) instead of\nDIR's ringside.db; DIR then names the folder with the node's audit.secret" },
} as const satisfies OptionSpecs;
const json = { json: { type: 'boolean', help: 'answer in JSON' } } as const satisfies OptionSpecs;

export const SUBCOMMANDS: readonly Subcommand[] = [
  {
    name: 'keys create',
    summary: "Creates an API key and prints its secret on stdout, once; with one --site, also the reception kiosk's link.",
    options: {
      ...data,
      name: { type: 'string', value: 'NAME', help: 'what the key is for (shown in lists and logs)' },
      scope: { type: 'string', value: 'ingest|read|audit|admin|metrics[,…]', help: 'what the key may do (comma-separated)' },
      site: { type: 'string', multiple: true, value: 'SITE[,…]', help: 'ingest keys: write only these sites (repeatable: each value one site;\nor one value of sites between commas); one site prints its kiosk link' },
      url: { type: 'string', value: 'URL', help: "the server's address the kiosk link starts with, http(s) (default: the running server's;\nwith none running, http://127.0.0.1:4870 and a note)" },
      expires: { type: 'string', value: 'ISO', help: 'when the key stops working (an ISO 8601 time)' },
      ...json,
      init: { type: 'boolean', help: "create DIR's database if it has none (a key before the server's first start);\nwithout it a DIR with no database is refused" },
    },
    required: ['data', 'name', 'scope'],
    run: (v, io) => keysCommand(v, io, 'create'),
  },
  {
    name: 'keys list',
    summary: 'Lists the keys as JSON (no secrets); reads the store read-only.',
    options: data,
    required: ['data'],
    run: (v, io) =>
      withReadOnlyStore(v, async (store) => {
        io.out(JSON.stringify(await listStoredKeys(store.reads, Date.now()), null, 2) + '\n');
        return 0;
      }),
  },
  {
    name: 'keys revoke',
    summary: 'Revokes a key.',
    options: { ...data, id: { type: 'string', value: 'ID', help: 'the key to revoke (its id, as keys list shows it)' } },
    required: ['data', 'id'],
    run: (v, io) => keysCommand(v, io, 'revoke'),
  },
  {
    name: 'backup',
    summary: "Writes an online backup of DIR's database to FILE (also while the server runs); never overwrites a file.",
    options: { ...data, to: { type: 'string', value: 'FILE', help: 'the backup file to write' } },
    required: ['data', 'to'],
    run: async (v, io) => {
      // resolve() drops a trailing slash: `--to /backups/` would become a file named /backups. An existing folder
      // without one is the same slip.
      if ((v.to as string).endsWith('/') || isFolder(resolve(v.to as string))) throw new UsageError(`--to names the backup file, not a folder (got "${v.to as string}"): e.g. --to ${join(v.to as string, `ringside-${new Date().toISOString().slice(0, 10)}.db`)}`);
      const result = await backup(backendFor(databaseOf(v)), resolve(v.data as string), resolve(v.to as string));
      const folder = dirname(result.file);
      if (result.createdFolder) io.err(`created ${result.createdFolder === folder ? `the folder ${folder}` : `the folders ${result.createdFolder} … ${folder}`} (mode 0700) for the backup\n`);
      io.err(`backup written to ${result.file} (${result.events} events, schema version ${result.schemaVersion})\n`);
      return 0;
    },
  },
  {
    name: 'restore',
    summary:
      "Restores a backup into DIR (refused while a server uses DIR); the current database is kept beside it.\nWarns when the current database's audit chain went past the backup's (heads published since no longer verify).",
    options: { ...data, from: { type: 'string', value: 'FILE', help: 'the backup file to restore' }, force: { type: 'boolean', help: 'replace the current database without keeping a copy' } },
    required: ['from', 'data'],
    run: async (v, io) => {
      const dataDir = resolve(v.data as string);
      const result = await holdingLock('restore', dataDir, () => restore(backendFor(databaseOf(v)), resolve(v.from as string), dataDir, { force: v.force === true }), { createsFolder: true });
      io.err(`restored ${result.events} events into ${dataDir}${result.replaced ? `; the previous database was kept as ${result.replaced}` : ''}\n`);
      for (const warning of [damagedWarning(result), chainRewoundWarning(result)]) if (warning) io.err(`warning: ${warning}\n`);
      if (result.chainCompared) forgetWitness(dataDir);
      const toCopy = auditFilesToCopy(dataDir);
      if (toCopy) io.err(`note: ${toCopy}\n`);
      return 0;
    },
  },
  {
    name: 'rebuild-rollups',
    summary: 'Recomputes the rollup tables and value histograms from the raw events (after pruning: from the cutoff on).',
    options: data,
    required: ['data'],
    run: rebuildCommand,
  },
  { name: 'verify', summary: 'Recomputes the audit hash chain: exit 0 intact, 1 broken, one line per problem.', options: { ...data, ...json }, required: ['data'], run: verifyCommand },
  {
    name: 'public-key',
    summary:
      "Prints the public key export manifests are signed with (PEM on stdout; key id and instance on stderr).\nCreates the key if DIR has none and its store records none; refused (exit 1) when DIR's store records\nanother key, or one DIR lacks (a restore without audit-signing.json): copy the store's file there.",
    options: { data: data.data, json: { type: 'boolean', help: 'answer what GET /api/v1/audit/public-key answers' } },
    required: ['data'],
    run: publicKeyCommand,
  },
  {
    name: 'prune',
    summary: 'Deletes raw events older than N days, with a signed checkpoint in the audit chain.',
    options: { ...data, 'retain-days': { type: 'string', value: 'N', help: 'keep the last N days of raw events (at least 1)' } },
    required: ['data', 'retain-days'],
    run: pruneCommand,
  },
  {
    name: 'compact',
    summary: "Rewrites DIR's database without the space deleted rows left (SQLite's VACUUM): it shrinks after a prune.\nRefused while a server uses DIR.",
    options: { data: data.data },
    required: ['data'],
    run: async (v, io) => {
      const dataDir = resolve(v.data as string);
      if (databaseOf(v) !== undefined) throw new UsageError('compact is for a SQLite store (--data DIR): PostgreSQL gives the space back by its own VACUUM');
      // Offline: VACUUM holds the write lock while it copies the whole database; a server's ingest would wait on it.
      const r = await holdingLock('compact', dataDir, () => compact(storeBackend, dataDir));
      io.out(`compacted ${r.file}: ${megabytes(r.bytesBefore)} → ${megabytes(r.bytesAfter)}\n`);
      return 0;
    },
  },
  {
    name: 'migrate-to-postgres',
    summary: "Copies DIR's SQLite store into an empty PostgreSQL database, then verifies the chain there.",
    options: { data: data.data, database: { type: 'string', value: 'URL', help: 'the empty PostgreSQL database to copy into (postgres://…; also RINGSIDE_DATABASE_URL)' } },
    required: ['data', 'database'],
    run: migrateToPostgres,
  },
  ...forwardCommands,
];

/** The first words of the commands: `keys`, `verify`, `forward`. */
export const COMMAND_WORDS: readonly string[] = [...new Set(SUBCOMMANDS.map((c) => c.name.split(' ')[0]!))];

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

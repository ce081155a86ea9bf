// The SQLite store behind the port (../port.ts). One file under the data directory; three kinds of connection:
//  - the writer: every write, one transaction at a time (an async mutex: BEGIN IMMEDIATE … COMMIT, savepoints for
//    the parts of a group commit). A write may stay open across awaits;
//  - the reader (read-only, WAL): reads outside writes, which see committed data only;
//  - one read-only connection per snapshot, in one read transaction for as long as the snapshot lasts.
import type { Coordination, ReadOnlyStore, Snapshot, Store, StoreOptions, StoreReads, WriteTx } from '../port';
import { folderAccessProblem } from '../dataFolder';
import { WriteQueue, WriteTxBase } from '../transactions';
import { alertById } from './alerts';
import { auditReads, prune } from './audit';
import { appendAuditLog } from './auditLog';
import { AUDIT_SECRET_SQL, toRecordedSecret } from './auditSecret';
import { SIGNING_KEY_SQL, toRecordedKey } from './signingKey';
import { createBatchWriter } from './batchWriter';
import { casesReads, claimBreach, closeCase, writeCaseJudgement, writeMilestones } from './cases';
import { chainWriter } from './chain';
import { writeCorrection } from './corrections';
import { databaseExposure, databasePath, existingDatabasePath, openDatabase, openReader, Statements, type SqliteDatabase } from './database';
import { eventsReads } from './events';
import { figuresReads } from './figures';
import { acknowledgeIncidents, finishDelivery, incidentsReads, recordAttempt, writeIncidentChanges } from './incidents';
import { keysReads, keysUsed, revokeKey, writeKey } from './keys';
import { rebuildRollups } from './rebuild';
import { ROLLUP_TABLE, VALUE_TABLE } from './rollups';
import { retireSite, sitesReads, writeSite } from './sites';
import { snapshotReads } from './snapshot';
import { asUnavailable } from './storageErrors';
import { standardsReads, writeEventType, writeStandardVersion, writeStandardWithdrawal } from './standards';
import { checkWritable } from './writable';
import { checkReadableSchema } from '../schemaVersion';
import { schemaVersion } from './migrate';
import { LATEST_VERSION } from '../migrations';

function readsOf(s: Statements): StoreReads {
  return { cases: casesReads(s), standards: standardsReads(s), sites: sitesReads(s), events: eventsReads(s), figures: figuresReads(s), incidents: incidentsReads(s), keys: keysReads(s), audit: auditReads(s) };
}

/** The writer's transaction: reads on the writer connection (they see the transaction's own writes), and writes. */
class SqliteWriteTx extends WriteTxBase {
  readonly writes: WriteTx['writes'];

  constructor(
    private readonly s: Statements,
    private readonly batchWriter: ReturnType<typeof createBatchWriter>,
    commitCallbacks: Array<() => void>,
    nowMs: number,
  ) {
    super(readsOf(s), commitCallbacks, nowMs);
    this.writes = this.writeOps();
  }

  protected exec(sql: string): void {
    this.s.db.exec(sql);
  }

  protected forgetChain(): void {
    chainWriter(this.s.db).forget();
  }

  private writeOps(): WriteTx['writes'] {
    const s = this.s;
    const at = this.nowMs;
    return {
      events: async (batch) => this.batchWriter(batch, at),
      milestones: async (batch) => writeMilestones(s, batch, at),
      closeCase: async (key, end) => closeCase(s, key, end),
      caseJudgement: async (key, judgement) => writeCaseJudgement(s, key, judgement, at),
      claimBreach: async (key, standardId, deadlineMs) => claimBreach(s, key, standardId, deadlineMs, at),
      standardVersion: async (v) => writeStandardVersion(s, v, at),
      standardWithdrawal: async (id, version) => writeStandardWithdrawal(s, id, version, at),
      eventType: async (def) => writeEventType(s, def, at),
      site: async (site, change) => writeSite(s, site, change, at),
      retireSite: async (id) => retireSite(s, id, at),
      correction: async (subject, record, after) => writeCorrection(s, subject, record, after),
      auditLog: async (entry) => appendAuditLog(s.db, entry, at),
      signingKey: async (k) => {
        s.get(SIGNING_KEY_SQL.record).run(k.keyId, k.publicKey, k.instanceId, at);
        return toRecordedKey(s.get(SIGNING_KEY_SQL.read).get() as Parameters<typeof toRecordedKey>[0]);
      },
      auditSecret: async (fingerprint) => {
        s.get(AUDIT_SECRET_SQL.record).run(fingerprint, at);
        return toRecordedSecret(s.get(AUDIT_SECRET_SQL.read).get() as Parameters<typeof toRecordedSecret>[0]);
      },
      incidentChanges: async (drafts, urls) => (drafts.length === 0 ? [] : writeIncidentChanges(s, drafts, urls, at)),
      acknowledgeIncidents: async (ids, by) => acknowledgeIncidents(s, ids, by, at),
      deliveryAttempt: async (attempt, next) => recordAttempt(s, attempt, next),
      finishDelivery: async (id, status, reason) => finishDelivery(s, id, status, reason, at),
      key: async (k) => writeKey(s, k),
      revokeKey: async (id) => revokeKey(s, id, at),
      keysUsed: async (lastUse) => keysUsed(s, lastUse),
      prune: async (cutoffMs, sign) => {
        const pruned = erasing(s.db, () => prune(s, cutoffMs, sign, at));
        if (pruned.checkpointSeq !== null) this.onCommit(() => checkpointWal(s.db));
        return pruned;
      },
      rebuildRollups: async () => {
        const horizon = await auditReads(s).horizon();
        rebuildRollups(s.db, horizon?.prunedBeforeMs);
        const count = (tables: readonly string[]) => tables.reduce((n, t) => n + (s.get(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n, 0);
        return { rollupRows: count(Object.values(ROLLUP_TABLE)), histogramCells: count(Object.values(VALUE_TABLE)) };
      },
    };
  }
}

/**
 * Runs `fn` with SQLite zeroing what it deletes. Retention is how personal data (agent names, caller and case ids) is
 * erased: a pruned row's bytes must not stay in the page's free space or on a free page for `strings ringside.db` to
 * find. Only around the prune: ingest rewrites rollup cells all the time, and their old bytes need no zeroing.
 */
function erasing<T>(db: SqliteDatabase, fn: () => T): T {
  db.pragma('secure_delete = ON');
  try {
    return fn();
  } finally {
    db.pragma('secure_delete = OFF');
  }
}

/**
 * After a prune: the pages as they were before it (the pruned rows' bytes) stay in the database file until a
 * checkpoint copies their zeroed state over them, and older copies in the -wal until it is written over. So
 * checkpoint at once and empty the -wal. Without waiting: an export reading an older snapshot keeps its pages, and
 * ingest must not wait on it; the next checkpoint (SQLite's own, every 1,000 pages) copies them then.
 */
function checkpointWal(db: SqliteDatabase): void {
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}

/** Snapshots on their own read-only connections of `file`. */
async function snapshotOf<T>(file: string, fn: (s: Snapshot) => Promise<T>): Promise<T> {
  const db = openReader(file, true);
  try {
    db.exec('BEGIN'); // one snapshot for every read below
    const s = new Statements(db);
    const get = (id: number) => {
      const alert = alertById(s, id);
      if (!alert) throw new Error(`alert ${id} is not in the snapshot`);
      return alert;
    };
    return await fn({ ...readsOf(s), ...snapshotReads(s, get) });
  } finally {
    if (db.inTransaction) db.exec('COMMIT');
    db.close();
  }
}

/** An existing file read as it is (no migration, no writer): verification next to a running server. */
export function openReadOnly(dataDir: string, options: { olderSchema?: 'allow' } = {}): ReadOnlyStore {
  const file = existingDatabasePath(dataDir);
  const reader = readOnlyConnection(file, dataDir);
  try {
    checkReadableSchema(schemaVersion(reader), LATEST_VERSION, file, options);
  } catch (error) {
    reader.close();
    throw error;
  }
  return {
    reads: readsOf(new Statements(reader)),
    snapshot: (fn) => snapshotOf(file, fn),
    close: async () => void reader.close(),
  };
}

/**
 * A read-only connection, or why there can be none. A WAL-mode database is read through its -shm file (the readers'
 * shared index), which SQLite creates beside it when it is missing, as it is once the last connection closed (a
 * server that stopped): in a folder this user may not write, it cannot, and SQLite's own words name neither.
 */
function readOnlyConnection(file: string, dataDir: string): SqliteDatabase {
  let reader: SqliteDatabase | undefined;
  try {
    reader = openReader(file);
    reader.pragma('user_version'); // SQLite opens the file (and its -shm) at the first read
    return reader;
  } catch (error) {
    reader?.close();
    const denied = folderAccessProblem(dataDir, 'write');
    const code = (error as { code?: unknown } | null)?.code;
    if (!denied || typeof code !== 'string' || !/^SQLITE_(READONLY|CANTOPEN)/.test(code)) throw error;
    throw new Error(`cannot read ${file} read-only: SQLite must create ${file}-shm beside it (the database is in WAL mode, and the last connection to close removes that file), and this user may not: ${denied}`, { cause: error });
  }
}

/** One process per data directory (its lock file): the node is alone, so it leads and hears no other node. */
const ALONE: Coordination = { lead: () => Promise.resolve(true), onSignal: () => () => undefined, compareSettings: () => () => undefined };

export class SqliteStore implements Store {
  readonly reads: StoreReads;
  readonly coordination = ALONE;
  private readonly writer: Statements;
  private readonly reader: SqliteDatabase;
  private readonly batchWriter: ReturnType<typeof createBatchWriter>;
  private readonly queue = new WriteQueue();

  private constructor(
    private readonly file: string,
    db: SqliteDatabase,
    private readonly now: () => number,
  ) {
    this.writer = new Statements(db);
    this.batchWriter = createBatchWriter(db);
    this.reader = openReader(file);
    this.reads = readsOf(new Statements(this.reader));
  }

  static open(options: StoreOptions): SqliteStore {
    if (options.existing) existingDatabasePath(options.dataDir);
    const exposure = databaseExposure(options.dataDir);
    if (exposure) options.warn?.(exposure);
    return new SqliteStore(databasePath(options.dataDir), openDatabase(options.dataDir), options.now ?? Date.now);
  }

  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    return this.queue.run(() => this.transaction(fn));
  }

  private async transaction<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    const db = this.writer.db;
    const chain = chainWriter(db);
    const callbacks: Array<() => void> = [];
    db.exec('BEGIN IMMEDIATE');
    chain.begin();
    try {
      const value = await fn(new SqliteWriteTx(this.writer, this.batchWriter, callbacks, this.now()));
      db.exec('COMMIT');
      chain.end();
      for (const callback of callbacks) callback();
      return value;
    } catch (error) {
      chain.end();
      if (db.inTransaction) db.exec('ROLLBACK');
      throw asUnavailable(error);
    }
  }

  snapshot<T>(fn: (s: Snapshot) => Promise<T>): Promise<T> {
    return snapshotOf(this.file, fn);
  }

  writable(): Promise<void> {
    return checkWritable(this.file);
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.reader.close();
    this.writer.db.close();
  }
}

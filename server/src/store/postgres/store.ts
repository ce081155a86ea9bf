// The PostgreSQL store behind the port (../port.ts), for several Ringside nodes on one database. Connections come
// from a pool:
//  - a write: one client, BEGIN … COMMIT, after taking the store's write lock (a transaction-level advisory lock):
//    writes of every node are serialised, as the SQLite writer's are within one process. That is what keeps the
//    chain one chain (its head is read under the lock), event seqs in commit order (a client reading "after seq N"
//    never misses a row that commits later with a lower seq), and rollup rows exact (read, folded and written back
//    under the lock). Within a node writes also queue (one client at a time, onCommit callbacks before the next);
//  - reads outside writes: the pool, autocommit (committed data only);
//  - a snapshot: its own client in one REPEATABLE READ, READ ONLY transaction.
// Idempotency does not depend on the lock alone: events.id is unique, and a taken id inserts nothing (events.ts).
import type pg from 'pg';
import type { ReadOnlyStore, Snapshot, Store, StoreReads, WriteTx } from '../port';
import { DomainError, isUnavailable, StorageUnavailable } from '../../domain/errors';
import { WriteQueue, WriteTxBase } from '../transactions';
import { claimBreach, closeCase, writeCaseJudgement, writeMilestones } from './cases';
import { PgChainWriter } from './chain';
import { notifyNodes, type PgCoordination } from './coordination';
import { asUnavailable, Sql } from './db';
import { writeEvents } from './events';
import { readsOf } from './reads';
import { snapshotReads } from './snapshot';
import { PUT_EVENT_TYPE } from '../sqlite/standards';
import { AUDIT_SECRET_SQL, toRecordedSecret } from '../sqlite/auditSecret';
import { SIGNING_KEY_SQL, toRecordedKey } from '../sqlite/signingKey';
import * as w from './writes';

/** A write whose COMMIT was sent but never answered (the connection lost): stored or not, the database alone knows. */
const commitUnknown = (cause: unknown) =>
  new DomainError(
    'unavailable',
    '',
    'the connection to the database was lost while it committed this request, so it may or may not have been stored: send it again as it was (the same ids); what was stored is then answered as a duplicate',
    undefined,
    'commit-unknown',
    { cause },
  );

/** The advisory lock every write transaction holds ("rs-write"). */
export const WRITE_LOCK = 0x72732d7772697465n;

class PgWriteTx extends WriteTxBase {
  readonly writes: WriteTx['writes'];
  /** The writes of this transaction, one after the other (callers may start several at once, e.g. Promise.all). */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly s: Sql,
    private readonly chain: PgChainWriter,
    commitCallbacks: Array<() => void>,
    nowMs: number,
    private readonly nodeId: string,
  ) {
    super(readsOf(s), commitCallbacks, nowMs);
    this.writes = this.writeOps();
  }

  protected exec(sql: string): Promise<number> {
    return this.s.run(sql);
  }

  protected forgetChain(): void {
    this.chain.forget();
  }

  /** A part of a write that undoes itself (a savepoint) when it fails, as the SQLite batch writer's transaction. */
  private atomic<T>(fn: () => Promise<T>): Promise<T> {
    return this.savepoint(async () => {
      const value = await fn();
      await this.chain.flush();
      return value;
    });
  }

  /** Runs one write operation after the previous one; its chain links are inserted when it is done. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(async () => {
      try {
        const value = await fn();
        await this.chain.flush();
        return value;
      } catch (error) {
        this.chain.forget();
        throw error;
      }
    });
    this.turn = run.catch(() => undefined);
    return run;
  }

  private writeOps(): WriteTx['writes'] {
    const ops = this.unserialisedOps();
    const serial = Object.fromEntries(Object.entries(ops).map(([name, op]) => [name, (...args: unknown[]) => this.serial(() => (op as (...a: unknown[]) => Promise<unknown>)(...args))]));
    return serial as unknown as WriteTx['writes'];
  }

  private unserialisedOps(): WriteTx['writes'] {
    const { s, chain } = this;
    const at = this.nowMs;
    return {
      events: (batch) => this.atomic(async () => {
        const outcomes = await writeEvents(s, chain, batch, at);
        await notifyNodes(s, this.nodeId, 'stored'); // the leader evaluates alerts after other nodes' batches too
        return outcomes;
      }),
      milestones: (batch) => this.atomic(async () => {
        const outcomes = await writeMilestones(s, chain, batch, at);
        await notifyNodes(s, this.nodeId, 'cases'); // the other nodes watch a case it opened from its commit on
        return outcomes;
      }),
      closeCase: async (key, end) => {
        await closeCase(s, key, end);
        await notifyNodes(s, this.nodeId, 'cases');
      },
      caseJudgement: (key, judgement) => writeCaseJudgement(s, chain, key, judgement, at),
      claimBreach: (key, standardId, deadlineMs) => claimBreach(s, key, standardId, deadlineMs, at),
      standardVersion: async (v) => {
        await w.writeStandardVersion(s, chain, v, at);
        await notifyNodes(s, this.nodeId, 'standards'); // the other nodes judge with it from its commit on
      },
      standardWithdrawal: async (id, version) => {
        await w.writeStandardWithdrawal(s, chain, id, version, at);
        await notifyNodes(s, this.nodeId, 'standards'); // the other nodes stop judging with it from its commit on
      },
      eventType: async (def) => {
        await s.run(PUT_EVENT_TYPE, [def.id, JSON.stringify(def), at, at]);
        await notifyNodes(s, this.nodeId, 'standards'); // the other nodes read the types again with the standards
      },
      site: async (site, change) => {
        await w.writeSite(s, chain, site, change, at);
        await notifyNodes(s, this.nodeId, 'sites'); // the other nodes' dashboards name the site as it now is
      },
      retireSite: async (id) => {
        await w.retireSite(s, chain, id, at);
        await notifyNodes(s, this.nodeId, 'sites');
      },
      correction: (subject, record, after) => w.writeCorrection(s, chain, subject, record, after),
      auditLog: (entry) => w.appendAuditLog(s, chain, entry, at),
      ...recordedOnce(s, at),
      incidentChanges: async (drafts, urls) => (drafts.length === 0 ? [] : this.atomic(() => w.writeIncidentChanges(s, drafts, urls, at))),
      acknowledgeIncidents: (ids, by) => this.atomic(() => w.acknowledgeIncidents(s, ids, by, at)),
      deliveryAttempt: (attempt, next) => w.recordAttempt(s, attempt, next),
      finishDelivery: (id, status, reason) => w.finishDelivery(s, id, status, reason, at),
      key: (k) => w.writeKey(s, k),
      revokeKey: (id) => w.revokeKey(s, id, at),
      keysUsed: (lastUse) => w.keysUsed(s, lastUse),
      prune: (cutoffMs, sign) => this.atomic(() => w.prune(s, chain, cutoffMs, sign, at)),
      rebuildRollups: async () => {
        const horizon = await this.audit.horizon();
        return this.atomic(() => w.rebuildRollups(s, horizon?.prunedBeforeMs));
      },
    };
  }
}

/** `fn` on one client in a REPEATABLE READ, READ ONLY transaction. */
async function snapshotOf<T>(pool: pg.Pool, fn: (s: Snapshot) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw asUnavailable(error);
  }
  let failed = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const s = new Sql(client);
    return await fn({ ...readsOf(s), ...snapshotReads(client, s) });
  } catch (error) {
    failed = true;
    throw asUnavailable(error);
  } finally {
    await client.query(failed ? 'ROLLBACK' : 'COMMIT').catch(() => undefined);
    client.release();
  }
}

export class PgStore implements Store {
  readonly reads: StoreReads;
  private readonly queue = new WriteQueue();

  constructor(
    private readonly pool: pg.Pool,
    /** Where write transactions run: a pipelined pool (db.ts), so a write sends what it need not wait for at once. */
    private readonly writePool: pg.Pool,
    private readonly now: () => number,
    readonly coordination: PgCoordination,
    /** The pools' lock wait (lock_timeout, ms; 0: none), lifted while a write waits for its turn on the write lock. */
    private readonly lockWaitMs = 0,
  ) {
    this.reads = readsOf(new Sql(pool));
  }

  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    return this.queue.run(() => this.transaction(fn));
  }

  /**
   * The statements that take this write's turn on the store's write lock. Another node's write, a prune's one long
   * transaction included, is waited for however long it takes, as this node's own writes wait in its queue: a turn
   * is the store's order, not a fault. The lock wait bounds only what the write meets after it, locks other sessions
   * hold (an administrator's LOCK TABLE).
   */
  private writeTurn(s: Sql): Array<Promise<unknown>> {
    // Sent in the order they are called: the lock is taken between the two settings.
    const take = () => s.run('SELECT pg_advisory_xact_lock(?)', [WRITE_LOCK.toString()]);
    if (this.lockWaitMs <= 0) return [take()];
    return [s.run('SET LOCAL lock_timeout = 0'), take(), s.run(`SET LOCAL lock_timeout = ${Math.trunc(this.lockWaitMs)}`)];
  }

  private async transaction<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.writePool.connect();
    } catch (error) {
      throw asUnavailable(error);
    }
    const s = new Sql(client);
    const callbacks: Array<() => void> = [];
    let broken = false;
    let committing = false;
    try {
      await Promise.all([s.run('BEGIN'), ...this.writeTurn(s)]);
      const value = await fn(new PgWriteTx(s, new PgChainWriter(s), callbacks, this.now(), this.coordination.nodeId));
      committing = true;
      await s.run('COMMIT');
      for (const callback of callbacks) callback();
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      const failure = asUnavailable(error);
      // The connection lost once COMMIT was sent: the database may have committed it before the loss, and only it
      // knows. "Nothing was stored" could be false; a retry with the same ids is safe either way.
      if (committing && broken && isUnavailable(failure)) throw commitUnknown(failure);
      throw failure;
    } finally {
      client.release(broken);
    }
  }

  snapshot<T>(fn: (s: Snapshot) => Promise<T>): Promise<T> {
    return snapshotOf(this.pool, fn);
  }

  /**
   * Whether the write pool reaches the database and the database takes writes (not a standby, not read-only by
   * default): what a plain BEGIN would get. Its write-side failures (a full disk, a shutdown) reach a node as the
   * database unreachable, and whether its disk has room again only a write can tell: a write that fails again takes
   * the node out of rotation again.
   */
  async writable(): Promise<void> {
    const row = await new Sql(this.writePool).one<{ readOnly: string }>(`SELECT current_setting('transaction_read_only') AS "readOnly"`);
    if (row?.readOnly === 'on') throw new StorageUnavailable('the database is read-only', 'retry once it takes writes again');
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.coordination.close();
    await this.writePool.end();
    await this.pool.end();
  }
}

/** A database read as it is: no migration, no writes. */
export function readOnlyStore(pool: pg.Pool): ReadOnlyStore {
  return { reads: readsOf(new Sql(pool)), snapshot: (fn) => snapshotOf(pool, fn), close: () => pool.end() };
}

/** What the first node records for the store (its signing key, its audit.secret's fingerprint): each answers the one recorded. */
function recordedOnce(s: Sql, at: number): Pick<WriteTx['writes'], 'signingKey' | 'auditSecret'> {
  return {
    signingKey: async (k) => {
      await s.run(SIGNING_KEY_SQL.record, [k.keyId, k.publicKey, k.instanceId, at]);
      return toRecordedKey((await s.one<Parameters<typeof toRecordedKey>[0]>(SIGNING_KEY_SQL.read))!);
    },
    auditSecret: async (fingerprint) => {
      await s.run(AUDIT_SECRET_SQL.record, [fingerprint, at]);
      return toRecordedSecret((await s.one<Parameters<typeof toRecordedSecret>[0]>(AUDIT_SECRET_SQL.read))!);
    },
  };
}

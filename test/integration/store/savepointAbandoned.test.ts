// A part of a write in a savepoint fails. Usually only the part is rolled back and the write goes on. But when the
// database has given up the whole transaction (SQLite does so on a full disk or an I/O error), the savepoint is gone:
// the failure must then say the whole write is lost (unavailable), so nobody carries on and commits what follows on
// its own. A real SQLite file; the database's own ROLLBACK stands for the abandoned transaction.
import { afterEach, describe, expect, it } from 'vitest';
import { isDomainError } from '../../../server/src/domain/errors';
import type { StoreReads, WriteTx } from '../../../server/src/store/port';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { WriteTxBase } from '../../../server/src/store/transactions';
import { removeDir, tempDataDir } from '../support/testServer';

type Db = ReturnType<typeof openDatabase>;

/** The shared savepoint logic over a bare SQLite connection (no reads or writes of the store are used). */
class BareTx extends WriteTxBase {
  readonly writes = {} as WriteTx['writes'];
  constructor(private readonly db: Db) {
    super({} as StoreReads, [], 0);
  }
  protected exec(sql: string): void {
    this.db.exec(sql);
  }
  protected forgetChain(): void {}
}

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) removeDir(d);
  dirs = [];
});

function database(): Db {
  const dir = tempDataDir();
  dirs.push(dir);
  const db = openDatabase(dir);
  db.exec('CREATE TABLE IF NOT EXISTS t (x INTEGER)');
  return db;
}

describe('a failed part of a write (savepoint)', () => {
  it('is rolled back alone, and the rest of the write commits', async () => {
    const db = database();
    const tx = new BareTx(db);
    db.exec('BEGIN');
    db.exec('INSERT INTO t VALUES (1)');
    await expect(tx.savepoint(async () => {
      db.exec('INSERT INTO t VALUES (2)');
      throw new Error('part failed');
    })).rejects.toThrow('part failed');
    db.exec('COMMIT');
    expect(db.prepare('SELECT x FROM t').pluck().all()).toEqual([1]);
    db.close();
  });

  it('says the whole write is lost when the database abandoned the transaction', async () => {
    const db = database();
    const tx = new BareTx(db);
    db.exec('BEGIN');
    db.exec('INSERT INTO t VALUES (1)');
    const failure = await tx.savepoint(async () => {
      db.exec('ROLLBACK'); // what SQLite itself does on SQLITE_FULL or SQLITE_IOERR
      throw new Error('disk full');
    }).catch((error: unknown) => error);
    expect(isDomainError(failure) && failure.kind === 'unavailable' && failure.code === 'write-abandoned').toBe(true);
    expect(db.inTransaction).toBe(false);
    expect(db.prepare('SELECT x FROM t').pluck().all()).toEqual([]);
    db.close();
  });
});

// What the two backends' write transactions share: the queue that runs them one at a time, and a transaction's
// reads, commit callbacks and savepoints. Each backend supplies how a statement runs (SQLite at once, PostgreSQL
// as a promise), how its chain writer forgets the links of a failed part, and its write operations.
import { DomainError } from '../domain/errors';
import type { StoreReads, WriteTx } from './port';

/** Write transactions one after the other (each waits for the previous one to end); none once closed. */
export class WriteQueue {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  run<T>(transaction: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new DomainError('unavailable', '(store)', 'the store is closed');
      return transaction();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Waits for the transactions queued so far; later ones are refused. */
  async close(): Promise<void> {
    await this.queue;
    this.closed = true;
  }
}

/** A write transaction: reads that see its own writes, callbacks run after its commit, savepoints for its parts. */
export abstract class WriteTxBase implements WriteTx {
  readonly cases: StoreReads['cases'];
  readonly standards: StoreReads['standards'];
  readonly sites: StoreReads['sites'];
  readonly events: StoreReads['events'];
  readonly figures: StoreReads['figures'];
  readonly incidents: StoreReads['incidents'];
  readonly keys: StoreReads['keys'];
  readonly audit: StoreReads['audit'];
  abstract readonly writes: WriteTx['writes'];
  private savepoints = 0;

  constructor(
    reads: StoreReads,
    private readonly commitCallbacks: Array<() => void>,
    readonly nowMs: number,
  ) {
    ({ cases: this.cases, standards: this.standards, sites: this.sites, events: this.events, figures: this.figures, incidents: this.incidents, keys: this.keys, audit: this.audit } = reads);
  }

  /** Runs one statement of the transaction: a promise where the backend is asynchronous. */
  protected abstract exec(sql: string): void | Promise<unknown>;
  /** Forgets the chain links a failed part wrote (they were rolled back with it). */
  protected abstract forgetChain(): void;

  onCommit(callback: () => void): void {
    this.commitCallbacks.push(callback);
  }

  async savepoint<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    const name = `part_${(this.savepoints += 1)}`;
    // A synchronous backend starts `fn` in the same turn, as a plain call would.
    const opened = this.exec(`SAVEPOINT ${name}`);
    if (opened) await opened;
    try {
      const value = await fn(this);
      await this.exec(`RELEASE SAVEPOINT ${name}`);
      return value;
    } catch (error) {
      this.forgetChain();
      try {
        await this.exec(`ROLLBACK TO SAVEPOINT ${name}`);
        await this.exec(`RELEASE SAVEPOINT ${name}`);
      } catch (lost) {
        // The database gave up the whole transaction (a full disk, an I/O error): no part of this write can be kept,
        // and whoever catches the part's failure must not carry on as if only the part had failed.
        throw new DomainError('unavailable', '', 'the write was abandoned by the database and rolled back whole', undefined, 'write-abandoned', { cause: lost });
      }
      throw error;
    }
  }
}

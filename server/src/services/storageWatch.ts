// Storage outages as the node lives through them: a database that stops answering, a data folder that fills up or
// turns read-only. The server keeps running (requests that need the store answer 503), so what matters is saying it
// once and well: one warning when an outage begins (whoever notices it first: a request's write, a background job,
// the readiness probe), one line when it ends, and in between the readiness answer (GET /health/ready) that takes
// the node out of a load balancer's rotation and back. The store is watched, not changed: `store` is the one every
// service uses, and every read or write through it tells whether the storage answered.
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import { isUnavailable, storageReason } from '../domain/errors';
import type { Store, StoreReads } from '../store/port';

/** How long the readiness read may take before the node is said not ready (a probe must answer before it times out). */
const READY_READ_MS = 2_000;

/** What GET /health/ready answers: ready, or why not in plain words ("the database is unreachable"). */
export type Readiness = { ready: true } | { ready: false; reason: string };

/**
 * What a background job calls when its run failed: a storage outage is said once for all jobs (no stack: an expected
 * condition), anything else is a bug and is logged as `message` with its stack.
 */
export type JobFailed = (error: unknown, log: Logger, message: string) => void;

/** A job's failure without a watch (a service built alone, in a test): logged as it is. */
export const logJobFailure: JobFailed = (error, log, message) => log.error({ err: error }, message);

interface Outage {
  sinceMs: number;
  reason: string;
  /**
   * A write failed: a read does not end it (a full disk still answers reads); a write that succeeds does, or the
   * store's word in a readiness check that one could. An unreachable database ends at any answer.
   */
  writes: boolean;
}

export class StorageWatch {
  /** The store every service uses: the watched one's reads and writes, each reporting whether the storage answered. */
  readonly store: Store;
  private outage: Outage | null = null;
  private checking: Promise<Readiness> | null = null;
  /**
   * The check's read while it has not answered. A check that gives up on it (late) leaves it running; the next check
   * waits on it rather than start another, so probes every second against a database that does not answer (a table
   * locked) hold one connection of the pool, not one more every check until requests find none free.
   */
  private reading: Promise<void> | null = null;

  constructor(
    private readonly watched: Store,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {
    this.store = {
      reads: this.watchReads(watched.reads),
      coordination: watched.coordination,
      write: (fn) => this.watch(watched.write(fn), true),
      snapshot: (fn) => watched.snapshot(fn),
      writable: () => watched.writable(),
      close: () => watched.close(),
    };
  }

  readonly jobFailed: JobFailed = (error, log, message) => {
    if (!isUnavailable(error)) return log.error({ err: error }, message);
    this.failed(error, message);
  };

  /**
   * Ready when a cheap read answers within READY_READ_MS and no write has failed for storage since the last one that
   * succeeded, or, after one failed, when the store says that a write could succeed now (room and
   * permission; no write to the database): a node a balancer took out of rotation gets no write to prove it, and
   * would stay out for good. That ends the outage as a write that succeeded would; the next write that fails begins
   * another. Probes that arrive together share one check, so a probe every second per balancer costs next to nothing.
   */
  readiness(): Promise<Readiness> {
    this.checking ??= this.check().finally(() => (this.checking = null));
    return this.checking;
  }

  private async check(): Promise<Readiness> {
    let timer: unknown;
    const late = new Promise<'late'>((resolve) => (timer = this.clock.setTimeout(() => resolve('late'), READY_READ_MS)));
    try {
      this.reading ??= this.answers().finally(() => (this.reading = null));
      const answer = await Promise.race([this.reading, late]);
      if (answer === 'late') return { ready: false, reason: `the database did not answer within ${READY_READ_MS / 1000} s` };
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      return { ready: false, reason: storageReason(error) };
    } finally {
      this.clock.clearTimeout(timer);
    }
    return this.outage ? { ready: false, reason: this.outage.reason } : { ready: true };
  }

  /** The read every check makes, and while writes have failed, the store's word on whether one could succeed now. */
  private async answers(): Promise<void> {
    await this.store.reads.events.headSeq();
    if (!this.outage?.writes) return;
    await this.watched.writable();
    this.answered(true);
  }

  private watch<T>(done: Promise<T>, write: boolean): Promise<T> {
    return done.then(
      (value) => {
        this.answered(write);
        return value;
      },
      (error: unknown) => {
        if (isUnavailable(error)) this.failed(error, write ? 'a write' : 'a read', write);
        throw error;
      },
    );
  }

  private watchReads(reads: StoreReads): StoreReads {
    const watched: Record<string, Record<string, unknown>> = {};
    for (const [group, methods] of Object.entries(reads) as Array<[string, Record<string, unknown>]>) {
      watched[group] = Object.fromEntries(
        Object.entries(methods).map(([name, method]) => [name, typeof method === 'function' ? (...args: unknown[]) => this.watch(Promise.resolve(method.apply(methods, args)), false) : method]),
      );
    }
    return watched as unknown as StoreReads;
  }

  /** An outage begins (said once, naming what noticed it); a write failing during one makes only a write end it. */
  private failed(error: unknown, noticedBy: string, write = false): void {
    const reason = storageReason(error);
    if (this.outage) {
      this.outage.writes ||= write;
      return;
    }
    this.outage = { sinceMs: this.clock.now(), reason, writes: write };
    this.log.warn({ noticedBy }, `storage unavailable: ${reason}; requests that need it are answered 503 and background work waits until it is back (said once per outage)`);
  }

  private answered(write: boolean): void {
    if (!this.outage || (this.outage.writes && !write)) return;
    const seconds = Math.round((this.clock.now() - this.outage.sinceMs) / 1000);
    const { reason } = this.outage;
    this.outage = null;
    this.log.info({ outageSeconds: seconds, was: reason }, `storage available again: ${recoveredWords(reason)} after ${seconds} s`);
  }
}

/** "the database is reachable again", "the data folder can be written again": the end of an outage in its own words. */
function recoveredWords(reason: string): string {
  if (/unreachable|did not answer/.test(reason)) return 'the database is reachable again';
  if (/data folder/.test(reason)) return 'the data folder can be written again';
  return 'the database answers again';
}

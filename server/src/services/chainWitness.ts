// <data>/chain-witness.json: the audit chain heads this node saw in its store. A chain cannot tell that it was taken
// back (a backup restored, pg_restore, a database file or disk snapshot put back): new links then take the lost
// numbers with other hashes, and the heads auditors published meanwhile never verify again. A node remembers the
// heads it saw, in its own folder (outside the store, so a store taken back does not take them back too), and at its
// next start, and in verify --data, checks that the store's chain still passes through them (docs/audit.md "Chain
// witness"). Written off the request path: after the start, then at most once a minute while the head moves, and at
// a clean shutdown.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import { lastAgreement } from '../domain/chain';
import { PRIVATE_FILE_MODE } from '../domain/fileModes';
import type { ChainHead, ReadOnlyStore } from '../store/port';
import { chainRewoundWords, type ChainRewind } from './operations';

export const WITNESS_FILE = 'chain-witness.json';
/** How often a running node writes the head down, when it moved. */
export const WITNESS_INTERVAL_MS = 60_000;
/** Heads remembered: the newest, and earlier ones thinned out with age, so a rewind's last shared link is bracketed. */
const KEPT_HEADS = 24;

export interface SeenHead extends ChainHead {
  seenAtMs: number;
}

/** What a data folder's witness file holds: heads, newest first; `problem`: the file is there but not readable as one. */
export type Remembered = { file: string; heads: SeenHead[] } | { file: string; problem: string };

export interface WitnessRewind extends ChainRewind {
  file: string;
  /** When the head the chain had reached was seen. */
  seenAtMs: number;
}

/** The folder's witness: null when there is none (a folder no node of this release ran on yet). */
export function readWitness(dataDir: string): Remembered | null {
  const file = join(dataDir, WITNESS_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { file, problem: `it cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  try {
    return { file, heads: parseHeads(JSON.parse(text)) };
  } catch (error) {
    return { file, problem: `it is not a chain witness (${(error as Error).message})` };
  }
}

function parseHeads(json: unknown): SeenHead[] {
  const heads = (json as { heads?: unknown } | null)?.heads;
  if (!Array.isArray(heads)) throw new Error('no "heads" list');
  let newer = Infinity;
  return heads.map((h: { seq?: unknown; hash?: unknown; seenAt?: unknown }, i) => {
    const seenAtMs = typeof h.seenAt === 'string' ? Date.parse(h.seenAt) : NaN;
    if (!Number.isSafeInteger(h.seq) || (h.seq as number) < 1 || typeof h.hash !== 'string' || !/^[0-9a-f]{64}$/.test(h.hash) || Number.isNaN(seenAtMs)) {
      throw new Error(`heads[${i}] is not { seq, hash, seenAt }`);
    }
    if ((h.seq as number) >= newer) throw new Error(`heads[${i}] is not older than heads[${i - 1}]`);
    newer = h.seq as number;
    return { seq: newer, hash: h.hash, seenAtMs };
  });
}

/**
 * Writes the folder's witness whole (a temporary file, synced, renamed over it), keeping the mode an existing one
 * has (an operator's choice), else the owner's only, like the folder's other files.
 */
function writeWitness(dataDir: string, heads: readonly SeenHead[]): void {
  const file = join(dataDir, WITNESS_FILE);
  const aside = `${file}.${process.pid}.tmp`;
  let mode = PRIVATE_FILE_MODE;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    /* none yet */
  }
  const text =
    JSON.stringify(
      {
        about: 'The audit chain heads this node saw in its store, newest first: at start, and in verify --data, the store is checked to pass through them (docs/audit.md "Chain witness").',
        heads: heads.map((h) => ({ seq: h.seq, hash: h.hash, seenAt: new Date(h.seenAtMs).toISOString() })),
      },
      null,
      2,
    ) + '\n';
  try {
    const fd = openSync(aside, 'w', mode);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(aside, file);
  } catch (error) {
    rmSync(aside, { force: true });
    throw error;
  }
}

/** `heads` with `head` the newest, those it no longer passes through dropped, the older ones thinned to KEPT_HEADS. */
export function remember(heads: readonly SeenHead[], head: SeenHead): SeenHead[] {
  const kept = [head, ...heads.filter((h) => h.seq < head.seq)];
  while (kept.length > KEPT_HEADS) {
    // The one whose loss widens the gap least for its age: recent heads stay close together, old ones far apart.
    let drop = 1;
    let best = Infinity;
    for (let i = 1; i < kept.length - 1; i++) {
      const cost = (kept[i - 1]!.seq - kept[i + 1]!.seq) / (head.seq - kept[i - 1]!.seq + 1);
      if (cost < best) [best, drop] = [cost, i];
    }
    kept.splice(drop, 1);
  }
  return kept;
}

/**
 * Whether the store's chain passes through the remembered heads: null when it does (or holds no links: a store new
 * or older than the chain, which no head of it was published from), else the head it had reached, the store's, and
 * the last remembered link the store still has (with the last one it may share, at most). `agreeing`: the
 * remembered heads the store passes through, newest first.
 */
export async function compareWithStore(store: Pick<ReadOnlyStore, 'reads' | 'snapshot'>, file: string, heads: readonly SeenHead[]): Promise<{ storeHead: ChainHead; rewind: WitnessRewind | null; agreeing: SeenHead[] }> {
  const storeHead = await store.reads.audit.head();
  const newest = heads[0];
  if (!newest || storeHead.seq === 0) return { storeHead, rewind: null, agreeing: storeHead.seq === 0 ? [] : [...heads] };
  // One read at a start like any other; every remembered head's only when the newest is not there.
  const hashes = await store.snapshot(async (s) => {
    const read = async (seq: number) => [seq, (await s.chain.link(seq))?.hash] as const;
    return (await read(newest.seq))[1] === newest.hash ? null : new Map(await Promise.all(heads.map((h) => read(h.seq))));
  });
  if (!hashes) return { storeHead, rewind: null, agreeing: [...heads] };
  const oldestFirst = [...heads].reverse();
  const agrees = (h: SeenHead) => hashes.get(h.seq) === h.hash;
  const known = lastAgreement(oldestFirst.length, (n) => agrees(oldestFirst[n - 1]!));
  if (known === oldestFirst.length) return { storeHead, rewind: null, agreeing: [...heads] };
  const sharedSeq = known > 0 ? oldestFirst[known - 1]!.seq : 0;
  const sharedAtMost = Math.min(oldestFirst[known]!.seq - 1, storeHead.seq);
  const rewind = { file, reached: newest, seenAtMs: newest.seenAtMs, now: storeHead, sharedSeq, ...(sharedAtMost > sharedSeq ? { sharedAtMost } : {}) };
  return { storeHead, rewind, agreeing: oldestFirst.slice(0, known).reverse() };
}

/** A rewind the witness found, in the words the restore subcommand uses for the one it finds. */
export function witnessRewoundWarning(r: WitnessRewind): string {
  return chainRewoundWords(r, {
    before: `the audit chain this node last saw in its store (remembered in ${r.file}, ${new Date(r.seenAtMs).toISOString()})`,
    after: "the store's",
    afterChain: "the store's chain",
    parted: 'the store is not the one this folder ran on, or a copy of it that went another way',
    since: 'since the copy now in the store was taken',
    when: '',
    kept:
      'The store was taken back (a backup restored, pg_restore, a database file or disk snapshot put back): the records chained after the last shared link ' +
      'may still be in the database it replaced (on SQLite, a ringside.db.before-restore-* beside it) or in the store the copy was taken from; only they prove the heads published from them.',
  });
}

/** The log fields of a rewind the witness found. */
const rewindFields = (r: WitnessRewind) => ({ file: r.file, rememberedHead: { seq: r.reached.seq, hash: r.reached.hash }, storeHead: r.now, sharedSeq: r.sharedSeq, ...(r.sharedAtMost !== undefined ? { sharedAtMost: r.sharedAtMost } : {}) });

/** What `verify --data` and a start say about a witness file that is there but unreadable. */
export const garbledWitness = (r: { file: string; problem: string }, then: string): string => `${r.file} is not readable as this folder's chain witness: ${r.problem}; ${then}`;

/**
 * A node's witness: `open` checks the store against the folder's file before the node serves (a rewind logged at
 * error level, and kept for the metrics); `start` writes the head down now and then at most once a minute while it
 * moves, on the node's clock; `close` writes it a last time (a clean shutdown).
 */
export class ChainWitness {
  private heads: SeenHead[] = [];
  private timer: unknown = null;
  private writing: Promise<void> | null = null;
  private lastWriteProblem: string | null = null;
  /** The file holds other than `heads` (unreadable, or heads the store no longer passes through): written anew. */
  private stale = false;

  /** A rewind seen while running (the store taken back under the node: a failover to a standby that lacked the last commits). */
  private rewindSinceStart: WitnessRewind | null = null;

  private constructor(
    private readonly store: Pick<ReadOnlyStore, 'reads' | 'snapshot'>,
    private readonly dataDir: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** The rewind the start found (null: none). */
    private readonly rewindAtStart: WitnessRewind | null,
  ) {}

  /** The rewind the start found, else one seen since while running (null: none). */
  get rewind(): WitnessRewind | null {
    return this.rewindAtStart ?? this.rewindSinceStart;
  }

  static async open(store: Pick<ReadOnlyStore, 'reads' | 'snapshot'>, dataDir: string, clock: Clock, logger: Logger): Promise<ChainWitness> {
    const remembered = readWitness(dataDir);
    if (remembered && 'problem' in remembered) logger.warn({ file: remembered.file }, garbledWitness(remembered, "it is written anew from the store's head, and this start checked nothing against it"));
    const heads = remembered && 'heads' in remembered ? remembered.heads : [];
    const { storeHead, rewind, agreeing } = await compareWithStore(store, join(dataDir, WITNESS_FILE), heads);
    if (rewind) {
      logger.error(rewindFields(rewind), witnessRewoundWarning(rewind));
    } else if (heads.length > 0 && storeHead.seq === 0) {
      logger.warn({ file: join(dataDir, WITNESS_FILE), rememberedHead: heads[0] }, `the store holds no audit chain links, and ${join(dataDir, WITNESS_FILE)} remembers link ${heads[0]!.seq} of the one this folder ran on: a new store, not that one taken back; the witness starts again with this store`);
    }
    const witness = new ChainWitness(store, dataDir, clock, logger, rewind);
    witness.heads = agreeing;
    witness.stale = remembered !== null && (rewind !== null || agreeing.length !== heads.length || 'problem' in remembered);
    return witness;
  }

  /**
   * Writes the head down once now, then every WITNESS_INTERVAL_MS when it moved; `head` is read off the request path.
   * Resolves once the first write is done (a failure is `onError`'s), so a started node's folder holds its witness.
   */
  start(head: () => Promise<ChainHead>, onError: (error: unknown) => void): Promise<void> {
    const tick = () => {
      this.writing ??= this.note(head)
        .catch(onError)
        .finally(() => (this.writing = null));
    };
    tick();
    this.timer = this.clock.setInterval(tick, WITNESS_INTERVAL_MS);
    return this.writing ?? Promise.resolve();
  }

  /** The last write (a clean shutdown), before the store closes; a failed read is the caller's to log. */
  async close(head: () => Promise<ChainHead>): Promise<void> {
    if (this.timer !== null) this.clock.clearInterval(this.timer);
    this.timer = null;
    await this.writing;
    await this.note(head);
  }

  /** Writes the store's head down when it moved since the last write (a write that fails is said once, not thrown). */
  private async note(head: () => Promise<ChainHead>): Promise<void> {
    // Taken back under the running node: the file keeps the heads it saw, for the next start to name as well.
    if (this.rewindSinceStart) return;
    const now = await head();
    const last = this.heads[0];
    const same = last !== undefined && last.seq === now.seq && last.hash === now.hash;
    if (!this.stale && (now.seq === 0 || same)) return;
    const moved = now.seq > 0 && !same;
    // The head moved: on, as a chain grows, or back (another hash at the head seen, or none there), which writing it
    // down would erase from the file without a word (remember() keeps only the heads before it).
    if (moved && last && !this.stale) {
      const { rewind } = await compareWithStore(this.store, join(this.dataDir, WITNESS_FILE), this.heads);
      if (rewind) {
        this.rewindSinceStart = rewind;
        this.logger.error(rewindFields(rewind), `while this node ran, ${witnessRewoundWarning(rewind)}`);
        return;
      }
    }
    const heads = moved ? remember(this.heads, { ...now, seenAtMs: this.clock.now() }) : this.heads;
    try {
      if (heads.length > 0) writeWitness(this.dataDir, heads);
      else rmSync(join(this.dataDir, WITNESS_FILE), { force: true }); // a new store's chain is still empty
      this.heads = heads;
      this.stale = false;
      this.lastWriteProblem = null;
    } catch (error) {
      const problem = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      if (problem !== this.lastWriteProblem) this.logger.warn({ err: error, file: join(this.dataDir, WITNESS_FILE) }, `the chain witness could not be written (${problem}): the next start checks the store against the head written before; retrying each minute`);
      this.lastWriteProblem = problem;
    }
  }
}

/**
 * After a restore that compared the replaced database's chain with the backup's (and warned of what it took back):
 * the folder's witness remembers the replaced chain, so it is removed, and the next start does not warn a second time
 * for the same rewind; the node writes it anew from the restored store's head. Left when the restore compared
 * nothing (no database there, or one it could not read): then the next start's check is the only one.
 */
export function forgetWitness(dataDir: string): void {
  rmSync(join(dataDir, WITNESS_FILE), { force: true });
}

// Operations on a data directory: an online backup (a consistent copy, also while a server writes), and a restore
// (offline: its caller holds <data>/ringside.lock, so no server uses the folder meanwhile), and a compaction (offline too).
import type { BackupInfo, ChainHead, CompactInfo, RestoreInfo, StoreBackend } from '../store/port';

export function backup(backend: StoreBackend, dataDir: string, toFile: string): Promise<BackupInfo> {
  return backend.backup(dataDir, toFile);
}

export async function restore(backend: StoreBackend, fromFile: string, dataDir: string, options: { force: boolean }): Promise<RestoreInfo> {
  return backend.restore(fromFile, dataDir, options);
}

/**
 * What a restore took back from the audit chain, in words (null: nothing): the replaced database's chain went on
 * past the restored one's head (written after the backup was taken), or elsewhere. Only the kept database still
 * proves the heads published from those links.
 */
export function chainRewoundWarning(restored: RestoreInfo): string | null {
  const r = restored.rewound;
  if (!r) return null;
  return chainRewoundWords(
    { reached: r.replacedHead, now: r.restoredHead, sharedSeq: r.sharedSeq },
    {
      before: "the replaced database's audit chain",
      after: 'the restored one',
      afterChain: 'the restored chain',
      parted: 'the backup is not of this database, or it went another way since',
      since: 'since the backup was taken',
      when: 'from the next start, ',
      kept: restored.replaced
        ? `The replaced database, kept as ${restored.replaced}, still proves the heads published from it.`
        : 'The replaced database was not kept (--force): nothing proves the heads published from it now.',
    },
  );
}

/** A chain taken back: the head it had reached, the head it ends at now, and the last link both share. */
export interface ChainRewind {
  reached: ChainHead;
  now: ChainHead;
  /** The last link both chains are known to share (0: none). */
  sharedSeq: number;
  /**
   * When only some links of the chain that went further are known (a data folder's chain witness): the last link
   * they may still share, at most. Absent: `sharedSeq` is exact.
   */
  sharedAtMost?: number;
}

/** How a chain's taking back is told where it was found (a restore, a start, verify). */
export interface RewindWording {
  /** The chain that went further, as the sentence starts with it. */
  before: string;
  /** The chain there now, after the one that went further ('the restored one'), and by itself ('the restored chain'). */
  after: string;
  afterChain: string;
  /** Why two chains may differ past the link they share. */
  parted: string;
  /** Since when heads were recorded that named links now lost. */
  since: string;
  /** When new links take the lost numbers ('' : from now on). */
  when: string;
  /** What still proves the heads published from the lost links. */
  kept: string;
}

/**
 * A chain head published from the links after the last one both chains share names a link the store no longer has,
 * and new links take those numbers with other hashes, so that head never verifies again (the offline verifier says
 * so); only a database that still holds the lost links proves it. One wording for every place that finds it.
 */
export function chainRewoundWords(r: ChainRewind, w: RewindWording): string {
  const link = (head: ChainHead) => `link ${head.seq}${head.seq > 0 ? ` (hash ${head.hash.slice(0, 16)}…)` : ''}`;
  const upTo = r.sharedAtMost ?? r.sharedSeq;
  const parted = upTo < r.now.seq;
  const differ = upTo > r.sharedSeq ? `${upTo + 1} on at the latest` : `${r.sharedSeq + 1} on`;
  const perhaps = upTo > r.sharedSeq ? `, nor perhaps those after link ${r.sharedSeq} (no link between was remembered to tell)` : '';
  return (
    `${w.before} reached ${link(r.reached)}, ${w.after} ends at ${link(r.now)}` +
    `${parted ? `; the two chains differ from link ${differ} (${w.parted})` : ''}. ` +
    `Chain heads published after link ${upTo}${parted ? '' : ` (recorded by an auditor ${w.since})`} will no longer verify${perhaps}: ` +
    `${parted ? `${w.afterChain}'s links from ${differ} have other hashes` : `${w.when}new links take the numbers ${r.now.seq + 1} on, with other hashes`}. ${w.kept}`
  );
}

/** What a restore over a database SQLite could not read did with it (null: it could read it). */
export function damagedWarning(restored: RestoreInfo): string | null {
  if (!restored.damaged) return null;
  const what = `the replaced database could not be read (SQLite: ${restored.damaged}), so its audit chain was not compared with the backup's`;
  if (!restored.replaced) return `${what}: it was not kept (--force)`;
  return `${what}: it was kept as it was, as ${restored.replaced} (with its -wal, if it had one). What was stored in it after the backup was taken is not in the restored store; it may be recovered from that file (sqlite3's .recover), and the chain heads published from it are proven by nothing else`;
}

export function compact(backend: StoreBackend, dataDir: string): Promise<CompactInfo> {
  return backend.compact(dataDir);
}

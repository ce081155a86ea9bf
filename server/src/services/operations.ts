// Operations on a data directory: an online backup (a consistent copy, also while a server writes), and a restore
// (offline: its caller holds <data>/ringside.lock, so no server uses the folder meanwhile), and a compaction (offline too).
import type { BackupInfo, CompactInfo, RestoreInfo, StoreBackend } from '../store/port';

export function backup(backend: StoreBackend, dataDir: string, toFile: string): Promise<BackupInfo> {
  return backend.backup(dataDir, toFile);
}

export async function restore(backend: StoreBackend, fromFile: string, dataDir: string, options: { force: boolean }): Promise<RestoreInfo> {
  return backend.restore(fromFile, dataDir, options);
}

/**
 * What a restore took back from the audit chain, in words (null: nothing): the replaced database's chain went on
 * past the restored one's head (written after the backup was taken), or elsewhere. A chain head published from it
 * after the last link both share names a link the store no longer has, and from the next start new links take those
 * numbers with other hashes, so that head never verifies again (the offline verifier says so); only the kept
 * database still proves it.
 */
export function chainRewoundWarning(restored: RestoreInfo): string | null {
  const r = restored.rewound;
  if (!r) return null;
  const link = (head: { seq: number; hash: string }) => `link ${head.seq}${head.seq > 0 ? ` (hash ${head.hash.slice(0, 16)}…)` : ''}`;
  const parted = r.sharedSeq < r.restoredHead.seq;
  const kept = restored.replaced
    ? `The replaced database, kept as ${restored.replaced}, still proves the heads published from it.`
    : 'The replaced database was not kept (--force): nothing proves the heads published from it now.';
  return (
    `the replaced database's audit chain reached ${link(r.replacedHead)}, the restored one ends at ${link(r.restoredHead)}` +
    `${parted ? `; the two chains differ from link ${r.sharedSeq + 1} on (the backup is not of this database, or it went another way since)` : ''}. ` +
    `Chain heads published after link ${r.sharedSeq}${parted ? '' : ' (recorded by an auditor since the backup was taken)'} will no longer verify: ` +
    `${parted ? `the restored chain's links from ${r.sharedSeq + 1} on have other hashes` : `from the next start, new links take the numbers ${r.restoredHead.seq + 1} on, with other hashes`}. ${kept}`
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

// <data>/ringside.lock names the process serving a data folder, so `restore` and the other commands that must run
// while no server uses the folder (rebuild-rollups, prune, migrate-to-postgres) can refuse.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_FILE = 'ringside.lock';

export interface LockInfo {
  pid: number;
  startedAt: string;
  url?: string;
}

export function writeLock(dataDir: string, info: LockInfo): () => void {
  const file = join(dataDir, LOCK_FILE);
  try {
    writeFileSync(file, JSON.stringify(info) + '\n', { mode: 0o644 });
  } catch {
    return () => {}; // a full disk must not stop the server; restore then relies on the operator
  }
  return () => {
    try {
      if (readLock(dataDir)?.pid === info.pid) rmSync(file, { force: true });
    } catch {
      /* best effort */
    }
  };
}

function readLock(dataDir: string): LockInfo | null {
  try {
    const parsed = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockInfo;
    return typeof parsed.pid === 'number' ? parsed : null;
  } catch {
    return null;
  }
}

/** Refused: a live server uses the data folder. */
class DataDirInUse extends Error {}

/** Throws DataDirInUse, naming the server, if a live one holds `dataDir`'s lock. */
export function refuseWhileServed(dataDir: string): void {
  const holder = liveLockHolder(dataDir);
  if (holder) throw new DataDirInUse(`a Ringside server (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ''}) is using ${dataDir}: stop it first`);
}

/** The lock's holder if it is still alive (a lock left by a killed server is stale and ignored). */
export function liveLockHolder(dataDir: string): LockInfo | null {
  const lock = readLock(dataDir);
  if (!lock) return null;
  try {
    process.kill(lock.pid, 0);
    return lock;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? lock : null;
  }
}

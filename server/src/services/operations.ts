// Operations on a data directory: an online backup (a consistent copy, also while a server writes), and a restore
// (offline: its caller holds <data>/ringside.lock, so no server uses the folder meanwhile), and a compaction (offline too).
import type { BackupInfo, CompactInfo, StoreBackend } from '../store/port';

export function backup(backend: StoreBackend, dataDir: string, toFile: string): Promise<BackupInfo> {
  return backend.backup(dataDir, toFile);
}

export async function restore(backend: StoreBackend, fromFile: string, dataDir: string, options: { force: boolean }): Promise<{ replaced: string | null; events: number }> {
  return backend.restore(fromFile, dataDir, options);
}

export function compact(backend: StoreBackend, dataDir: string): Promise<CompactInfo> {
  return backend.compact(dataDir);
}

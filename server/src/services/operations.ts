// Operations on a data directory: an online backup (a consistent copy, also while a server writes), and a restore
// (refused while a live server holds <data>/ringside.lock).
import type { BackupInfo, StoreBackend } from '../store/port';
import { refuseWhileServed } from './dataLock';

export function backup(backend: StoreBackend, dataDir: string, toFile: string): Promise<BackupInfo> {
  return backend.backup(dataDir, toFile);
}

export async function restore(backend: StoreBackend, fromFile: string, dataDir: string, options: { force: boolean }): Promise<{ replaced: string | null; events: number }> {
  refuseWhileServed(dataDir);
  return backend.restore(fromFile, dataDir, options);
}

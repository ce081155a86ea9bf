// The commands that rewrite a data folder's store (restore, prune, rebuild-rollups, migrate-to-postgres) run
// offline: each holds <data>/ringside.lock for its whole run, as a server does, so a server started meanwhile
// refuses, naming the command, instead of writing the store beside it.
import { mkdirSync } from 'node:fs';
import { constants } from 'node:os';
import { PRIVATE_FOLDER_MODE } from '../domain/fileModes';
import { removeIfEmpty, takeLock } from '../services/dataLock';
import { folderAccessProblem } from '../storeBackend';
import { stopOnSignals } from './forward/ringsideApi';

/**
 * Runs `run` holding `dataDir`'s lock as `ringside <command>` (refused, naming the holder, while a server or another
 * command holds it) and lets the lock go however it ends: done, failed, or stopped by SIGINT/SIGTERM. A signal ends
 * the process at once, exiting 128 + its number as a shell reports one (the same as before it had a handler): the
 * store keeps only what was committed. `createsFolder`: the command may create a missing `dataDir` (restore); one
 * it created is removed again if it fails and leaves it empty. `whileServed`: what the refusal says to do when a
 * server holds the folder, where that is more than stopping it (LockOwner).
 */
export async function holdingLock<T>(command: string, dataDir: string, run: () => Promise<T>, how: { createsFolder?: boolean; whileServed?: string } = {}): Promise<T> {
  const { createsFolder = false, whileServed } = how;
  // Before the lock: a folder this user may not write is said in words, not as the lock's or SQLite's refusal.
  const denied = folderAccessProblem(dataDir, 'write');
  if (denied) throw new Error(denied);
  const created = createsFolder ? mkdirSync(dataDir, { recursive: true, mode: PRIVATE_FOLDER_MODE }) : undefined;
  const lock = takeLock(dataDir, { command, ...(whileServed ? { whileServed } : {}) });
  const unlisten = stopOnSignals((signal) => {
    lock.release();
    process.stderr.write(`ringside ${command}: ${signal}, stopped\n`);
    process.exit(128 + constants.signals[signal]);
  });
  let done = false;
  try {
    const result = await run();
    done = true;
    return result;
  } finally {
    unlisten();
    lock.release();
    if (!done && created !== undefined) removeIfEmpty(dataDir);
  }
}

// "Could a write succeed now?", answered without writing to the database: after a write failed for storage, readiness
// asks it, since no write may come to prove the storage is back (a balancer that took the node out of rotation sends
// it none). A probe file written and removed would prove the folder takes a few bytes, not that a write has room; the
// file system's own figures say both what a failed write lacked (room, or a folder it may write) and cost no write.
import { constants } from 'node:fs';
import { access, statfs } from 'node:fs/promises';
import { folderFull, storageFailure } from './storageErrors';

/**
 * The free space a write is taken to need: what the WAL grows to before SQLite checkpoints it into the database file
 * (1,000 pages of 4 KiB, its defaults), so a write and the checkpoint after it find room. A larger write (a delivery
 * of many megabytes) may still fail; it then takes the node out of rotation again, as any failed write does.
 */
const WRITE_ROOM_BYTES = 4 * 1024 * 1024;

/**
 * Resolves when a write to the database `file` could succeed now: the file and its WAL may be written (not a read-only
 * file system, not a mode that forbids this user) and the file system has WRITE_ROOM_BYTES free for this user.
 * Rejects with StorageUnavailable saying which is missing.
 */
export async function checkWritable(file: string): Promise<void> {
  for (const path of [file, `${file}-wal`]) {
    try {
      await access(path, constants.W_OK);
    } catch (error) {
      // No WAL file: SQLite creates it at the next write, in the folder the database file is in.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && path !== file) continue;
      throw storageFailure(error);
    }
  }
  let free: number;
  try {
    const fs = await statfs(file);
    free = fs.bavail * fs.bsize;
  } catch (error) {
    throw storageFailure(error);
  }
  if (free < WRITE_ROOM_BYTES) throw folderFull();
}

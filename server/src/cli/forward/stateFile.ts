// Where a file follower is: which file (device and inode, plus a hash of its first bytes) and how many of its
// bytes have been delivered and acknowledged. Written atomically (temporary file, fsync, rename, fsync of the
// directory) so that after a crash the state is either the old one or the new one, never half of each.
import { createHash } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface FollowState {
  version: 1;
  /** The path followed (a state written for another path is refused). */
  path: string;
  /** Device and inode of the file the offset belongs to, as decimal strings (inodes can exceed 2^53). */
  dev: string;
  ino: string;
  /** Bytes of that file delivered and acknowledged; always just after a newline. */
  offset: number;
  /** SHA-256 (hex) of the file's first `fingerprintLength` bytes, to recognise a file replaced or rewritten in place. */
  fingerprint: string;
  fingerprintLength: number;
}

export class StateFileError extends Error {
  constructor(
    readonly statePath: string,
    problem: string,
  ) {
    super(`state file ${statePath}: ${problem}`);
    this.name = 'StateFileError';
  }
}

/** How many leading bytes identify a file's content. */
export const FINGERPRINT_BYTES = 1024;

export function fingerprintOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What a file operation gives, or null when the file does not exist (any other failure is thrown). */
export async function unlessMissing<T>(operation: Promise<T>): Promise<T | null> {
  try {
    return await operation;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * What to do about a state file that is there but says nothing usable (an edit, a disk fault): the follower does not
 * guess where it was, and starting over is safe, since the receiver recognises lines sent before.
 */
const STARTING_OVER = '; it says which lines were sent, and the forwarder will not guess: remove it (or move it away) and start the forwarder again to send the file again from its first line (lines sent before are duplicates the server recognises and stores once), or with --start-at end to send only lines written from then on';

/** The saved state, or null when there is none yet. A state that cannot be read is an error, not a fresh start. */
export async function readState(statePath: string): Promise<FollowState | null> {
  let text: string | null;
  try {
    text = await unlessMissing(readFile(statePath, 'utf8'));
  } catch (e) {
    throw new StateFileError(statePath, `cannot be read (${(e as Error).message})`);
  }
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StateFileError(statePath, `is not JSON${STARTING_OVER}`);
  }
  return checkedState(statePath, value);
}

function checkedState(statePath: string, value: unknown): FollowState {
  const s = value as Partial<FollowState> | null;
  const decimal = (x: unknown) => typeof x === 'string' && /^\d+$/.test(x);
  const count = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (typeof s !== 'object' || s === null || s.version !== 1) throw new StateFileError(statePath, `is not a version 1 follower state${STARTING_OVER}`);
  if (typeof s.path !== 'string' || !decimal(s.dev) || !decimal(s.ino) || !count(s.offset) || !count(s.fingerprintLength) || typeof s.fingerprint !== 'string') {
    throw new StateFileError(statePath, `lacks path, dev, ino, offset or fingerprint${STARTING_OVER}`);
  }
  return { version: 1, path: s.path, dev: s.dev!, ino: s.ino!, offset: s.offset!, fingerprint: s.fingerprint, fingerprintLength: s.fingerprintLength! };
}

const temporaryOf = (statePath: string) => join(dirname(statePath), `.${basename(statePath)}.${process.pid}.tmp`);

/**
 * Refuses, before anything is read or sent, a state file that could not be saved (its folder missing or not
 * writable): by writing and removing the temporary file a save writes. Found only at the first save, it would stop
 * the forwarder after its first batch was posted.
 */
export async function checkStateWritable(statePath: string): Promise<void> {
  const temporary = temporaryOf(statePath);
  try {
    await (await open(temporary, 'w', 0o600)).close();
    await rm(temporary, { force: true });
  } catch (e) {
    throw new StateFileError(statePath, `cannot be written (${(e as Error).message})`);
  }
}

/** Replace the state file with `state`, atomically and durably. */
export async function writeState(statePath: string, state: FollowState): Promise<void> {
  const temporary = temporaryOf(statePath);
  try {
    const file = await open(temporary, 'w', 0o600);
    try {
      await file.writeFile(`${JSON.stringify(state)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, statePath);
  } catch (e) {
    await rm(temporary, { force: true });
    throw e;
  }
  await syncDirectory(dirname(statePath));
}

/** Make the rename itself durable. Some platforms cannot fsync a directory; the rename is still atomic there. */
export async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw e;
  } finally {
    await handle?.close();
  }
}

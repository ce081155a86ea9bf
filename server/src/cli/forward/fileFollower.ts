// Follows a growing text file the way `tail -F` does, for a forwarder that must neither lose nor repeat a line.
//
// Delivery: complete lines (up to their newline) are handed to `send` in batches; the saved offset moves past
// a batch only after `send` resolves, and the state file is replaced atomically. A crash before the save means
// the batch is sent again after restart: delivery is at least once, never less. The receiver turns each line
// into records with ids derived from the line, so a batch sent twice changes nothing the second time: at least
// once plus idempotent ids is exactly once in effect.
//
// Rotation by rename: when the path names another file, the old file (still open) is read to its end, and once
// it has stopped growing for one poll (the writer may append a last line before it reopens the path) the follower
// switches to the new file from its first byte. If the rename happened while the follower was stopped, the old
// file is found again by inode in the same directory. Rotation by truncation (copytruncate): a file shorter
// than the offset, or whose first bytes changed, is read again from its start; first, the lines after the offset
// that the copy holds (the file in the same directory whose first bytes are the ones the offset was saved with) are
// read from the copy, since they were written before the truncation and the truncated file no longer has them.
import { isUtf8 } from 'node:buffer';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { nonUtf8Where } from '../../protocol/utf8';
import { RetryLater, retryDelay, type RetryPolicy } from './retry';
import { FINGERPRINT_BYTES, fingerprintOf, readState, StateFileError, unlessMissing, writeState, type FollowState } from './stateFile';

export interface LineBatch {
  lines: string[];
  /** The file the lines come from and the byte range they occupy in it. */
  path: string;
  fromOffset: number;
  toOffset: number;
  /** The line number in the file (from 1, blank lines counted) of each of `lines`. */
  lineNumbers: number[];
  /** The byte offset in the file of each of `lines`. */
  offsets: number[];
  /** Device and inode of the file (decimal strings): with an offset, where a line was, across rotations. */
  file: { dev: string; ino: string };
}

/**
 * Why a file was (re)opened: resumed from the state; no state yet; truncated or replaced in place (read again
 * from the start); the copy of a file truncated in place (copytruncate), read from the saved offset to its end before
 * the truncated file; rotated (the new file at the path); the file rotated after the one just finished, before the
 * one now at the path (two rotations before the follower finished the first); rotated while stopped with the old file gone (lines
 * written to it after the saved offset could not be read); the path did not exist and now does.
 */
export type OpenReason = 'resumed' | 'no-state' | 'truncated' | 'replaced' | 'copy-of-truncated' | 'rotated' | 'next-rotated' | 'rotated-file-missing' | 'appeared';

export type FollowerEvent =
  | { kind: 'opened'; path: string; offset: number; reason: OpenReason }
  | { kind: 'partial-line-dropped'; path: string; bytes: number }
  /** A failure worth retrying: `send` failed (delivery), or the file could not be opened or read (reading). */
  | { kind: 'retrying'; stage: 'delivery' | 'reading'; path: string; error: unknown; delayMs: number };

/** Persistence of the follower's position; the state file by default (tests may wrap it). */
interface StateStore {
  read(): Promise<FollowState | null>;
  write(state: FollowState): Promise<void>;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface FollowerOptions {
  path: string;
  statePath: string;
  send: (batch: LineBatch) => Promise<void>;
  /** Where to start when there is no state yet: the first line (default), or the current end. */
  startAt?: 'beginning' | 'end';
  pollIntervalMs?: number;
  maxBatchLines?: number;
  /** Bytes read at once; a single line longer than this stops the follower. */
  maxBatchBytes?: number;
  /** Waits after a failure: initialMs, doubled each time, at most maxMs. */
  retry?: RetryPolicy;
  timers?: Timers;
  state?: StateStore;
  onEvent?: (event: FollowerEvent) => void;
}

/** Thrown by `send` when retrying cannot help (the receiver refuses the lines); stops the follower. */
export class FatalSendError extends Error {
  override name = 'FatalSendError';
}

/** The file cannot be followed (a state for another path, a line longer than the batch size). */
export class FollowError extends Error {
  override name = 'FollowError';
}

/** A failure of `send` that may be retried, told apart from one reading the file. */
class NotDelivered extends Error {
  constructor(readonly reason: unknown) {
    super((reason as Error).message);
  }
}

interface OpenFile {
  /** Where it was opened (a rotated file has since moved). */
  path: string;
  handle: FileHandle;
  dev: bigint;
  ino: bigint;
  offset: number;
  /** Lines (newlines) before `offset`, for the line numbers of what is sent. */
  linesBefore: number;
  fingerprint: { length: number; hash: string };
  /** File size when the path was first seen naming another file; the switch waits until a poll finds it unchanged. */
  sizeWhenRotated: number | null;
  /** A copy made by copytruncate: complete when found, so the truncated file at the path is read right after it. */
  isCopy: boolean;
}

const NEWLINE = 0x0a;

export class FileFollower {
  private readonly o: Required<Omit<FollowerOptions, 'onEvent'>> & Pick<FollowerOptions, 'onEvent'>;
  private current: OpenFile | null = null;
  private initialised = false;
  /** Why the path will have been opened when it appears (it did not exist when last looked for). */
  private reasonWhenPathAppears: OpenReason = 'appeared';
  private running = false;
  private wake: (() => void) | null = null;
  private timer: unknown = null;
  private runPromise: Promise<void> | null = null;
  /**
   * The rotated files finished since the file at the path was last taken up (dev:ino): two rotated files last written
   * in the same tick of the file system's clock (whole seconds on some) each look rotated after the other, and without
   * this the follower would go back and forth between them, sending both again and again.
   */
  private readonly finishedRotated = new Set<string>();

  constructor(options: FollowerOptions) {
    this.o = {
      startAt: 'beginning',
      pollIntervalMs: 1000,
      maxBatchLines: 1000,
      maxBatchBytes: 512 * 1024,
      retry: { initialMs: 1000, maxMs: 60_000 },
      timers: { setTimeout: (cb, ms) => setTimeout(cb, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
      state: { read: () => readState(options.statePath), write: (s) => writeState(options.statePath, s) },
      ...options,
    };
  }

  /**
   * Poll until stop(); resolves then. Failures are retried with backoff, except FatalSendError, FollowError and
   * StateFileError (a state file that cannot be read or written is the machine's configuration, not a passing fault).
   */
  run(): Promise<void> {
    this.running = true;
    this.runPromise ??= this.loop();
    return this.runPromise;
  }

  /** Ask the loop to end after the poll in progress (a batch being sent is finished first); resolves when it has. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== null) this.o.timers.clearTimeout(this.timer);
    this.wake?.();
    await this.runPromise?.catch(() => undefined);
    this.runPromise = null;
    await this.closeFile();
    this.initialised = false;
  }

  /**
   * One pass: deliver every complete line available now, following a rotation or truncation if there was one.
   * For callers that drive the polling themselves; not to be called while run() is running.
   */
  async pollOnce(): Promise<void> {
    if (!this.initialised) {
      await this.openFromState();
      this.initialised = true;
    }
    for (let switched = true; switched; ) {
      if (!this.current && !(await this.openPath(0, this.reasonWhenPathAppears))) return;
      await this.deliverAvailable();
      switched = await this.followRotation();
    }
  }

  private async loop(): Promise<void> {
    let failures = 0;
    try {
      while (this.running) {
        let delay = this.o.pollIntervalMs;
        try {
          await this.pollOnce();
          failures = 0;
        } catch (e) {
          if (e instanceof FatalSendError || e instanceof FollowError || e instanceof StateFileError) throw e;
          failures++;
          delay = retryDelay(failures, this.o.retry, e instanceof NotDelivered && e.reason instanceof RetryLater ? e.reason.waitMs : undefined);
          const stage = e instanceof NotDelivered ? 'delivery' : 'reading';
          this.o.onEvent?.({ kind: 'retrying', stage, path: this.current?.path ?? this.o.path, error: e instanceof NotDelivered ? e.reason : e, delayMs: delay });
        }
        if (this.running) await this.sleep(delay);
      }
    } finally {
      await this.closeFile();
      this.initialised = false;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = null;
        this.timer = null;
        resolve();
      };
      this.timer = this.o.timers.setTimeout(this.wake, ms);
    });
  }

  private async closeFile(): Promise<void> {
    const file = this.current;
    this.current = null;
    await file?.handle.close();
  }

  // ---- where to start ----

  private async openFromState(): Promise<void> {
    await this.closeFile(); // a start that failed half-way (state unreadable, I/O error) is begun again
    const state = await this.o.state.read();
    if (!state) {
      this.reasonWhenPathAppears = 'no-state';
      if (await this.openPath(0, 'no-state')) {
        if (this.o.startAt === 'end') await this.skipToEnd();
        await this.save();
      }
      return;
    }
    if (state.path !== this.o.path) throw new FollowError(`the state file belongs to ${state.path}, not ${this.o.path}`);
    const pathStat = await statOrNull(this.o.path);
    if (pathStat && pathStat.dev === BigInt(state.dev) && pathStat.ino === BigInt(state.ino) && (await this.openAt(this.o.path, state.offset))) {
      await this.resumeUnlessRewritten(state);
      return;
    }
    // The path names another file: it was rotated while we were stopped. Finish the old one if it is still here.
    const old = await findByInode(dirname(this.o.path), BigInt(state.dev), BigInt(state.ino));
    if (old && (await this.openAt(old, state.offset)) && (await this.sameContent(state))) {
      this.o.onEvent?.({ kind: 'opened', path: old, offset: state.offset, reason: 'resumed' });
      return;
    }
    await this.closeFile();
    this.reasonWhenPathAppears = 'rotated-file-missing';
    await this.openPath(0, 'rotated-file-missing');
  }

  /** Resume at the saved offset, unless the file is not the same bytes any more (truncated, or inode reused): then start from its first line. */
  private async resumeUnlessRewritten(state: FollowState): Promise<void> {
    const file = this.current!;
    const size = Number((await file.handle.stat()).size);
    if (size >= state.offset && (await this.sameContent(state))) {
      this.o.onEvent?.({ kind: 'opened', path: this.o.path, offset: state.offset, reason: 'resumed' });
      return;
    }
    if (await this.openCopy({ length: state.fingerprintLength, hash: state.fingerprint }, state.offset)) return;
    file.offset = 0;
    file.linesBefore = 0;
    file.fingerprint = { length: 0, hash: fingerprintOf(Buffer.alloc(0)) };
    this.o.onEvent?.({ kind: 'opened', path: this.o.path, offset: 0, reason: size < state.offset ? 'truncated' : 'replaced' });
    await this.save();
  }

  private async sameContent(state: FollowState): Promise<boolean> {
    const head = await readAt(this.current!.handle, 0, state.fingerprintLength);
    return head.length === state.fingerprintLength && fingerprintOf(head) === state.fingerprint;
  }

  /** Open the followed path at `offset`; false when it does not exist (yet). */
  private async openPath(offset: number, reason: OpenReason): Promise<boolean> {
    if (!(await this.openAt(this.o.path, offset))) return false;
    this.reasonWhenPathAppears = 'appeared';
    this.o.onEvent?.({ kind: 'opened', path: this.o.path, offset, reason });
    return true;
  }

  private async openAt(path: string, offset: number): Promise<boolean> {
    const handle = await unlessMissing(open(path, 'r'));
    if (handle === null) return false;
    const s = await handle.stat({ bigint: true });
    const head = await readAt(handle, 0, Math.min(offset, FINGERPRINT_BYTES));
    this.current = { path, handle, dev: s.dev, ino: s.ino, offset, linesBefore: await newlinesBefore(handle, offset), fingerprint: { length: head.length, hash: fingerprintOf(head) }, sizeWhenRotated: null, isCopy: false };
    return true;
  }

  /**
   * The followed file was truncated in place (or rewritten) at `offset`: if a copy of it is in the same directory
   * (copytruncate's `queue_log.1`: a file with more than `offset` bytes whose first bytes are those the offset was
   * saved with), follow the copy from `offset` to its end first. Those lines were written before the truncation, not
   * yet sent (a poll interval's worth, or the whole backlog while the server was down), and are nowhere else.
   */
  private async openCopy(fingerprint: { length: number; hash: string }, offset: number): Promise<boolean> {
    if (fingerprint.length === 0 || offset === 0) return false;
    const truncated = this.current!;
    const copy = await findCopy(dirname(this.o.path), fingerprint, offset, truncated);
    if (copy === null || !(await this.openAt(copy, offset))) return false;
    await truncated.handle.close();
    this.current!.isCopy = true;
    this.o.onEvent?.({ kind: 'opened', path: copy, offset, reason: 'copy-of-truncated' });
    await this.save();
    return true;
  }

  /** Start after the last complete line already in the file. */
  private async skipToEnd(): Promise<void> {
    const file = this.current!;
    const size = Number((await file.handle.stat()).size);
    const from = Math.max(0, size - this.o.maxBatchBytes);
    const tail = await readAt(file.handle, from, size - from);
    const lastNewline = tail.lastIndexOf(NEWLINE);
    if (lastNewline === -1 && from > 0) throw new FollowError(`${file.path}: the last line is longer than ${this.o.maxBatchBytes} bytes`);
    file.offset = from + lastNewline + 1;
    file.linesBefore = await newlinesBefore(file.handle, file.offset);
    await this.refreshFingerprint();
  }

  // ---- reading and delivering ----

  private async deliverAvailable(): Promise<void> {
    for (;;) {
      const file = this.current!;
      const size = Number((await file.handle.stat()).size);
      if (size < file.offset || !(await this.headUnchanged())) {
        if (await this.openCopy(file.fingerprint, file.offset)) continue;
        return this.restartInPlace(size < file.offset ? 'truncated' : 'replaced');
      }
      const read = await this.readBatch(file, size);
      if (!read) return;
      const { batch, newlines } = read;
      if (batch.lines.length > 0) {
        await this.o.send(batch).catch((e: unknown) => {
          throw e instanceof FatalSendError ? e : new NotDelivered(e);
        });
      }
      file.offset = batch.toOffset;
      file.linesBefore += newlines;
      await this.refreshFingerprint();
      await this.save();
    }
  }

  /** Complete lines from the offset (blank ones skipped) and how many lines that was, or null when no newline follows it yet. */
  private async readBatch(file: OpenFile, size: number): Promise<{ batch: LineBatch; newlines: number } | null> {
    if (size <= file.offset) return null;
    const bytes = await readAt(file.handle, file.offset, Math.min(size - file.offset, this.o.maxBatchBytes));
    const lines: string[] = [];
    const lineNumbers: number[] = [];
    const offsets: number[] = [];
    let start = 0;
    let newlines = 0;
    for (let nl = bytes.indexOf(NEWLINE); nl !== -1 && lines.length < this.o.maxBatchLines; nl = bytes.indexOf(NEWLINE, start)) {
      const raw = bytes.subarray(start, nl > start && bytes[nl - 1] === 0x0d ? nl - 1 : nl);
      // Bytes that are not UTF-8 are not sent changed (U+FFFD for each would make two names one): the lines before
      // go first, then the follower stops at this one, naming it, with its offset kept for a start after the fix.
      if (!isUtf8(raw)) {
        if (lines.length > 0) break;
        const where = nonUtf8Where(raw, { line: file.linesBefore + newlines + 1, byte: file.offset + start });
        throw new FollowError(`${this.pathOf(file)} is not UTF-8: ${where}; nothing from this line on is sent, since its text would not be what the file holds: have Asterisk write the queue_log in UTF-8, or correct the line, and start the forwarder again`);
      }
      const line = raw.toString('utf8');
      newlines++;
      if (line.trim() !== '') {
        lines.push(line);
        lineNumbers.push(file.linesBefore + newlines);
        offsets.push(file.offset + start);
      }
      start = nl + 1;
    }
    if (start === 0) {
      if (bytes.length === this.o.maxBatchBytes) throw new FollowError(`${this.pathOf(file)}: a line at byte ${file.offset} is longer than ${this.o.maxBatchBytes} bytes`);
      return null;
    }
    return { batch: { lines, path: this.pathOf(file), fromOffset: file.offset, toOffset: file.offset + start, lineNumbers, offsets, file: { dev: file.dev.toString(), ino: file.ino.toString() } }, newlines };
  }

  private pathOf(file: OpenFile): string {
    return file.sizeWhenRotated === null ? file.path : `${file.path} (rotated)`;
  }

  private async headUnchanged(): Promise<boolean> {
    const { handle, fingerprint } = this.current!;
    const head = await readAt(handle, 0, fingerprint.length);
    return head.length === fingerprint.length && fingerprintOf(head) === fingerprint.hash;
  }

  private async refreshFingerprint(): Promise<void> {
    const file = this.current!;
    const length = Math.min(file.offset, FINGERPRINT_BYTES);
    if (length === file.fingerprint.length) return;
    file.fingerprint = { length, hash: fingerprintOf(await readAt(file.handle, 0, length)) };
  }

  private async restartInPlace(reason: 'truncated' | 'replaced'): Promise<void> {
    const file = this.current!;
    file.offset = 0;
    file.linesBefore = 0;
    file.fingerprint = { length: 0, hash: fingerprintOf(Buffer.alloc(0)) };
    this.o.onEvent?.({ kind: 'opened', path: this.o.path, offset: 0, reason });
    await this.save();
    await this.deliverAvailable();
  }

  // ---- rotation ----

  /** After the current file is read to its end: switch to the file now at the path, once the old one is quiet. */
  private async followRotation(): Promise<boolean> {
    const file = this.current!;
    const pathStat = await statOrNull(this.o.path);
    if (!pathStat || (pathStat.dev === file.dev && pathStat.ino === file.ino)) return false;
    const size = Number((await file.handle.stat()).size);
    if (file.sizeWhenRotated !== size && !file.isCopy) {
      file.sizeWhenRotated = size;
      return false;
    }
    if (size > file.offset) this.o.onEvent?.({ kind: 'partial-line-dropped', path: this.pathOf(file), bytes: size - file.offset });
    this.finishedRotated.add(`${file.dev}:${file.ino}`);
    const next = await nextRotated(this.o.path, file, pathStat, this.finishedRotated);
    await this.closeFile();
    if (next !== null && (await this.openAt(next, 0))) {
      this.o.onEvent?.({ kind: 'opened', path: next, offset: 0, reason: 'next-rotated' });
    } else {
      this.finishedRotated.clear();
      if (!(await this.openPath(0, file.isCopy ? 'truncated' : 'rotated'))) return false;
    }
    await this.save();
    return true;
  }

  private async save(): Promise<void> {
    const f = this.current!;
    try {
      await this.o.state.write({ version: 1, path: this.o.path, dev: f.dev.toString(), ino: f.ino.toString(), offset: f.offset, fingerprint: f.fingerprint.hash, fingerprintLength: f.fingerprint.length });
    } catch (e) {
      throw e instanceof StateFileError ? e : new StateFileError(this.o.statePath, `cannot be written (${(e as Error).message})`);
    }
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const { bytesRead } = await handle.read(buffer, read, length - read, position + read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  return buffer.subarray(0, read);
}

/**
 * The newlines in a file's first `end` bytes: its line number there. Read once when a file is opened past its start
 * (a resume), so that what is reported about a line names the file's line, not the batch's.
 */
async function newlinesBefore(handle: FileHandle, end: number): Promise<number> {
  const chunk = Buffer.alloc(Math.min(end, 1024 * 1024));
  let count = 0;
  for (let position = 0; position < end; ) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, end - position), position);
    if (bytesRead === 0) break;
    for (let i = chunk.indexOf(NEWLINE); i !== -1 && i < bytesRead; i = chunk.indexOf(NEWLINE, i + 1)) count++;
    position += bytesRead;
  }
  return count;
}

async function statOrNull(path: string) {
  try {
    return await stat(path, { bigint: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * The copy copytruncate made of a file truncated at `offset`: a file in `directory`, not the truncated one, longer than
 * `offset` and beginning with the bytes `fingerprint` hashes; the longest when there are several.
 */
async function findCopy(directory: string, fingerprint: { length: number; hash: string }, offset: number, truncated: { dev: bigint; ino: bigint }): Promise<string | null> {
  let found: { path: string; size: bigint } | null = null;
  for (const name of await readdir(directory)) {
    const path = join(directory, name);
    const s = await statOrNull(path);
    if (!s || !s.isFile() || s.size <= BigInt(offset) || (s.dev === truncated.dev && s.ino === truncated.ino) || (found && found.size >= s.size)) continue;
    // A file this user may not read (another log of the folder) cannot be the copy it would need to read.
    const head = await readHead(path, fingerprint.length);
    if (head !== null && head.length === fingerprint.length && fingerprintOf(head) === fingerprint.hash) found = { path, size: s.size };
  }
  return found?.path ?? null;
}

/**
 * The file rotated away after `finished` and before the file now at `path` (`pathStat`), if one is still in the
 * folder: the path was rotated twice before the follower finished `finished` (the server was down, the forwarder
 * stopped, over two rotations). Rotated files keep their names' start (`queue_log.1`, `queue_log-20261208`), and the
 * writer moved on to each after its last write to the one before, so it is the one of them, other than the path's,
 * last written first after `finished` was (by modification time: the lines' own epochs need not be in order). Older
 * rotations were last written before and are passed over; a copy of a file (copytruncate) is read too, its lines
 * duplicates the server recognises if they were sent. `done`: the rotated files already finished (dev:ino), passed
 * over whatever their times.
 */
async function nextRotated(path: string, finished: { handle: FileHandle; dev: bigint; ino: bigint }, pathStat: { dev: bigint; ino: bigint }, done: ReadonlySet<string>): Promise<string | null> {
  const after = (await finished.handle.stat({ bigint: true })).mtimeNs;
  let next: { path: string; mtimeNs: bigint } | null = null;
  for (const name of await readdir(dirname(path))) {
    if (!name.startsWith(basename(path))) continue;
    const candidate = join(dirname(path), name);
    const s = await statOrNull(candidate);
    if (!s || !s.isFile() || s.size === 0n || (s.dev === finished.dev && s.ino === finished.ino) || (s.dev === pathStat.dev && s.ino === pathStat.ino) || done.has(`${s.dev}:${s.ino}`)) continue;
    if (s.mtimeNs >= after && (next === null || s.mtimeNs < next.mtimeNs) && (await beginsWithEpoch(candidate))) next = { path: candidate, mtimeNs: s.mtimeNs };
  }
  return next?.path ?? null;
}

/**
 * Whether a file begins as a queue_log line does (`1772438400|`): a compressed rotation (`queue_log.2.gz`, which keeps
 * the time it was last written), a state or rejects file named after the queue_log, is not read as one.
 */
async function beginsWithEpoch(path: string): Promise<boolean> {
  const head = await readHead(path, 13);
  return head !== null && /^\d{1,12}\|/.test(head.toString('latin1'));
}

/** The first `bytes` of the file at `path` (fewer when it is shorter), or null when it cannot be opened. */
async function readHead(path: string, bytes: number): Promise<Buffer | null> {
  const handle = await open(path, 'r').catch(() => null);
  if (handle === null) return null;
  try {
    return await readAt(handle, 0, bytes);
  } finally {
    await handle.close();
  }
}

/** The file in `directory` with this device and inode (a rotated log keeps its inode when renamed). */
async function findByInode(directory: string, dev: bigint, ino: bigint): Promise<string | null> {
  for (const name of await readdir(directory)) {
    const s = await statOrNull(join(directory, name));
    if (s && s.isFile() && s.dev === dev && s.ino === ino) return join(directory, name);
  }
  return null;
}

// <data>/ringside.lock names the one process using a data folder: a server, or a command that must run while no
// server does (restore, prune, rebuild-rollups, migrate-to-postgres: cli/offline.ts). Each takes it before it opens
// the store and refuses to start while a live process holds it, so two servers never write one store nor both lead,
// and no server starts on a store a command is rewriting.
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE } from '../domain/fileModes';

const LOCK_FILE = 'ringside.lock';
/** Held (created exclusively) by the one start that removes a stale lock, so two cannot both take it over. */
const TAKEOVER_FILE = 'ringside.lock.takeover';
/** How often a start looks again while another one takes a stale lock over (microseconds' work), 5 ms apart: 1 s. */
const TAKEOVER_TRIES = 200;
const TAKEOVER_WAIT_MS = 5;

export interface LockInfo {
  pid: number;
  startedAt: string;
  /**
   * When the kernel started the process (Linux: /proc/<pid>/stat field 22, clock ticks after boot), so a lock whose
   * pid now belongs to another process is known stale. Absent where there is no /proc, and in locks written before
   * it was recorded: those are read by the pid alone.
   */
  processStart?: number;
  /** The offline command holding the folder (`prune`); absent: a server. */
  command?: string;
  url?: string;
}

/** Who takes the lock: a server (no command), or `ringside <command>`. */
export interface LockOwner {
  command?: string;
  startedAt?: Date;
  /** A command's: what to do when a server holds the folder, where that is more than stopping it (prune's). */
  whileServed?: string;
}

/** The lock a server (or an offline command) holds while it runs. */
export interface DataLock {
  /** Adds the server's address once it listens (the VS Code extension and `keys create`'s kiosk link read it). */
  describe(url: string): void;
  /** Removes the lock if this server still holds it (never one another process wrote). */
  release(): void;
}

/** Removes `dir` if it is empty: a folder made for a start or a command that then failed is not left behind. */
export function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    /* not empty (or gone): what is in it stays */
  }
}

/** Refused: a live server or offline command uses the data folder. */
class DataDirInUse extends Error {}

/**
 * Takes `dataDir`'s lock for this process, atomically: the lock file appears whole or not at all (written aside,
 * then hard-linked into place, which fails if it exists), so of two processes starting at once one wins. A lock
 * whose process is gone (a killed server), or whose pid another process has since, is stale and taken over. Throws
 * DataDirInUse naming the folder and the holder. A server creates a missing folder; a command does not (its store
 * then refuses the folder, creating nothing). A folder that cannot be written (a full disk, read-only) gives no lock
 * rather than no server: the store then says what is wrong, or the server runs as before locks refused a second one.
 */
export function takeLock(dataDir: string, owner: LockOwner = {}): DataLock {
  const none: DataLock = { describe: () => {}, release: () => {} };
  const file = join(dataDir, LOCK_FILE);
  const mine: LockInfo = { ...thisProcess(), startedAt: (owner.startedAt ?? new Date()).toISOString(), ...(owner.command ? { command: owner.command } : {}) };
  let text = JSON.stringify(mine) + '\n';
  try {
    if (!owner.command) mkdirSync(dataDir, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  } catch {
    return none;
  }
  for (let tries = 0; ; tries++) {
    if (tries > TAKEOVER_TRIES) {
      throw new DataDirInUse(`could not take over the stale lock ${file} (${join(dataDir, TAKEOVER_FILE)} stayed): if no Ringside server is starting on ${dataDir}, delete both and start again`);
    }
    const created = createWhole(file, text);
    if (created === 'failed') return none;
    if (created === 'created') break;
    const held = readText(file);
    const holder = alive(held === null ? null : parseLock(held));
    // A lock naming this very process was left by an earlier one that had the same pid (pids repeat across restarts,
    // in a container always): it is stale, not a server in the way.
    if (holder && holder.pid !== process.pid) throw new DataDirInUse(inUse(dataDir, holder, owner));
    // Stale: its process is gone (or it is unreadable). Gone meanwhile (null): try again. A takeover that cannot
    // write its marker (a full disk) cannot write a lock either: no lock, as for a fresh folder on that disk.
    if (held !== null && takeOver(dataDir, file, held) === 'failed') return none;
  }
  const holds = () => readText(file) === text;
  return {
    describe(url) {
      if (!holds()) return;
      const next = JSON.stringify({ ...(JSON.parse(text) as LockInfo), url }) + '\n';
      const aside = asideFile(file);
      try {
        writeFileSync(aside, next, { mode: PRIVATE_FILE_MODE });
        renameSync(aside, file); // replaced whole: a reader never sees half of it
        text = next;
      } catch {
        rmSync(aside, { force: true }); // a full disk: the lock stays without the address, and nothing beside it
      }
    },
    release() {
      try {
        if (holds()) rmSync(file, { force: true });
      } catch {
        /* best effort: a lock left behind is stale once this process is gone */
      }
    },
  };
}

const asideFile = (file: string) => `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;

/**
 * Creates `file` holding `text`, whole, unless it exists: written aside, then hard-linked into place (link fails if
 * the name exists). Where the file system has no hard links, created exclusively (O_EXCL) and then written. 'failed':
 * the folder takes no file (a full disk): nothing is left behind, since a lock or takeover marker left empty would be
 * read as another start's and refuse every start after.
 */
function createWhole(file: string, text: string): 'created' | 'exists' | 'failed' {
  const aside = asideFile(file);
  try {
    try {
      writeFileSync(aside, text, { mode: PRIVATE_FILE_MODE });
    } catch {
      return 'failed';
    }
    try {
      linkSync(aside, file);
      return 'created';
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EEXIST' ? 'exists' : createExclusive(file, text);
    }
  } finally {
    rmSync(aside, { force: true });
  }
}

/** Creates `file` exclusively and writes `text` into it; one it could not write whole is removed again. */
function createExclusive(file: string, text: string): 'created' | 'exists' | 'failed' {
  let fd: number;
  try {
    fd = openSync(file, 'wx', PRIVATE_FILE_MODE);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EEXIST' ? 'exists' : 'failed';
  }
  try {
    writeSync(fd, text);
    return 'created';
  } catch {
    rmSync(file, { force: true });
    return 'failed';
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes the stale lock whose text is `stale`, as the one start holding the takeover file: a lock is removed only
 * by its holder or by that start, after it read the lock still stale. While another start holds the takeover file
 * this waits a moment (the caller looks again); a takeover file whose process is gone is removed. 'failed': the
 * folder takes no file (a full disk).
 */
function takeOver(dataDir: string, file: string, stale: string): 'failed' | void {
  const marker = join(dataDir, TAKEOVER_FILE);
  const created = createWhole(marker, JSON.stringify(thisProcess()) + '\n');
  if (created === 'failed') return 'failed';
  if (created !== 'created') {
    const taker = parseLock(readText(marker) ?? '');
    if (taker && !alive(taker)) rmSync(marker, { force: true });
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, TAKEOVER_WAIT_MS);
    return;
  }
  try {
    if (readText(file) === stale) rmSync(file, { force: true });
  } finally {
    rmSync(marker, { force: true });
  }
}

/** Why `taker` may not have the folder: who holds it (a server, or which command) and what to do. */
function inUse(dataDir: string, holder: LockInfo, taker: LockOwner): string {
  const byServer = !taker.command;
  const who = lockHolderName(holder, byServer ? 'another' : 'a');
  const wait = holder.command ? 'let it finish first' : byServer ? 'one server per data folder; stop it first' : (taker.whileServed ?? 'stop it first');
  return `${who} is using ${dataDir} (its lock: ${join(dataDir, LOCK_FILE)}): ${wait}${byServer ? ', or give this one its own --data' : ''}`;
}

/** Who holds a lock, as the refusals name it: `a Ringside server (pid 4242, http://…, started …)`, `ringside prune (…)`. */
export function lockHolderName(holder: LockInfo, article: 'a' | 'another' = 'a'): string {
  const what = [`pid ${holder.pid}`, ...(holder.url ? [holder.url] : []), `started ${holder.startedAt}`].join(', ');
  return holder.command ? `ringside ${holder.command} (${what})` : `${article} Ringside server (${what})`;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function parseLock(text: string): LockInfo | null {
  try {
    const parsed = JSON.parse(text) as LockInfo;
    return typeof parsed.pid === 'number' ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * `lock` if the process that wrote it is alive, else null: a lock left by a killed process is stale, and so is one
 * whose pid a process started at another time has now. A zombie is gone too: a server killed (kill -9) whose parent
 * has not reaped it yet keeps its pid, and kill(pid, 0) still succeeds on it. Where the start cannot be compared (no
 * /proc, or a lock that does not record it), the pid alone decides.
 */
function alive(lock: LockInfo | null): LockInfo | null {
  if (!lock || !pidAlive(lock.pid)) return null;
  const stat = procStat(lock.pid);
  if (stat?.exited) return null;
  const start = typeof lock.processStart === 'number' ? (stat?.start ?? null) : null;
  return start === null || start === lock.processStart ? lock : null;
}

/** Whether a process has `pid` (EPERM: yes, another user's). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This process as a lock names it: its pid, and when it started where that can be read. */
function thisProcess(): Pick<LockInfo, 'pid' | 'processStart'> {
  const start = procStat(process.pid)?.start ?? null;
  return { pid: process.pid, ...(start !== null ? { processStart: start } : {}) };
}

/**
 * What /proc/<pid>/stat says of `pid`, its fields counted after the ")" that ends field 2 (the command's name, which
 * may hold spaces and parentheses itself): whether it has exited (field 3, the state: Z a zombie, X dead, x dead on
 * Linux 2.6.33 to 3.13) and when
 * the kernel started it (field 22, clock ticks after boot; null if unreadable). Null without /proc.
 */
function procStat(pid: number): { exited: boolean; start: number | null } | null {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === null) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = Number(fields[22 - 3]);
  return { exited: ['Z', 'X', 'x'].includes(fields[0]!), start: Number.isSafeInteger(start) ? start : null };
}

/**
 * Throws, as takeLock would, when a live process holds `dataDir`'s lock; reads it only, creating nothing. A start
 * asks before its other checks (a port in use), so that a second server on the same folder and port is told about
 * the server that holds the folder, which is what it needs to know.
 */
export function refuseIfHeld(dataDir: string, owner: LockOwner = {}): void {
  const holder = liveLockHolder(dataDir);
  if (holder && holder.pid !== process.pid) throw new DataDirInUse(inUse(dataDir, holder, owner));
}

/** The lock's holder if it is still alive (a stale lock is ignored). */
export function liveLockHolder(dataDir: string): LockInfo | null {
  const text = readText(join(dataDir, LOCK_FILE));
  return alive(text === null ? null : parseLock(text));
}

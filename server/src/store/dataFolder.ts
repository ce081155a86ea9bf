// Whether this process may use a data folder as it needs to, said in words. Ringside creates its folders 0700, so
// another user (an operator's own account beside the service's) meets a folder it may not enter: without this
// check it would be told there is no database there, or get a raw EACCES from deep inside a start.
import { accessSync, constants, readFileSync, statSync, type Stats } from 'node:fs';
import { basename, dirname } from 'node:path';

/** read: open the files in it; write: also create files there (a missing folder: create it). */
export type FolderUse = 'read' | 'write';

/**
 * Why this process may not `use` `dir`, naming the folder, the permission it lacks and whose the folder is; null when
 * it may, or when `dir` is simply not there (each caller says that in its own words). For writing, a missing `dir`
 * is judged by the nearest folder above it that exists, where it would be created.
 */
export function folderAccessProblem(dir: string, use: FolderUse): string | null {
  const at = use === 'write' ? nearestExisting(dir) : dir;
  let stat: Stats;
  try {
    stat = statSync(at);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EACCES' ? `cannot ${use} ${dir}: permission denied (a folder on its path may not be searched by this user)` : null;
  }
  // A file where the folder should be (most often the database itself: --data DIR/ringside.db) is no matter of
  // permissions: the mode checks below would advise a chmod that changes nothing.
  if (!stat.isDirectory()) return `cannot ${use} ${dir}: ${at === dir ? 'it' : at} is a file, not a folder${basename(at) === 'ringside.db' ? ` (the database itself: its folder is ${dirname(at)})` : ''}`;
  try {
    accessSync(at, use === 'read' ? constants.R_OK | constants.X_OK : constants.W_OK | constants.X_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EROFS') return `cannot write ${dir}: it is on a read-only file system`;
    if (code !== 'EACCES' && code !== 'EPERM') return null;
  }
  const where = at === dir ? 'it' : `${at}, where it would be created,`;
  const mode = `mode 0${(stat.mode & 0o777).toString(8)}`;
  const uid = process.getuid?.();
  const fix =
    uid !== undefined && stat.uid === uid
      ? `${where} belongs to this user but its ${mode} gives no ${use} permission: chmod u+${use === 'read' ? 'rx' : 'wx'} ${at}`
      : `${where} belongs to ${ownerName(stat.uid)}, ${mode}: run as that user`;
  return `cannot ${use} ${dir}: permission denied (${fix})`;
}

/** Whether `path` is a folder; one that cannot be looked at (missing, under a file, not searchable) is not. */
export function isFolder(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

function nearestExisting(dir: string): string {
  for (let at = dir; ; at = dirname(at)) {
    try {
      statSync(at);
      return at;
    } catch (error) {
      // ENOTDIR: a file on the way (`--data DIR/ringside.db/sub`); the walk goes on up to it, as past a missing folder.
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(at) === at) return at;
    }
  }
}

/** `uid 0 (root)`: the name from /etc/passwd where it has one. */
function ownerName(uid: number): string {
  let name: string | undefined;
  try {
    name = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
      .find((fields) => fields[2] === String(uid))?.[0];
  } catch {
    /* no passwd file: the number alone */
  }
  return name ? `uid ${uid} (${name})` : `uid ${uid}`;
}

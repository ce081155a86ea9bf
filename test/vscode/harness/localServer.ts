// The extension's local server keeps running after its window goes away (extension/src/localServer.ts); a test
// that started one and failed before "Stop Local Server" leaves it behind. This finds it through its data folder's
// lock file in the test's own code-server user-data folder, and stops it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** <home>/user-data/User/globalStorage/ringside.ringside/server: where the extension keeps the local server's data. */
export function localServerDataDir(home: string): string {
  return join(home, 'user-data', 'User', 'globalStorage', 'ringside.ringside', 'server');
}

export function localServerPid(home: string): number | undefined {
  const lock = join(localServerDataDir(home), 'ringside.lock');
  if (!existsSync(lock)) return undefined;
  try {
    const pid = (JSON.parse(readFileSync(lock, 'utf8')) as { pid?: unknown }).pid;
    return typeof pid === 'number' ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a local server the extension left running in `home` (SIGTERM to its group, SIGKILL if it lingers). */
export async function stopLeftoverLocalServer(home: string): Promise<void> {
  const pid = localServerPid(home);
  if (pid === undefined || !alive(pid)) return;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name);
    } catch {
      // gone, or not a group leader
    }
  };
  signal('SIGTERM');
  // Polled: the server is not this process's child (code-server's extension host started it), so no 'exit' event
  // reaches us, Node has no pidfd to wait on, and /proc cannot be watched (inotify sees no change there). Whether
  // the pid still answers signal 0 is all there is to look at.
  const gone = await new Promise<boolean>((resolve) => {
    const started = Date.now();
    const look = () => (!alive(pid) ? resolve(true) : Date.now() - started > 5_000 ? resolve(false) : setTimeout(look, 100));
    look();
  });
  if (!gone) signal('SIGKILL');
}

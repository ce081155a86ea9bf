// A small real file system (tmpfs) for a test file, to fill up or remount read-only: mounted before the file's tests,
// unmounted after them. Mounting needs root or CAP_SYS_ADMIN; without it the tests that need one skip, saying why.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export function useTmpfs(size = '3m'): { mountPoint(): string | null; why(): string } {
  let mountPoint: string | null = null;
  let why = '';
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'ringside-tmpfs-'));
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
    if (r.status === 0) mountPoint = dir;
    else why = `cannot mount a tmpfs (${(r.stderr || r.error?.message || '').trim()}); needs root or CAP_SYS_ADMIN`;
  });
  afterAll(() => {
    if (mountPoint) {
      spawnSync('umount', ['-l', mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });
  return { mountPoint: () => mountPoint, why: () => why };
}

// The data folder's lock, in process: what a start finds left in the folder by an earlier process.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { takeLock } from '../../server/src/services/dataLock';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function folderWithLock(pid: number, extra: object = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ringside-lock-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'ringside.lock'), JSON.stringify({ pid, startedAt: '2026-01-01T00:00:00.000Z', ...extra }) + '\n');
  return dir;
}

const lockIn = (dir: string) => JSON.parse(readFileSync(join(dir, 'ringside.lock'), 'utf8')) as Record<string, unknown>;

it('takes over a lock that names its own pid: an earlier process with the same pid left it (a restart in a container)', () => {
  const dir = folderWithLock(process.pid);
  const lock = takeLock(dir, { startedAt: new Date('2026-12-05T00:00:00Z') });
  expect(lockIn(dir)).toMatchObject({ pid: process.pid, startedAt: '2026-12-05T00:00:00.000Z' });
  lock.release();
});

it.runIf(existsSync('/proc/self/stat'))('takes over a lock naming a live pid whose process started at another time than the one that wrote it', () => {
  const dir = folderWithLock(process.ppid, { processStart: 1 });
  const lock = takeLock(dir, { command: 'prune' });
  expect(lockIn(dir)).toMatchObject({ pid: process.pid, command: 'prune', processStart: expect.any(Number) });
  lock.release();
  expect(existsSync(join(dir, 'ringside.lock'))).toBe(false);
});

it('a command refused by a server is told to stop it; a server refused by a command is told to let it finish', () => {
  expect(() => takeLock(folderWithLock(process.ppid), { command: 'prune' })).toThrow(
    new RegExp(`^a Ringside server \\(pid ${process.ppid}, started 2026-01-01T00:00:00.000Z\\) is using .* \\(its lock: .*ringside.lock\\): stop it first$`),
  );
  expect(() => takeLock(folderWithLock(process.ppid, { command: 'restore' }))).toThrow(
    new RegExp(`^ringside restore \\(pid ${process.ppid}, started 2026-01-01T00:00:00.000Z\\) is using .*: let it finish first, or give this one its own --data$`),
  );
});

it('refuses a lock held by another live process, naming it', () => {
  const dir = folderWithLock(process.ppid);
  expect(() => takeLock(dir)).toThrow(new RegExp(`another Ringside server \\(pid ${process.ppid}, started 2026-01-01T00:00:00.000Z\\) is using`));
});

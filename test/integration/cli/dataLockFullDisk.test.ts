// The data folder's lock on a full disk (a real tmpfs, real server processes): a server killed while its disk was
// full leaves a stale lock, and the next start must not be refused over that lock, told to delete files by hand, nor
// leave files behind that refuse every start after the disk has room again.
import { closeSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCliScratch } from '../support/cli';
import { useTmpfs } from '../support/tmpfs';

const KEY = 'rs_full-disk-lock-key-0123456789abcd';
const { start, track } = useCliScratch();

/** Writes `file` until the file system has no block left (ENOSPC). */
function fill(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  // The last partial block too: byte by byte, until not one more fits.
  const fdTail = openSync(file, 'a');
  try {
    for (;;) writeSync(fdTail, Buffer.alloc(1));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fdTail);
  }
}

describe('the data folder lock on a full disk', () => {
  const tmpfs = useTmpfs('3m');
  let mountPoint: string | null = null;
  beforeAll(() => {
    mountPoint = tmpfs.mountPoint();
  });

  it('starts over the stale lock of a server killed while the disk was full, and leaves no file behind that refuses a later start', async (ctx) => {
    if (!mountPoint) return ctx.skip(tmpfs.why());
    const dir = join(mountPoint, 'data');
    const serve = async () => {
      const server = await start(['--port', '0', '--data', dir, '--log-level', 'warn'], { RINGSIDE_API_KEY: KEY });
      track(server);
      return server;
    };
    const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
    const post = (url: string, id: string) =>
      fetch(`${url}/api/v1/events`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ id, type: 'call', site: 'downtown', occurredAt: new Date().toISOString(), outcome: 'answered', answerSeconds: 5 }),
      });
    const first = await serve();
    expect((await post(first.url, 'before-full')).status).toBe(201);
    const filler = join(mountPoint, 'filler');
    fill(filler);
    first.child.kill('SIGKILL'); // its lock stays, naming a process that is gone
    await first.exit;
    expect(readdirSync(dir)).toContain('ringside.lock');

    // The disk is still full: the start is not refused over the stale lock; the server says what is wrong.
    const onFull = await serve();
    const refused = await post(onFull.url, 'on-full');
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/^the data folder is full/);
    const ready = await fetch(`${onFull.url}/api/v1/health/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { detail: string }).detail).toBe('not ready: the data folder is full');
    const kept = await fetch(`${onFull.url}/api/v1/events/before-full`, { headers: auth });
    expect(kept.status).toBe(200);
    onFull.child.kill('SIGTERM');
    expect(await onFull.exit).toBe(0);
    // Nothing a failed write left: no takeover marker, no half-written lock written aside.
    expect(readdirSync(dir).filter((f) => f.startsWith('ringside.lock.'))).toEqual([]);

    // Room again: the next start runs and holds the folder.
    rmSync(filler);
    const after = await serve();
    expect(readdirSync(dir)).toContain('ringside.lock');
    expect((await post(after.url, 'after-full')).status).toBe(201);
    after.child.kill('SIGTERM');
    expect(await after.exit).toBe(0);
  }, 90_000);
});

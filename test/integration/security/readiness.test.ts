// Readiness through a storage outage on SQLite: a data folder that fills up (a real 8 MB tmpfs) makes
// GET /health/ready answer 503 naming why, while GET /health (liveness) stays 200; once there is room again it
// answers 200 without a restart and without a write to prove it (a balancer that took the node out sends none), and
// the log says each outage began once and ended once.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { captureLog } from '../support/serverLog';
import { call, startTestServer, type TestServer } from '../support/testServer';
import { useTmpfs } from '../support/tmpfs';

const tmpfs = useTmpfs('8m');

/** Posts batches until the data folder refuses one; the status of the last (503 when it filled). */
async function fillUp(server: TestServer, round: string): Promise<number> {
  let status = 201;
  for (let b = 0; b < 400 && status === 201; b++) {
    status = (await server.postEvents({ events: Array.from({ length: 50 }, (_, i) => call({ id: `${round}-${b}-${i}`, agent: 'a'.repeat(150), queue: 'q'.repeat(150) })) })).status;
  }
  return status;
}

/** Fills what is left of the file system with `file` (the write stops at ENOSPC, keeping what it wrote). */
function fillWith(file: string): void {
  try {
    writeFileSync(file, Buffer.alloc(16 * 1024 * 1024));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
}

it('answers readiness 503 while the data folder is full and 200 once it has room again, with no write to prove it; liveness stays 200', async (ctx) => {
  const mountPoint = tmpfs.mountPoint();
  if (!mountPoint) return ctx.skip(tmpfs.why());
  const filler = join(mountPoint, 'filler');
  // Freed later: the room the recovery needs, more than the room readiness asks for (WRITE_ROOM_BYTES, 4 MiB).
  writeFileSync(filler, Buffer.alloc(5 * 1024 * 1024));
  const log = captureLog();
  const server = await startTestServer({ dataDir: join(mountPoint, 'data'), logLevel: 'info' });
  const probe = async (path: string) => {
    const res = await fetch(`${server.url}/api/v1/${path}`);
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
  };
  try {
    expect(await probe('health/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect(await fillUp(server, 'fill'), 'the tmpfs never filled').toBe(503);

    const notReady = await probe('health/ready');
    expect(notReady).toMatchObject({ status: 503, retryAfter: '5', body: { type: 'https://ringside.dev/problems/storage-unavailable', status: 503, detail: 'not ready: the data folder is full' } });
    expect(await probe('health?ready')).toMatchObject({ status: 200, body: { status: 'ok' } });
    // A read does not end an outage of writes, nor does asking again while there is no room: still not ready.
    expect((await server.getJson('/api/v1/compliance?window=1h')).status).toBe(200);
    expect((await probe('health/ready')).status).toBe(503);

    // Room again, and nothing posted: the probe alone finds the node ready, and stays so.
    rmSync(filler);
    expect(await probe('health/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect((await probe('health/ready')).status).toBe(200);
    expect((await server.postEvents(call({ id: 'after-room' }))).status).toBe(201);

    // Full again: the write that fails takes the node out again, and room brings it back again.
    fillWith(filler);
    expect(await fillUp(server, 'refill'), 'the tmpfs never filled again').toBe(503);
    expect(await probe('health/ready')).toMatchObject({ status: 503, body: { detail: 'not ready: the data folder is full' } });
    rmSync(filler);
    expect((await probe('health/ready')).status).toBe(200);
  } finally {
    await server.close();
    log.stop();
  }
  const lines = log.lines();
  const storage = lines.filter((l) => l.component === 'storage');
  const outage = [
    [40, expect.stringMatching(/^storage unavailable: the data folder is full; /)],
    [30, expect.stringMatching(/^storage available again: the data folder can be written again after \d+ s$/)],
  ];
  expect(storage.map((l) => [l.level, l.msg])).toEqual([...outage, ...outage]);
  // The probe's 503s are routine lines, not errors: the only errors are the writes' own refusals.
  const probes = lines.filter((l) => l.msg === 'request' && l.path === '/api/v1/health/ready' && l.status === 503);
  expect(probes.map((l) => l.level)).toEqual([30, 30, 30]);
  expect(JSON.stringify(storage)).not.toContain('stack');
});

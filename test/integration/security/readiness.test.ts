// Readiness through a storage outage on SQLite: a data folder that fills up (a real 3 MB tmpfs) makes
// GET /health/ready answer 503 naming why, while GET /health (liveness) stays 200; once there is room again and a
// write succeeds, it answers 200 without a restart, and the log says the outage began once and ended once.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { captureLog } from '../support/serverLog';
import { call, startTestServer } from '../support/testServer';
import { useTmpfs } from '../support/tmpfs';

const tmpfs = useTmpfs();

it('answers readiness 503 while the data folder is full and 200 once it has room again; liveness stays 200', async (ctx) => {
  const mountPoint = tmpfs.mountPoint();
  if (!mountPoint) return ctx.skip(tmpfs.why());
  const filler = join(mountPoint, 'filler');
  writeFileSync(filler, Buffer.alloc(1024 * 1024)); // freed later: the room the recovery needs
  const log = captureLog();
  const server = await startTestServer({ dataDir: join(mountPoint, 'data'), logLevel: 'info' });
  const probe = async (path: string) => {
    const res = await fetch(`${server.url}/api/v1/${path}`);
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
  };
  try {
    expect(await probe('health/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });
    let status = 201;
    for (let b = 0; b < 400 && status === 201; b++) {
      status = (await server.postEvents({ events: Array.from({ length: 50 }, (_, i) => call({ id: `fill-${b}-${i}`, agent: 'a'.repeat(150), queue: 'q'.repeat(150) })) })).status;
    }
    expect(status, 'the tmpfs never filled').toBe(503);

    const notReady = await probe('health/ready');
    expect(notReady).toMatchObject({ status: 503, retryAfter: '5', body: { type: 'https://ringside.dev/problems/storage-unavailable', status: 503, detail: 'not ready: the data folder is full' } });
    expect(await probe('health?ready')).toMatchObject({ status: 200, body: { status: 'ok' } });
    // A read does not end an outage of writes: still not ready.
    expect((await server.getJson('/api/v1/compliance?window=1h')).status).toBe(200);
    expect((await probe('health/ready')).status).toBe(503);

    rmSync(filler);
    expect((await server.postEvents(call({ id: 'after-room' }))).status).toBe(201);
    expect(await probe('health/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });
  } finally {
    await server.close();
    log.stop();
  }
  const lines = log.lines();
  const storage = lines.filter((l) => l.component === 'storage');
  expect(storage.map((l) => [l.level, l.msg])).toEqual([
    [40, expect.stringMatching(/^storage unavailable: the data folder is full; /)],
    [30, expect.stringMatching(/^storage available again: the data folder can be written again after \d+ s$/)],
  ]);
  // The probe's 503s are routine lines, not errors: the only error is the write's own refusal.
  const probes = lines.filter((l) => l.msg === 'request' && l.path === '/api/v1/health/ready' && l.status === 503);
  expect(probes.map((l) => l.level)).toEqual([30, 30]);
  expect(JSON.stringify(storage)).not.toContain('stack');
});

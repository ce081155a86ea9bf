// A server closed (SIGTERM, a deploy) while a live replay is being read: a replay reads in pages with turns of the
// event loop between them, so a close could come between two pages. Closing waits for the replay, so the store is
// not closed under it and nothing is logged as failed. The store's event reads are held at a gate, so the close
// comes while the replay is mid-way.
import { io } from 'socket.io-client';
import { describe, expect, it, vi } from 'vitest';
import { captureLog } from '../support/serverLog';
import { call, removeDir, startTestServer } from '../support/testServer';

/** The store's reads of events after a seq, held while `gate.held` is set (support/heldEventReads.ts). */
const gate = await vi.hoisted(async () => (await import('../support/heldEventReads')).readGate());
vi.mock('../../../server/src/store/sqlite/events', async (importOriginal) => (await import('../support/heldEventReads')).withHeldEventReads(await importOriginal<typeof import('../../../server/src/store/sqlite/events')>(), gate));

describe('closing a node while a replay is being read', () => {
  it('waits for the replay, then closes the store: no read fails, no failure is logged', async () => {
    const server = await startTestServer({ logLevel: 'info', alerts: { enabled: false } });
    const logged = captureLog();
    const events = Array.from({ length: 600 }, (_, i) => call({ id: `c-${i}` })); // pages of reading
    expect((await server.postEvents({ events })).status).toBe(201);
    const client = io(server.url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token: server.apiKey } });
    let release = () => {};
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('snapshot', () => resolve());
        client.once('connect_error', reject);
      });
      gate.held = new Promise<void>((resolve) => (release = resolve));
      void client.timeout(60_000).emitWithAck('replay', { afterSeq: 0 }).catch(() => {}); // its client is gone by then
      await expect.poll(() => gate.reads).toBe(1);

      const closing = server.close();
      const waiting = new Promise<void>((resolve) => {
        const look = () => (logged.lines().some((l) => l.msg === 'closing: waiting for live replays being read before the store closes') ? resolve() : setImmediate(look));
        look();
      });
      // Until the close says it waits for the replay, or (what must not happen) it closed the store under it.
      await Promise.race([closing, waiting]);
      release();
      await closing;
      await gate.done;
      expect(gate.failures).toEqual([]);
      expect(logged.lines().filter((l) => l['level'] >= 40)).toEqual([]);
    } finally {
      release();
      gate.held = null;
      logged.stop();
      client.close();
      await server.close();
      removeDir(server.dataDir);
    }
  });
});

// GET /events/:id reads its event from the store once: the event as stored (with its judgements as recorded) and
// what its standing is worked out from (its recorded state and corrections) come from one read of the event, so a
// read-back costs one look-up of the row and its judgements, not two of the same. On a real SQLite file, through the
// service the route calls; the answer itself is eventReadback.test.ts's.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSite } from '../../../server/src/domain/sites';
import type { EventInput } from '../../../server/src/protocol';
import { prepareEvent } from '../../../server/src/services/ingest/prepare';
import type { EventsReads } from '../../../server/src/store/port';
import { openTestCore, type TestCore } from '../support/core';
import { removeDir, tempDataDir } from '../support/testServer';

const OCCURRED = '2026-03-07T20:00:00Z';

let dir: string;
let core: TestCore;
beforeEach(async () => {
  dir = tempDataDir();
  core = await openTestCore(dir, { timeZone: 'UTC', now: () => Date.parse(OCCURRED) + 60_000 });
});
afterEach(async () => {
  await core.close();
  removeDir(dir);
});

function write(input: EventInput) {
  const item = prepareEvent(input, { standardsAt: (ms) => core.standards.inForceAt(ms), site: defaultSite(input.site, 'UTC'), receivedAtMs: Date.parse(OCCURRED) + 1000 });
  return core.store.write((tx) => tx.writes.events([item]));
}

/** Counts every call of the store's event reads, by method, while `fn` runs. */
async function eventReadsDuring<T>(fn: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> {
  const reads = core.store.reads.events as unknown as Record<string, (...args: unknown[]) => unknown>;
  const calls: Record<string, number> = {};
  const originals = { ...reads };
  for (const [name, method] of Object.entries(originals)) {
    reads[name] = (...args: unknown[]) => {
      calls[name] = (calls[name] ?? 0) + 1;
      return method.apply(reads, args);
    };
  }
  try {
    return { result: await fn(), calls };
  } finally {
    Object.assign(reads, originals);
  }
}

describe('reading an event back', () => {
  it('reads the event from the store once, its stored shape and its standing from the same read', async () => {
    await write({ id: 'c1', type: 'call', site: 'north', occurredAt: OCCURRED, outcome: 'answered', rings: 3 });
    await core.corrections.correct('c1', { action: 'amend', reason: 'checked against the PBX log', changes: { rings: 1 } }, 'admin');
    const { result, calls } = await eventReadsDuring(() => core.corrections.read('c1'));
    expect(Object.values(calls).reduce((a, b) => a + b, 0), JSON.stringify(calls)).toBe(1);
    // The one read gives both: the event as stored (3 rings, as recorded) and its standing after the amendment.
    const events: EventsReads = core.store.reads.events;
    expect(result).toEqual({ ...(await events.byId('c1')), standing: expect.objectContaining({ void: false, corrections: 1, fields: expect.objectContaining({ rings: 1 }) }) });
    expect(result.event.rings).toBe(3);
  });
});

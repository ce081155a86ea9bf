// An event export starts at once: its first line goes out before any row is read, and its first rows while the rest
// are still unread, so a client of a long export has the start of its file at once and the server holds only what it
// writes (exportStreaming.test.ts checks the memory of a 200 000-event export through the built server). Checked by
// order, not by a time limit: the export runs over a real SQLite store whose event rows the test counts as the export
// takes them, and writes to a client that takes each write only when the test lets it, as a slow socket would.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AuditService } from '../../../server/src/services/audit';
import { ExportService } from '../../../server/src/services/exports/index';
import { SigningIdentity } from '../../../server/src/services/signing';
import type { RowSequence, Snapshot, Store } from '../../../server/src/store/port';
import { openTestCore } from '../support/core';
import { call, removeDir, tempDataDir } from '../support/testServer';

const DAY_MS = 86_400_000;

/** `rows` as they are, with each row the export takes from them counted in `taken.rows`. */
function counted<T>(rows: RowSequence<T>, taken: { rows: number }): RowSequence<T> {
  const counting = <I extends Iterator<T> | AsyncIterator<T>>(it: I): I => {
    const next = it.next.bind(it);
    return Object.assign(it, {
      next: () => {
        const r = next();
        if (r instanceof Promise) return r.then((x: IteratorResult<T>) => ((taken.rows += x.done ? 0 : 1), x));
        taken.rows += r.done ? 0 : 1;
        return r;
      },
    });
  };
  const sequence: RowSequence<T> = { [Symbol.asyncIterator]: () => counting(rows[Symbol.asyncIterator]()) };
  // The SQLite store's rows are Iterable too and the export takes them that way: kept, so the path is the server's.
  const sync = rows[Symbol.iterator];
  if (sync) sequence[Symbol.iterator] = () => counting(sync.call(rows));
  return sequence;
}

/**
 * The export's client: a stream that takes each write only when the test lets it (so the export, which waits for
 * its client as it would for a slow socket, goes no further meanwhile), and says when the next one arrives.
 */
function heldClient() {
  let text = '';
  let arrived: (() => void) | null = null;
  let release: (() => void) | null = null;
  const out = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      release = done;
      arrived?.();
    },
  });
  return {
    out,
    text: () => text,
    /** Resolves once a write is waiting (the one already waiting, or the next). */
    nextWrite: () => new Promise<void>((resolve) => (release ? resolve() : (arrived = resolve))),
    /** Takes the waiting write: the export goes on to its next one. */
    take: () => {
      const done = release!;
      release = null;
      arrived = null;
      done();
    },
  };
}

describe('an event export starts at once', () => {
  it('the client has the first line before any row is read, and the first rows while the rest are still unread', async () => {
    const dataDir = tempDataDir();
    const core = await openTestCore(dataDir);
    try {
      const T0 = Date.parse('2026-02-01T00:00:00Z');
      const TOTAL = 600; // several of the export's writes (a write holds up to ~48 KB of rows)
      const stored = await core.ingest.ingestMany([{ items: Array.from({ length: TOTAL }, (_, i) => call({ id: `s${i}`, occurredAt: new Date(T0 + i * 1000).toISOString() })), sites: null }]);
      expect(stored[0]!.kind).toBe('stored');

      const taken = { rows: 0 };
      const withCount = (s: Snapshot): Snapshot => ({ ...s, exports: { ...s.exports, eventRows: (f) => counted(s.exports.eventRows(f), taken) } });
      const store: Store = { reads: core.store.reads, coordination: core.store.coordination, write: (fn) => core.store.write(fn), snapshot: (fn) => core.store.snapshot((s) => fn(withCount(s))), writable: () => core.store.writable(), close: () => core.store.close() };
      const exports = new ExportService(store, core.standards, new AuditService(store, dataDir), { serverVersion: 'test', now: () => T0 + DAY_MS, identity: SigningIdentity.open(dataDir, T0), organisation: null, timestamps: null, logger: { error: () => undefined } });
      const client = heldClient();
      const q = { fromMs: T0, toMs: T0 + DAY_MS, sites: [], standards: [], outcomes: [], format: 'ndjson' as const, timeZone: 'UTC', period: 'day' as const, proof: 'none' as const, since: null, asOf: null };
      const done = exports.stream('events', q, client.out, { keyId: 'test', keyName: null }, () => undefined);
      const lines = () => client.text().split('\n').filter((l) => l !== '');
      const rowIds = () => lines().slice(1).map((l) => (JSON.parse(l) as { event_id?: string }).event_id);

      // First the export's first line, alone, and not a row read yet.
      await client.nextWrite();
      expect(lines().map((l) => Object.keys(JSON.parse(l) as object)[0]), 'the lines of the first write').toEqual(['export']);
      expect(taken.rows, 'rows read when the first line went out').toBe(0);
      client.take();
      // Then the first rows, in order, while the rest of the export is still unread.
      await client.nextWrite();
      const first = rowIds();
      expect(first.length).toBeGreaterThan(0);
      expect(first).toEqual(Array.from({ length: first.length }, (_, i) => `s${i}`));
      expect(taken.rows, 'rows read when the first rows went out').toBeLessThan(TOTAL);
      // The rest as the client takes it: every row, once, and the manifest last.
      for (let settled = false; !settled; ) {
        client.take();
        settled = await Promise.race([done.then(() => true), client.nextWrite().then(() => false)]);
      }
      expect(rowIds().filter((id) => id !== undefined)).toEqual(Array.from({ length: TOTAL }, (_, i) => `s${i}`));
      expect(JSON.parse(lines().at(-1)!)).toMatchObject({ manifest: { rowCount: TOTAL } });
      expect(taken.rows).toBe(TOTAL);
    } finally {
      await core.close();
      removeDir(dataDir);
    }
  });
});

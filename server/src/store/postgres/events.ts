// Writing a batch of judged events on PostgreSQL: all-or-nothing (the caller's savepoint), idempotent per id by the
// unique index on events.id (INSERT … ON CONFLICT (id) DO NOTHING: a taken id inserts nothing and is looked up),
// each event and judgement chained and its rollup contributions written once per batch. What the SQLite batch writer
// (store/sqlite/batchWriter.ts) answers, this answers: the same outcomes, the same conflicts.
import { DomainError } from '../../domain/errors';
import type { Judgement, StoredEvent } from '../../protocol';
import type { NewEvent, WriteOutcome } from '../port';
import { storable } from '../sqlite/batchWriter';
import { toJudgement, toStoredEvent, type EventRow, type JudgementRow } from '../sqlite/rows';
import type { PgChainWriter } from './chain';
import type { Sql } from './db';
import { PgRollupWriter } from './rollups';
import { recordSiteChange } from './writes';

const ENSURE_SITE = `INSERT INTO sites (name, time_zone, ring_cycle_seconds, created_at_ms) VALUES (?, ?, ?, ?)
  ON CONFLICT (name) DO UPDATE SET time_zone = excluded.time_zone, ring_cycle_seconds = excluded.ring_cycle_seconds,
    display_name = NULL, hours = NULL, holidays = '[]', auto_created = 1, retired = 0 WHERE sites.retired = 1`;

const INSERT_EVENT = `INSERT INTO events (id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds,
    greet_seconds, queue, agent, derived, content)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING seq`;

export async function writeEvents(s: Sql, chain: PgChainWriter, batch: readonly NewEvent[], atMs: number): Promise<WriteOutcome[]> {
  const rollups = new PgRollupWriter(s);
  const ensured = new Set<string>();
  let firstNewSeq = Infinity;
  const outcomes: WriteOutcome[] = [];
  for (const [index, given] of batch.entries()) {
    const item = storable(given); // text PostgreSQL keeps as given (UTF-8): what is hashed is what is stored
    if (!ensured.has(item.event.site)) {
      // First event of this site in the batch: a duplicate must not (re)create its site.
      const row = await s.one<EventRow>('SELECT * FROM events WHERE id = ?', [item.event.id]);
      if (row) {
        outcomes.push(await existing(s, batch, index, row, firstNewSeq));
        continue;
      }
      ensured.add(item.event.site);
      const d = item.siteDefaults;
      if ((await s.run(ENSURE_SITE, [item.event.site, d.timeZone, d.ringCycleSeconds, item.receivedAtMs])) > 0) await recordSiteChange(s, chain, item.event.site, 'auto-created', item.receivedAtMs);
    }
    const inserted = await insert(s, chain, rollups, item, atMs);
    if (inserted) {
      firstNewSeq = Math.min(firstNewSeq, inserted.judged.event.seq);
      outcomes.push(inserted);
    } else {
      outcomes.push(await existing(s, batch, index, (await s.one<EventRow>('SELECT * FROM events WHERE id = ?', [item.event.id]))!, firstNewSeq));
    }
  }
  await rollups.flush();
  return outcomes;
}

/** The stored original of an id already taken: an idempotent retry, or a conflict that aborts the batch. */
async function existing(s: Sql, batch: readonly NewEvent[], index: number, row: EventRow, firstNewSeq: number): Promise<WriteOutcome> {
  const item = batch[index]!;
  if (row.content !== item.content) {
    const message = row.seq >= firstNewSeq
      ? `events.${batch.findIndex((other) => other.event.id === item.event.id)}.id and events.${index}.id are the same id (${JSON.stringify(item.event.id)}) with different content`
      : `id "${item.event.id}" was already used for a different event (seq ${row.seq})`;
    throw new DomainError('conflict', 'id', message, index);
  }
  const judgements = await s.rows<JudgementRow>('SELECT * FROM judgements WHERE event_seq = ? ORDER BY standard_id', [row.seq]);
  return { judged: { event: toStoredEvent(row), judgements: judgements.map(toJudgement) }, duplicate: true };
}

/** Inserts the event, its judgements, links and contributions; undefined when its id is taken. */
async function insert(s: Sql, chain: PgChainWriter, rollups: PgRollupWriter, item: NewEvent, atMs: number): Promise<WriteOutcome | undefined> {
  const e = item.event;
  const derived = JSON.stringify(e.derived);
  const row = [e.id, e.type, e.site, item.occurredAtMs, e.occurredAt, item.receivedAtMs, e.outcome, e.rings, e.answerSeconds, e.greetSeconds, e.queue, e.agent, derived, item.content] as const;
  const done = await s.one<{ seq: number }>(INSERT_EVENT, row);
  if (!done) return undefined;
  const seq = done.seq;
  await chain.append('event', [seq, ...row], atMs);
  const judgements: Judgement[] = [];
  for (const j of item.judgements) judgements.push(await storeJudgement(s, chain, rollups, seq, j, item, atMs));
  const event: StoredEvent = {
    seq, id: e.id, type: e.type, site: e.site, occurredAt: e.occurredAt, receivedAt: new Date(item.receivedAtMs).toISOString(),
    outcome: e.outcome, rings: e.rings, answerSeconds: e.answerSeconds, greetSeconds: e.greetSeconds, queue: e.queue, agent: e.agent,
    derived: JSON.parse(derived) as StoredEvent['derived'],
  };
  return { judged: { event, judgements: judgements.sort((a, b) => (a.standardId < b.standardId ? -1 : a.standardId > b.standardId ? 1 : 0)) }, duplicate: false };
}

async function storeJudgement(s: Sql, chain: PgChainWriter, rollups: PgRollupWriter, seq: number, j: Judgement, item: NewEvent, atMs: number): Promise<Judgement> {
  const values = [seq, j.standardId, j.standardVersion, j.measure, j.value ?? null, j.threshold, j.met ? 1 : 0, j.counted === false ? 0 : 1, j.reason ?? null] as const;
  await s.run('INSERT INTO judgements (event_seq, standard_id, standard_version, measure, value, threshold, met, counted, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', values);
  await chain.append('judgement', values, atMs);
  const e = item.event;
  await rollups.add(
    { site: e.site, occurredAtMs: item.occurredAtMs, standardId: values[1], standardVersion: values[2] },
    { type: e.type, outcome: e.outcome, answerSeconds: e.answerSeconds, greetSeconds: e.greetSeconds, value: values[4], met: values[6], counted: values[7], reason: values[8] },
  );
  return toJudgement({ event_seq: seq, standard_id: values[1], standard_version: values[2], measure: j.measure, value: values[4], threshold: values[5], met: values[6], counted: values[7], reason: j.reason ?? null });
}

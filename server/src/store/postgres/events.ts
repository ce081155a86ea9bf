// Writing a batch of judged events on PostgreSQL: all-or-nothing (the caller's savepoint), idempotent per id (the
// unique index on events.id; of the ids clients gave, those stored already are found with one lookup for the whole
// batch), each event and judgement chained and its rollup contributions written. The statements are per batch, not
// per event: one lookup, one reservation of seqs, one COPY of events, one of judgements, one of chain links
// (copy.ts), and the rollups' reads and writes (rollups.ts). What the SQLite batch writer
// (store/sqlite/batchWriter.ts) answers, this answers: the same outcomes and the same conflicts, found in the same
// order.
import { batchIdConflict, eventIdConflict } from '../../domain/contentConflicts';
import { DomainError } from '../../domain/errors';
import type { Judgement, StoredEvent } from '../../protocol';
import { countedFlag } from '../../protocol/pure/counted';
import type { NewEvent, WriteOutcome } from '../port';
import { storable } from '../sqlite/batchWriter';
import { measuresOf, measuresText, toJudgement, toStoredEvent, type EventRow, type JudgementRow } from '../sqlite/rows';
import { columns, type PgChainWriter } from './chain';
import type { Sql } from './db';
import { PgRollupWriter } from './rollups';
import { recordSiteChange } from './writes';

/** Sites created or revived (a retired one) answer their name; a site already in use is left as it is. */
const ENSURE_SITES = `INSERT INTO sites (name, time_zone, ring_cycle_seconds, created_at_ms) SELECT * FROM unnest(?::text[], ?::text[], ?::float8[], ?::bigint[])
  ON CONFLICT (name) DO UPDATE SET time_zone = excluded.time_zone, ring_cycle_seconds = excluded.ring_cycle_seconds,
    display_name = NULL, hours = NULL, holidays = '[]', auto_created = 1, retired = 0 WHERE sites.retired = 1
  RETURNING name`;

/** The events' columns as a batch's rows give them (copied: the rows are new, their seqs taken under the lock). */
const EVENT_COLUMNS = 'seq, id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds, greet_seconds, queue, agent, derived, content, measures, handle_seconds';

/**
 * Takes `n` consecutive seqs from the events' identity (the last one answered): nextval and setval in one statement.
 * Every event insert holds the store's write lock, so no other nextval can fall between the two.
 */
const RESERVE_SEQS = `SELECT setval(pg_get_serial_sequence('events', 'seq'), nextval(pg_get_serial_sequence('events', 'seq')) + ? - 1) AS last`;
/** The next seq to take (after a reservation, under the same lock): the reserved ones after it are given back. */
const RETURN_SEQS = `SELECT setval(pg_get_serial_sequence('events', 'seq'), ?, false)`;

const JUDGEMENT_COLUMNS = 'event_seq, standard_id, standard_version, measure, value, threshold, met, counted, reason';

type EventValues = [id: string, type: string, site: string, occurredAtMs: number, occurredAt: string, receivedAtMs: number, outcome: string, rings: number | null, answerSeconds: number | null, greetSeconds: number | null, queue: string | null, agent: string | null, derived: string, content: string, measures: string | null, handleSeconds: number | null];

/** What each item of the batch turns out to be: new (inserted here), stored before, or a repeat of an earlier item. */
type Plan = { kind: 'new'; values: EventValues } | { kind: 'stored'; row: EventRow } | { kind: 'repeat'; of: number };

export async function writeEvents(s: Sql, chain: PgChainWriter, batch: readonly NewEvent[], atMs: number): Promise<WriteOutcome[]> {
  const items = batch.map(storable); // text PostgreSQL keeps as given (UTF-8): what is hashed is what is stored
  // On the write's pipelined client (store.ts) each statement goes out as soon as it is made, and what the node
  // computes next (rows, hashes, answers, rollup sums) runs while PostgreSQL works on the previous ones. The id
  // lookup, a seq for every item and the chain head share one round trip; after it, the sites, events and
  // judgements go out without waiting for an answer, and the links are hashed while PostgreSQL inserts the rows.
  // Ids made on receipt are new: only those the clients gave are looked up (a batch without any needs no lookup).
  const given = new Set<string>();
  for (const i of items) if (!i.idMadeHere) given.add(i.event.id);
  const lookup = given.size > 0 ? s.rows<EventRow>('SELECT * FROM events WHERE id = ANY(?::text[])', [[...given]]) : Promise.resolve([]);
  const reserved = reserveSeqs(s, items.length);
  const head = chain.ready();
  for (const p of [reserved, head]) p.catch(() => undefined); // their failure is thrown below, after the lookup's
  const stored = new Map((await lookup).map((r) => [r.id, r]));
  let plans: Plan[];
  try {
    plans = planBatch(items, stored);
  } catch (error) {
    const first = (await reserved)[0];
    if (first !== undefined) await s.run(RETURN_SEQS, [first]); // a refused batch takes no seq (sequences ignore rollbacks)
    throw error;
  }
  const fresh = plans.flatMap((p, index) => (p.kind === 'new' ? [{ index, values: p.values }] : []));
  const seqs = await reserved;
  await head;
  const sent: Array<Promise<unknown>> = [];
  const send = (p: Promise<unknown>) => {
    p.catch(() => undefined); // awaited below, with the others
    sent.push(p);
  };
  // The first fresh.length seqs are used; those of items stored before are given back, so seqs stay consecutive.
  if (fresh.length < items.length) send(s.run(RETURN_SEQS, [seqs[0]! + fresh.length]));
  const created = ensureSites(s, items, plans);
  send(created);
  // Each new event's row once, its seq first: copied, chained and answered from the same array.
  const eventRows: EventRowValues[] = fresh.map((f, n) => [seqs[n]!, ...f.values]);
  if (fresh.length > 0) send(s.copy('events', EVENT_COLUMNS, eventRows, 17));
  const judgementRows: JudgementValues[] = [];
  for (const [n, { index }] of fresh.entries()) for (const j of items[index]!.judgements) judgementRows.push(judgementValues(seqs[n]!, j));
  if (judgementRows.length > 0) send(s.copy('judgements', JUDGEMENT_COLUMNS, judgementRows, 9));
  // The rollup contributions need no seq: their rows are read behind the inserts and written back at the end.
  const rollups = new PgRollupWriter(s);
  for (const { index } of fresh) for (const j of items[index]!.judgements) addToRollups(rollups, j, items[index]!);
  rollups.prefetch();
  // A site created here is recorded (and chained) before the batch's events, in the order the sites first appear.
  try {
    for (const [site, receivedAtMs] of await created) await recordSiteChange(s, chain, site, 'auto-created', receivedAtMs);
  } catch (error) {
    // After a statement sent above failed, every later one fails as "transaction aborted": the first failure, in the
    // order sent (the connection answers in that order), is the cause to report (a full disk is 503, not 500).
    await Promise.all(sent);
    throw error;
  }
  const outcomes = chainAndAnswer(chain, items, fresh, eventRows, judgementRows, atMs);
  send(chain.flush());
  send(rollups.flush());
  await Promise.all(sent);
  await answerDuplicates(s, plans, outcomes);
  return outcomes;
}

/**
 * Chains each new event and its judgements (in batch order, each event before its judgements) and answers them as a
 * read would: the rows as copied. Outcomes of items stored before are left for answerDuplicates.
 */
function chainAndAnswer(chain: PgChainWriter, items: readonly NewEvent[], fresh: ReadonlyArray<{ index: number }>, eventRows: readonly EventRowValues[], judgementRows: readonly JudgementValues[], atMs: number): WriteOutcome[] {
  const outcomes = new Array<WriteOutcome>(items.length);
  const receivedAt = isoTexts();
  let row = 0;
  for (const [n, { index }] of fresh.entries()) {
    const item = items[index]!;
    const eventRow = eventRows[n]!;
    chain.appendNow('event', eventRow, atMs);
    const judgements: Judgement[] = [];
    for (let k = 0; k < item.judgements.length; k += 1) {
      const v = judgementRows[row++]!;
      chain.appendNow('judgement', v, atMs, { site: item.event.site, occurredAtMs: item.occurredAtMs });
      judgements.push(toJudgement({ event_seq: eventRow[0], standard_id: v[1], standard_version: v[2], measure: v[3], value: v[4], threshold: v[5], met: v[6], counted: v[7], reason: v[8] }));
    }
    outcomes[index] = { judged: { event: eventOf(eventRow, item.event.derived, receivedAt(item.receivedAtMs)), judgements: judgements.sort((a, b) => (a.standardId < b.standardId ? -1 : a.standardId > b.standardId ? 1 : 0)) }, duplicate: false };
  }
  return outcomes;
}

/** Each item's plan, in batch order; a reused id with other content throws as the SQLite writer does, at that item. */
function planBatch(items: readonly NewEvent[], stored: ReadonlyMap<string, EventRow>): Plan[] {
  const firstNew = new Map<string, number>();
  return items.map((item, index): Plan => {
    const id = item.event.id;
    const row = stored.get(id);
    if (row) {
      if (row.content !== item.content) throw eventIdConflict(id, row, item.content, index);
      return { kind: 'stored', row };
    }
    const first = firstNew.get(id);
    if (first !== undefined) {
      if (items[first]!.content !== item.content) {
        throw new DomainError('conflict', 'id', batchIdConflict(id, first, index, items[first]!.content, item.content), index);
      }
      return { kind: 'repeat', of: first };
    }
    firstNew.set(id, index);
    const e = item.event;
    return { kind: 'new', values: [e.id, e.type, e.site, item.occurredAtMs, e.occurredAt, item.receivedAtMs, e.outcome, e.rings, e.answerSeconds, e.greetSeconds, e.queue, e.agent, JSON.stringify(e.derived), item.content, measuresText(e), e.handleSeconds] };
  });
}

/**
 * A site seen for the first time (or retired) by a new event is created with its defaults: one statement for every
 * site of the batch (a round trip per site was a third of a batch's statements). Answers the sites created or
 * revived, each with the time of its first event's receipt, in the order the sites first appear in the batch.
 */
async function ensureSites(s: Sql, items: readonly NewEvent[], plans: readonly Plan[]): Promise<Array<[site: string, receivedAtMs: number]>> {
  const first = new Map<string, NewEvent>();
  for (const [index, plan] of plans.entries()) {
    const item = items[index]!;
    if (plan.kind === 'new' && !first.has(item.event.site)) first.set(item.event.site, item);
  }
  if (first.size === 0) return [];
  const rows = [...first.values()].map((item) => [item.event.site, item.siteDefaults.timeZone, item.siteDefaults.ringCycleSeconds, item.receivedAtMs]);
  const created = new Set((await s.tuples<[string]>(ENSURE_SITES, columns(rows, 4))).map((r) => r[0]));
  return [...first].flatMap(([site, item]) => (created.has(site) ? [[site, item.receivedAtMs] as [string, number]] : []));
}

/** `n` new seqs, in batch order (consecutive, after every seq taken so far). */
async function reserveSeqs(s: Sql, n: number): Promise<number[]> {
  if (n === 0) return [];
  const last = (await s.one<{ last: number }>(RESERVE_SEQS, [n]))!.last;
  return Array.from({ length: n }, (_, i) => last - n + 1 + i);
}

/** The judgements row as inserted, in the chain record's field order. */
type JudgementValues = [eventSeq: number, standardId: string, standardVersion: number, measure: string, value: number | null, threshold: number, met: 0 | 1, counted: 0 | 1, reason: NonNullable<Judgement['reason']> | null];

const judgementValues = (seq: number, j: Judgement): JudgementValues => [seq, j.standardId, j.standardVersion, j.measure, j.value ?? null, j.threshold, j.met ? 1 : 0, countedFlag(j), j.reason ?? null];

function addToRollups(rollups: PgRollupWriter, j: Judgement, item: NewEvent): void {
  const e = item.event;
  rollups.add(
    { site: e.site, occurredAtMs: item.occurredAtMs, standardId: j.standardId, standardVersion: j.standardVersion },
    { type: e.type, outcome: e.outcome, answerSeconds: e.answerSeconds, greetSeconds: e.greetSeconds, value: j.value ?? null, met: j.met ? 1 : 0, counted: countedFlag(j), reason: j.reason ?? null },
  );
}

/** An event's row as copied: its seq, then its values. */
type EventRowValues = [seq: number, ...values: EventValues];

/**
 * What a read would answer for an event just inserted: its row's values, `derived` as the event has it (the row
 * holds its JSON; a copy, as a read's parse would give), `receivedAt` the row's time as ISO text.
 */
function eventOf(r: EventRowValues, derived: StoredEvent['derived'], receivedAt: string): StoredEvent {
  return {
    seq: r[0], id: r[1], type: r[2], site: r[3], occurredAt: r[5], receivedAt, outcome: r[7],
    rings: r[8], answerSeconds: r[9], greetSeconds: r[10], queue: r[11], agent: r[12], handleSeconds: r[16], derived: [...derived], ...measuresOf(r[15]),
  };
}

/** ISO text of epoch milliseconds, the last one kept: a request's events share their time of receipt. */
function isoTexts(): (ms: number) => string {
  let last = Number.NaN;
  let text = '';
  return (ms) => {
    if (ms !== last) {
      last = ms;
      text = new Date(ms).toISOString();
    }
    return text;
  };
}

/** Retries answer the stored original (one read of their judgements); repeats within the batch, the first item's answer. */
async function answerDuplicates(s: Sql, plans: readonly Plan[], outcomes: WriteOutcome[]): Promise<void> {
  const storedSeqs = plans.flatMap((p) => (p.kind === 'stored' ? [p.row.seq] : []));
  const bySeq = new Map<number, JudgementRow[]>();
  if (storedSeqs.length > 0) {
    for (const j of await s.rows<JudgementRow>('SELECT * FROM judgements WHERE event_seq = ANY(?::bigint[]) ORDER BY event_seq, standard_id', [storedSeqs])) bySeq.set(j.event_seq, [...(bySeq.get(j.event_seq) ?? []), j]);
  }
  for (const [index, p] of plans.entries()) {
    if (p.kind === 'stored') outcomes[index] = { judged: { event: toStoredEvent(p.row), judgements: (bySeq.get(p.row.seq) ?? []).map(toJudgement) }, duplicate: true };
    else if (p.kind === 'repeat') outcomes[index] = { judged: outcomes[p.of]!.judged, duplicate: true };
  }
}

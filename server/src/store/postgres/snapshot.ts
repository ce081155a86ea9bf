// Reads of one snapshot on PostgreSQL: a REPEATABLE READ, READ ONLY transaction on its own connection, for as long
// as the snapshot lasts. Long row sequences (the chain, exports) come through server-side cursors (DECLARE … FETCH),
// a page at a time, so an export of millions of rows holds one page in memory.
import type pg from 'pg';
import { GENESIS_HASH, type ChainKind } from '../../domain/chain';
import type { AlertState, IncidentChange } from '../../protocol';
import { chainLinksScansByKind, proofLink, UNCHAINED_SCANS } from '../chainScans';
import { derivedReadsOf } from '../derivedReads';
import { EVENT_ROW_WIDTH, type AlertExportRow, type AuditLogExportRow, type EventExportRow, type ExportFilter, type IncidentExportRow, type LinkWithRecord, type Snapshot, type StoredCheckpoint } from '../port';
import { ALERT_SELECT, toAlert, type AlertRow } from '../sqlite/alerts';
import { chainedRecords, CORRECTION_AS_OF, LINK_SQL, milestoneExportSql, restatedSql, toMilestoneExportRow } from '../sqlite/exportRows';
import { toChange } from '../sqlite/incidents';
import { toCheckpoint, type CheckpointRow } from '../sqlite/snapshot';
import { numbered, type Sql } from './db';
import { toSite } from './siteRows';

const PAGE = 1000;
let cursors = 0;

/** The rows of `sql` (as arrays), fetched through a cursor of the snapshot's transaction, a page at a time. */
async function* pages(client: pg.PoolClient, sql: string, params: readonly unknown[] = []): AsyncGenerator<unknown[][]> {
  const name = `ringside_c${(cursors += 1)}`;
  await client.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${numbered(sql)}`, params as unknown[]);
  try {
    for (;;) {
      const page = await client.query({ text: `FETCH ${PAGE} FROM ${name}`, rowMode: 'array' });
      if (page.rows.length > 0) yield page.rows as unknown[][];
      if (page.rows.length < PAGE) return;
    }
  } finally {
    await client.query(`CLOSE ${name}`).catch(() => undefined);
  }
}

/** The rows of `sql` (as arrays), one at a time (pages). */
async function* cursor(client: pg.PoolClient, sql: string, params: readonly unknown[] = []): AsyncGenerator<unknown[]> {
  for await (const page of pages(client, sql, params)) yield* page;
}

/** One scan of a merge: its current page, and where in it the merge is. */
interface Merged {
  pages: AsyncGenerator<unknown[][]>;
  rows: unknown[][];
  at: number;
}

/** Moves `scan` to its next page: false when it has none. */
async function nextPage(scan: Merged): Promise<boolean> {
  const next = await scan.pages.next();
  if (next.done) return false;
  scan.rows = next.value;
  scan.at = 0;
  return true;
}

/** Every link up to `toSeq` with its record's values: one cursor per kind (../chainScans.ts), merged by seq. */
async function* chainLinks(client: pg.PoolClient, toSeq: number): AsyncGenerator<LinkWithRecord> {
  const { sqls, linkOf } = chainLinksScansByKind();
  const scans: Merged[] = sqls.map((sql) => ({ pages: pages(client, sql, [toSeq]), rows: [], at: 0 }));
  try {
    let live: Merged[] = [];
    for (const scan of scans) if (await nextPage(scan)) live.push(scan);
    while (live.length > 0) {
      let first = live[0]!;
      for (const scan of live) if ((scan.rows[scan.at]![0] as number) < (first.rows[first.at]![0] as number)) first = scan;
      yield linkOf(first.rows[first.at++]!);
      if (first.at === first.rows.length && !(await nextPage(first))) live = live.filter((scan) => scan !== first);
    }
  } finally {
    for (const scan of scans) await scan.pages.return(undefined);
  }
}

async function* unchained(client: pg.PoolClient): AsyncGenerator<{ kind: ChainKind; ref: string }> {
  for (const { sql, refOf } of UNCHAINED_SCANS) {
    for await (const row of cursor(client, sql)) yield refOf(row);
  }
}

async function checkpoints(s: Sql): Promise<StoredCheckpoint[]> {
  return (await s.rows<CheckpointRow>('SELECT * FROM audit_checkpoints ORDER BY seq')).map(toCheckpoint);
}

const inList = (values: readonly unknown[]) => values.map(() => '?').join(', ');

/**
 * Event ⋈ judgement rows in the EVENT_ROW layout, with each event's latest correction and its links (with their
 * predecessors' hashes) joined in one query: PostgreSQL plans the lateral and index lookups well enough that the
 * SQLite backend's merge of three cursors is not needed here.
 */
async function* eventRows(client: pg.PoolClient, f: ExportFilter): AsyncGenerator<EventExportRow> {
  const standardJoin = f.standards.length ? `AND j.standard_id IN (${inList(f.standards)})` : '';
  const sites = f.sites.length ? `AND e.site IN (${inList(f.sites)})` : '';
  const sql = `SELECT e.seq, e.id, e.type, e.site, e.occurred_at, e.occurred_at_ms, e.received_at_ms, e.outcome,
      e.rings, e.answer_seconds, e.greet_seconds, e.queue, e.agent, e.derived, e.content,
      j.standard_id, j.standard_version, j.measure, j.value, j.threshold, j.met, j.counted, j.reason,
      lc.seq, lc.action, lc.rejudged,
      ce.seq, CASE WHEN ce.seq IS NULL THEN NULL ELSE COALESCE(pe.hash, '${GENESIS_HASH}') END, ce.hash,
      cj.seq, CASE WHEN cj.seq IS NULL THEN NULL ELSE COALESCE(pj.hash, '${GENESIS_HASH}') END, cj.hash, e.measures,
      e.handle_seconds, lc.changes, lc.reason, lc.key_id, lc.at_ms,
      cc.seq, CASE WHEN cc.seq IS NULL THEN NULL ELSE COALESCE(pc.hash, '${GENESIS_HASH}') END, cc.hash
    FROM events e ${f.standards.length ? 'JOIN' : 'LEFT JOIN'} judgements j ON j.event_seq = e.seq ${standardJoin}
    LEFT JOIN LATERAL (SELECT c.seq, c.action, c.rejudged, c.changes, c.reason, c.key_id, c.at_ms FROM audit_corrections c WHERE c.event_seq = e.seq AND ${CORRECTION_AS_OF} ORDER BY c.seq DESC LIMIT 1) lc ON true
    LEFT JOIN audit_chain cc ON cc.kind = 'correction' AND cc.key_int = lc.seq
    LEFT JOIN audit_chain pc ON pc.seq = cc.seq - 1
    LEFT JOIN LATERAL (SELECT l.seq, l.hash FROM audit_chain l WHERE l.event_seq = e.seq AND l.kind = 'event' ORDER BY l.seq LIMIT 1) ce ON true
    LEFT JOIN audit_chain pe ON pe.seq = ce.seq - 1
    LEFT JOIN LATERAL (SELECT l.seq, l.hash FROM audit_chain l WHERE l.event_seq = e.seq AND l.kind = 'judgement' AND l.key_text = j.standard_id ORDER BY l.seq LIMIT 1) cj ON true
    LEFT JOIN audit_chain pj ON pj.seq = cj.seq - 1
    WHERE e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ${sites} ORDER BY e.seq, j.standard_id`;
  for await (const row of cursor(client, sql, [...f.standards, f.maxLinkSeq ?? null, f.maxLinkSeq ?? null, f.fromMs, f.toMs, ...f.sites])) {
    if (row.length !== EVENT_ROW_WIDTH) throw new Error(`an event export row has ${row.length} columns, not ${EVENT_ROW_WIDTH}`);
    yield row;
  }
}

async function* alertRows(client: pg.PoolClient, s: Sql, f: ExportFilter): AsyncGenerator<AlertExportRow> {
  const sql = `SELECT a.id, n.at_ms AS ended, n.state AS end_state FROM alerts a LEFT JOIN alerts n ON n.previous_id = a.id
    WHERE a.state = 'firing' AND a.at_ms < ? AND (n.at_ms IS NULL OR n.at_ms >= ?) ${f.sites.length ? `AND a.site IN (${inList(f.sites)})` : ''}
      ${f.standards.length ? `AND a.standard_id IN (${inList(f.standards)})` : ''}
    ORDER BY a.id`;
  for await (const [id, ended, endState] of cursor(client, sql, [f.toMs, f.fromMs, ...f.sites, ...f.standards])) {
    const alert = await s.one<AlertRow>(`${ALERT_SELECT} WHERE a.id = ?`, [id]);
    yield { alert: toAlert(alert!), endedAtMs: ended as number | null, endState: endState as AlertState | null };
  }
}

async function* incidentRows(client: pg.PoolClient, f: ExportFilter): AsyncGenerator<IncidentExportRow> {
  const sql = `SELECT c.seq, c.incident_id, c.kind, c.at_ms, c.severity, c.previous_severity, c.summary, c.detail, c.by, c.standard_id, c.site, i.opened_at_ms
    FROM incident_changes c JOIN incidents i ON i.id = c.incident_id
    WHERE c.at_ms >= ? AND c.at_ms < ? ${f.sites.length ? `AND c.site IN (${inList(f.sites)})` : ''}
      ${f.standards.length ? `AND c.standard_id IN (${inList(f.standards)})` : ''}
    ORDER BY c.seq`;
  for await (const r of cursor(client, sql, [f.fromMs, f.toMs, ...f.sites, ...f.standards])) {
    const change: IncidentChange = toChange({
      seq: r[0] as number, incident_id: r[1] as number, kind: r[2] as IncidentChange['kind'], at_ms: r[3] as number, severity: r[4] as IncidentChange['severity'],
      previous_severity: r[5] as IncidentChange['previousSeverity'], summary: r[6] as string, detail: r[7] as string, by: r[8] as string | null,
    });
    yield { change, standardId: r[9] as string, site: r[10] as string, openedAtMs: r[11] as number };
  }
}

async function* auditLogRows(client: pg.PoolClient, fromMs: number, toMs: number, maxLinkSeq: number): AsyncGenerator<AuditLogExportRow> {
  const sql = `SELECT l.seq, l.at_ms, l.key_id, l.action, l.target, l.details, c.seq, c.hash, p.hash FROM audit_log l
    LEFT JOIN audit_chain c ON c.kind = 'audit' AND c.key_int = l.seq LEFT JOIN audit_chain p ON p.seq = c.seq - 1
    WHERE l.at_ms >= ? AND l.at_ms < ? AND (c.seq IS NULL OR c.seq <= ?) ORDER BY l.seq`;
  for await (const r of cursor(client, sql, [fromMs, toMs, maxLinkSeq])) {
    yield { seq: r[0] as number, atMs: r[1] as number, keyId: r[2] as string, action: r[3] as string, target: r[4] as string | null, details: r[5] as string, link: r[6] === null ? null : { seq: r[6] as number, hash: r[7] as string, prev: (r[8] as string | null) ?? GENESIS_HASH } };
  }
}

const iterable = <T>(make: () => AsyncGenerator<T>): AsyncIterable<T> => ({ [Symbol.asyncIterator]: make });

/** `read` inside a savepoint of the snapshot's transaction, rolled back to when it fails (the transaction goes on). */
async function guardedRead<T>(s: Sql, read: () => Promise<T>): Promise<T> {
  await s.run('SAVEPOINT guarded_read');
  try {
    const result = await read();
    await s.run('RELEASE SAVEPOINT guarded_read');
    return result;
  } catch (error) {
    await s.run('ROLLBACK TO SAVEPOINT guarded_read');
    await s.run('RELEASE SAVEPOINT guarded_read');
    throw error;
  }
}

export function snapshotReads(client: pg.PoolClient, s: Sql): Pick<Snapshot, 'chain' | 'exports' | 'derived'> {
  return {
    derived: derivedReadsOf({
      tuples: (sql, args) => s.tuples(sql, args),
      // The sites rows as their history records are written (writes.ts recordSiteChange).
      siteRows: async () => (await s.rows<Record<string, unknown>>('SELECT * FROM sites')).map((row) => ({ site: row.name as string, retired: row.retired === 1, definition: toSite(row) })),
      guarded: (read) => guardedRead(s, read),
    }),
    chain: {
      links: (toSeq = Number.MAX_SAFE_INTEGER) => iterable(() => chainLinks(client, toSeq)),
      checkpoints: () => checkpoints(s),
      unchained: () => iterable(() => unchained(client)),
      linksBetween: (fromSeq, toSeq) =>
        iterable(async function* () {
          for await (const r of cursor(client, 'SELECT seq, kind, ref, digest, hash, tags FROM audit_chain WHERE seq >= ? AND seq <= ? ORDER BY seq', [fromSeq, toSeq])) yield proofLink(r);
        }),
      link: async (seq) => {
        const r = await s.one<{ seq: number; hash: string; at_ms: number }>(LINK_SQL.link, [seq]);
        return r ? { seq: r.seq, hash: r.hash, atMs: r.at_ms } : null;
      },
      refsBetween: async (kind, afterSeq, toSeq) => (await s.tuples<[string]>(LINK_SQL.refsBetween, [kind, afterSeq, toSeq])).map((r) => r[0]),
    },
    exports: {
      eventRows: (f) => iterable(() => eventRows(client, f)),
      alertRows: (f) => iterable(() => alertRows(client, s, f)),
      incidentRows: (f) => iterable(() => incidentRows(client, f)),
      auditLogRows: (fromMs, toMs, maxLinkSeq) => iterable(() => auditLogRows(client, fromMs, toMs, maxLinkSeq)),
      milestoneRows: (f, maxLinkSeq) =>
        iterable(async function* () {
          for await (const r of cursor(client, milestoneExportSql(f.sites.length), [f.fromMs, f.toMs, ...f.sites, maxLinkSeq])) yield toMilestoneExportRow(r);
        }),
      restated: async (f, afterSeq, toSeq) => {
        const count = async (kind: 'event' | 'correction') => Number((await s.tuples<[number]>(restatedSql(kind, f.sites.length), [f.fromMs, f.toMs, ...f.sites, afterSeq, toSeq]))[0]![0]);
        return { events: await count('event'), corrections: await count('correction') };
      },
      correctionRecords: (eventSeqs) => chainedRecords('correction', eventSeqs, (sql, params) => s.tuples<unknown[]>(sql, params)),
      standardRecords: (ids) => chainedRecords('standard', ids, (sql, params) => s.tuples<unknown[]>(sql, params)),
    },
  };
}

// Reads of the PostgreSQL store: the same answers as the SQLite backend's (store/sqlite/), row mapping shared with
// it (rows.ts, incidents.ts, corrections.ts there are pure). On the pool they see committed data; on a write's
// client they see its own writes; on a snapshot's client, its snapshot.
import { GENESIS_HASH } from '../../domain/chain';
import { horizonOf } from '../../domain/retention';
import type { AuditReads, DeliveryAttempt, EventsReads, IncidentsReads, KeysReads, SiteRecord, SitesReads, StandardsReads, StoreReads, StoredKey, StoredStandardVersion } from '../port';
import { AUDIT_SECRET_SQL, toRecordedSecret } from '../sqlite/auditSecret';
import { CORRECTIONS_OF_EVENT, subjectOf, type CorrectionRow } from '../sqlite/corrections';
import { DELIVERY_SELECT, toChange, toIncident } from '../sqlite/incidents';
import { SIGNING_KEY_SQL, toRecordedKey } from '../sqlite/signingKey';
import { toJudgement, toStoredEvent, type EventRow, type JudgementRow } from '../sqlite/rows';
import { SITE_HISTORY, toSiteChange, type SiteChangeRow } from '../sqlite/siteHistory';
import { EVENT_TYPES, STANDARD_VERSIONS, toEventType } from '../sqlite/standards';
import { storableText } from '../sqlite/text';
import type { Sql } from './db';
import { casesReads } from './cases';
import { figuresReads } from './figures';
import { toSite } from './siteRows';
import { incidentById } from './incidentRows';

type Row = Record<string, unknown>;

export function readsOf(s: Sql): StoreReads {
  return { cases: casesReads(s), standards: standardsReads(s), sites: sitesReads(s), events: eventsReads(s), figures: figuresReads(s), incidents: incidentsReads(s), keys: keysReads(s), audit: auditReads(s) };
}

const toStandard = (r: Row): StoredStandardVersion => ({
  id: r.id as string,
  version: r.version as number,
  definition: JSON.parse(r.definition as string) as StoredStandardVersion['definition'],
  createdAtMs: r.created_at_ms as number,
  validFromMs: r.valid_from_ms as number | null,
  retired: r.retired === 1,
  withdrawnAtMs: r.withdrawn_at_ms as number | null,
  withdrawnLinkSeq: r.withdrawn_link_seq as number | null,
});

function standardsReads(s: Sql): StandardsReads {
  return {
    all: async () => (await s.rows<Row>(STANDARD_VERSIONS)).map(toStandard),
    judgedSince: async (id, fromMs) =>
      (await s.one('SELECT 1 FROM judgements j JOIN events e ON e.seq = j.event_seq WHERE j.standard_id = ? AND e.occurred_at_ms >= ? LIMIT 1', [id, fromMs])) !== undefined,
    latestJudgedAt: async (id, fromMs) =>
      (await s.one<{ ms: number | null }>('SELECT MAX(e.occurred_at_ms) AS ms FROM events e JOIN judgements j ON j.event_seq = e.seq WHERE j.standard_id = ? AND e.occurred_at_ms >= ?', [id, fromMs]))!.ms,
    eventTypes: async () => (await s.rows<{ definition: string }>(EVENT_TYPES)).map(toEventType),
  };
}

function sitesReads(s: Sql): SitesReads {
  return {
    async get(id) {
      const row = await s.one<Row>('SELECT * FROM sites WHERE name = ?', [id]);
      return row ? ({ ...toSite(row), retired: row.retired === 1 } satisfies SiteRecord) : undefined;
    },
    async getMany(ids) {
      const unique = [...new Set(ids)];
      const rows = new Map((await s.rows<Row>('SELECT * FROM sites WHERE name = ANY(?::text[])', [unique.map(storableText)])).map((row) => [row.name as string, row]));
      const found = new Map<string, SiteRecord>();
      for (const id of unique) {
        const row = rows.get(storableText(id));
        if (row) found.set(id, { ...toSite(row), retired: row.retired === 1 });
      }
      return found;
    },
    list: async () => (await s.rows<Row>('SELECT * FROM sites WHERE retired = 0 ORDER BY name')).map(toSite),
    ids: async () => (await s.rows<{ name: string }>('SELECT name FROM sites ORDER BY name')).map((row) => row.name),
    history: async (id) => (await s.rows<SiteChangeRow>(SITE_HISTORY, [id])).map(toSiteChange),
  };
}

/** Judgements of the events seq from..to, by event. */
async function judgementsBetween(s: Sql, from: number, to: number): Promise<Map<number, JudgementRow[]>> {
  const bySeq = new Map<number, JudgementRow[]>();
  for (const j of await s.rows<JudgementRow>('SELECT * FROM judgements WHERE event_seq >= ? AND event_seq <= ? ORDER BY event_seq, standard_id', [from, to])) {
    const list = bySeq.get(j.event_seq) ?? [];
    list.push(j);
    bySeq.set(j.event_seq, list);
  }
  return bySeq;
}

async function judged(s: Sql, rows: EventRow[]) {
  if (rows.length === 0) return [];
  const seqs = rows.map((r) => r.seq);
  const bySeq = await judgementsBetween(s, Math.min(...seqs), Math.max(...seqs));
  return rows.map((row) => ({ event: toStoredEvent(row), judgements: (bySeq.get(row.seq) ?? []).map(toJudgement) }));
}

function eventsReads(s: Sql): EventsReads {
  return {
    recent: async (limit) => judged(s, await s.rows<EventRow>('SELECT * FROM events ORDER BY seq DESC LIMIT ?', [limit])),
    after: async (afterSeq, limit) => judged(s, await s.rows<EventRow>('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?', [afterSeq, limit])),
    headSeq: async () => (await s.one<{ m: number | null }>('SELECT MAX(seq) AS m FROM events'))!.m ?? 0,
    count: async (range) =>
      (await s.one<{ n: number }>('SELECT COUNT(*) AS n FROM events e WHERE e.occurred_at_ms >= ? AND e.occurred_at_ms < ? AND (?::text IS NULL OR e.site = ?::text)', [range.fromMs, range.toMs, range.site, range.site]))!.n,
    byId: async (eventId) => (await judged(s, await s.rows<EventRow>('SELECT * FROM events WHERE id = ?', [eventId])))[0],
    async correctionSubject(eventId) {
      const e = await s.one<EventRow>('SELECT * FROM events WHERE id = ?', [eventId]);
      return e ? subjectOf(e, await judgementRows(s, e.seq), await correctionRows(s, e.seq)) : undefined;
    },
    async readBack(eventId) {
      const e = await s.one<EventRow>('SELECT * FROM events WHERE id = ?', [eventId]);
      if (!e) return undefined;
      const judgements = await judgementRows(s, e.seq);
      const corrections = await correctionRows(s, e.seq);
      // Three reads, each its own snapshot: retention may prune the event between them (SQLite's reads cannot be
      // interleaved). Still there after them, it was there for all three; gone, it is answered as pruned.
      if (!(await s.one('SELECT 1 AS kept FROM events WHERE seq = ?', [e.seq]))) return undefined;
      return { stored: { event: toStoredEvent(e), judgements: judgements.map(toJudgement) }, subject: subjectOf(e, judgements, corrections) };
    },
  };
}

const judgementRows = (s: Sql, seq: number) => s.rows<JudgementRow>('SELECT * FROM judgements WHERE event_seq = ? ORDER BY standard_id', [seq]);
const correctionRows = (s: Sql, seq: number) => s.rows<CorrectionRow>(CORRECTIONS_OF_EVENT, [seq]);

type IncidentRow = Parameters<typeof toIncident>[0];
type ChangeRow = Parameters<typeof toChange>[0];

const toDelivery = (r: Row) => ({
  id: r.id as number,
  changeSeq: r.change_seq as number,
  incidentId: Number(r.incident_id),
  url: r.url as string,
  status: r.status as 'pending' | 'delivered' | 'failed',
  attempts: r.attempts as number,
  nextAttemptAtMs: r.next_attempt_at_ms as number,
  lastError: r.last_error as string | null,
  createdAtMs: r.created_at_ms as number,
  finishedAtMs: r.finished_at_ms as number | null,
});

function incidentsReads(s: Sql): IncidentsReads {
  return {
    get: (id) => incidentById(s, id),
    async list(filter) {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (clause: string, value: unknown) => (where.push(clause), params.push(value));
      if (filter.state && filter.state !== 'all') add('state = ?', filter.state);
      if (filter.toMs !== undefined) add('opened_at_ms < ?', filter.toMs);
      if (filter.fromMs !== undefined) add('(recovered_at_ms IS NULL OR recovered_at_ms >= ?)', filter.fromMs);
      if (filter.standardId !== undefined) add('standard_id = ?', filter.standardId);
      if (filter.site !== undefined) add('site = ?', filter.site);
      if (filter.beforeId !== undefined) add('id < ?', filter.beforeId);
      const sql = `SELECT * FROM (SELECT * FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?) i ORDER BY id`;
      return (await s.rows<IncidentRow>(sql, [...params, filter.limit])).map(toIncident);
    },
    open: async () => (await s.rows<IncidentRow>(`SELECT * FROM incidents WHERE state = 'open' ORDER BY id`)).map(toIncident),
    changes: async (id) => (await s.rows<ChangeRow>('SELECT * FROM incident_changes WHERE incident_id = ? ORDER BY seq', [id])).map(toChange),
    async after(afterSeq, limit) {
      const rows = await s.rows<ChangeRow>('SELECT * FROM incident_changes WHERE seq > ? ORDER BY seq LIMIT ?', [afterSeq, limit]);
      return Promise.all(rows.map(async (r) => ({ change: toChange(r), incident: (await incidentById(s, r.incident_id))! })));
    },
    headSeq: async () => (await s.one<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM incident_changes'))!.seq ?? 0,
    pendingDeliveries: async () => (await s.rows<Row>(`${DELIVERY_SELECT} WHERE d.status = 'pending' ORDER BY d.next_attempt_at_ms, d.id`)).map(toDelivery),
    deliveries: async (incidentId) => (await s.rows<Row>(`${DELIVERY_SELECT} WHERE c.incident_id = ? ORDER BY d.change_seq, d.id`, [incidentId])).map(toDelivery),
    attempts: async (deliveryId) =>
      (await s.rows<Row>('SELECT * FROM incident_delivery_attempts WHERE delivery_id = ? ORDER BY attempt', [deliveryId])).map(
        (r): DeliveryAttempt => ({ deliveryId: r.delivery_id as number, attempt: r.attempt as number, atMs: r.at_ms as number, durationMs: r.duration_ms as number, statusCode: r.status_code as number | null, error: r.error as string | null }),
      ),
  };
}

const toKey = (r: Row): StoredKey => ({
  id: r.id as string,
  name: r.name as string,
  scopes: JSON.parse(r.scopes as string) as string[],
  sites: r.sites === null ? null : (JSON.parse(r.sites as string) as string[]),
  hash: r.hash as string,
  prefix: r.prefix as string,
  source: r.source as StoredKey['source'],
  createdAtMs: r.created_at_ms as number,
  expiresAtMs: r.expires_at_ms as number | null,
  revokedAtMs: r.revoked_at_ms as number | null,
  lastUsedAtMs: r.last_used_at_ms as number | null,
});

function keysReads(s: Sql): KeysReads {
  const one = async (sql: string, arg: string) => {
    const row = await s.one<Row>(sql, [arg]);
    return row ? toKey(row) : undefined;
  };
  return {
    list: async () => (await s.rows<Row>('SELECT * FROM api_keys ORDER BY created_at_ms, id')).map(toKey),
    get: (id) => one('SELECT * FROM api_keys WHERE id = ?', id),
    byHash: (hash) => one('SELECT * FROM api_keys WHERE hash = ?', hash),
    byIds: async (ids) => (await s.rows<Row>('SELECT * FROM api_keys WHERE id = ANY(?::text[])', [ids])).map(toKey),
    activeCount: async (nowMs) => (await s.one<{ n: number }>('SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at_ms IS NULL AND (expires_at_ms IS NULL OR expires_at_ms > ?)', [nowMs]))!.n,
  };
}

async function chainHead(s: Sql): Promise<{ seq: number; hash: string }> {
  return (await s.one<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1')) ?? { seq: 0, hash: GENESIS_HASH };
}

function auditReads(s: Sql): AuditReads {
  return {
    head: () => chainHead(s),
    async horizon() {
      const row = await s.one<{ seq: number; cutoff: number }>('SELECT seq, pruned_before_ms AS cutoff FROM audit_checkpoints ORDER BY pruned_before_ms DESC, seq DESC LIMIT 1');
      return row ? horizonOf(row.cutoff, row.seq) : null;
    },
    async secret() {
      const row = await s.one<Parameters<typeof toRecordedSecret>[0]>(AUDIT_SECRET_SQL.read);
      return row ? toRecordedSecret(row) : null;
    },
    async signingKey() {
      const row = await s.one<Parameters<typeof toRecordedKey>[0]>(SIGNING_KEY_SQL.read);
      return row ? toRecordedKey(row) : null;
    },
  };
}

// What the audit report says beyond the compliance rows, read from the report's one snapshot: who created each
// standard version and when (the audit log), each site's configuration and its chained history, and one pass over
// the period's events for what the rollups cannot tell: judgements excluded and why, corrections with their
// effect, how late events arrived, and on which local days a site had events.
import { chainedAsOf } from '../../domain/chain';
import { localParts, nextPeriodStart, periodStart } from '../../domain/zonedTime';
import { groupKey, WEEKDAYS, type Site } from '../../protocol';
import { EVENT_ROW, type AuditLogExportRow, type Snapshot } from '../../store/port';
import type { VersionSums } from '../compliance';
import type { ExportContext, VersionInfo } from './context';
import { correctedWithReason, eventRowsAt } from './events';
import type { ExportQuery } from './query';

export interface VersionRow extends VersionInfo {
  createdAtMs: number;
  /** Who created it: "name (key id)"; null when no key did (the standards file, or defaults at first start). */
  createdBy: string | null;
  /** Valid from an instant before it was created: it judged events that had already happened when it was made. */
  retroactive: boolean;
  /** When the next version takes over (null: still in force). */
  validToMs: number | null;
}

interface SiteChangeRow {
  change: string;
  atMs: number;
  definition: Site;
  by: string | null;
}

export interface SiteInfo {
  id: string;
  /** The configuration now (undefined: a site only named in the filter, never seen). */
  current: Site | undefined;
  history: SiteChangeRow[];
}

interface CorrectionRow {
  correctionSeq: number;
  action: string;
  atMs: number;
  by: string;
  reason: string;
  changes: Record<string, unknown>;
  event: { id: string; site: string; occurredAtMs: number; outcome: string; rings: unknown; answerSeconds: unknown; greetSeconds: unknown } | null;
  /** Per judgement of the event: what it was when judged and what it is in the corrected view. */
  effects: Array<{ standardId: string; version: number; before: string; after: string }>;
  /** Only the latest correction of an event is in force; an earlier one is superseded. */
  inForce: boolean;
}

interface Exclusion {
  site: string;
  standardId: string;
  version: number;
  reason: string;
  count: number;
}

interface Timeliness {
  events: number;
  /** received − occurred per event, in ms, ascending. */
  lagsMs: number[];
  /** Events received after the period's end, per site. */
  lateBySite: Map<string, number>;
  latestReceiptMs: number | null;
  /** Per site: local date (the site's zone) → events that occurred that day. */
  daysBySite: Map<string, Map<string, number>>;
}

export interface ReportData {
  versions: VersionRow[];
  versionSums: VersionSums[];
  sites: SiteInfo[];
  corrections: CorrectionRow[];
  exclusions: Exclusion[];
  /** Judgements of the period per site × standard × version (counted or not), for the exclusions' context. */
  judgements: Map<string, number>;
  timeliness: Timeliness;
}

/** A site as the report names it: "Harbour Clinic (harbour)", or the id alone when it has no other name. */
export function siteLabel(data: Pick<ReportData, 'sites'>, id: string): string {
  const name = data.sites.find((s) => s.id === id)?.current?.name;
  return name && name !== id ? `${name} (${id})` : id;
}

type Who = (keyId: string) => string;

const QUARTER_MS = 15 * 60_000;

async function whoIs(s: Snapshot): Promise<Who> {
  const names = new Map((await s.keys.list()).map((k) => [k.id, k.name]));
  return (keyId) => (names.has(keyId) ? `${names.get(keyId)} (${keyId})` : keyId);
}

/**
 * Every audit log entry up to the report's head (as of a past one, its link's time is nowMs): standard and site
 * changes and corrections (the log is small next to events).
 */
async function auditEntries(ctx: ExportContext): Promise<AuditLogExportRow[]> {
  const out: AuditLogExportRow[] = [];
  for await (const row of ctx.snapshot.exports.auditLogRows(0, ctx.nowMs + 1, ctx.head.seq)) {
    await ctx.pace();
    if (/^(standard|site|event)\./.test(row.action)) out.push({ ...row });
  }
  return out;
}

const detailsOf = (row: AuditLogExportRow): Record<string, unknown> => {
  try {
    return JSON.parse(row.details) as Record<string, unknown>;
  } catch {
    return {};
  }
};

function versionRows(all: readonly VersionInfo[], created: ReadonlyMap<string, number>, log: readonly AuditLogExportRow[], who: Who): VersionRow[] {
  const authors = new Map<string, string>();
  // A withdrawal names the version it withdrew, which it did not make.
  for (const row of log) if (row.action.startsWith('standard.') && row.action !== 'standard.withdraw' && row.target) authors.set(`${row.target}@${String(detailsOf(row).version)}`, who(row.keyId));
  return all.map((v) => {
    const createdAtMs = created.get(`${v.id}@${v.version}`) ?? 0;
    const next = all.find((x) => x.id === v.id && x.version > v.version);
    return {
      ...v,
      createdAtMs,
      createdBy: authors.get(`${v.id}@${v.version}`) ?? null,
      retroactive: v.validFromMs !== null && v.validFromMs < createdAtMs,
      validToMs: next ? next.validFromMs : null,
    };
  });
}

/**
 * A site's configuration and history; as of a past head (asOfSeq: its link; now, by default), the changes chained
 * by then (chainedAsOf: by their place in the chain, not their times).
 */
async function siteInfo(s: Snapshot, id: string, log: readonly AuditLogExportRow[], who: Who, asOfSeq?: number): Promise<SiteInfo> {
  const changes = log.filter((row) => row.action.startsWith('site.') && row.target === id);
  const stored = await s.sites.history(id);
  const history = stored.filter((h) => chainedAsOf(h.linkSeq, asOfSeq)).map((h, i, kept) => {
    const atMs = Date.parse(h.changedAt);
    const entry = auditEntryOf(changes, h.linkSeq, kept[i + 1]?.linkSeq ?? null, atMs);
    return { change: h.change, atMs, definition: h.definition, by: entry ? who(entry.keyId) : null };
  });
  const current = history.length === stored.length ? await s.sites.get(id) : history.at(-1)?.definition;
  return { id, current, history };
}

/**
 * The audit entry of a site change chained at `linkSeq` (the next change of the site at `nextLinkSeq`): the service
 * writes it in the same transaction, after the change, so it is the site's first entry chained between the two; a
 * change without one (the sites file, a site's first event) has none there. Rows without links (written outside
 * Ringside, which verification names) are matched by time instead: the same clock stamps both, within a second.
 */
function auditEntryOf(changes: readonly AuditLogExportRow[], linkSeq: number | null, nextLinkSeq: number | null, atMs: number): AuditLogExportRow | undefined {
  if (linkSeq === null) return changes.find((row) => Math.abs(row.atMs - atMs) < 1000);
  return changes.find((row) => row.link !== null && row.link.seq > linkSeq && (nextLinkSeq === null || row.link.seq < nextLinkSeq));
}

/**
 * The report's data as of its head (ctx.head; with asOf a past one): the versions passed are those chained by it,
 * the audit log entries and site changes are those chained by it, and the event pass sees the rows and corrections
 * chained by it and counts each site's days in its time zone as of that head.
 */
export async function reportData(q: ExportQuery, ctx: ExportContext, versions: readonly VersionInfo[], versionSums: VersionSums[]): Promise<ReportData> {
  const s = ctx.snapshot;
  const who = await whoIs(s);
  const log = await auditEntries(ctx);
  const created = new Map((await ctx.storedStandards()).map((r) => [`${r.id}@${r.version}`, r.createdAtMs]));
  const infos = new Map<string, SiteInfo>();
  const infoOf = async (id: string): Promise<SiteInfo> => {
    let info = infos.get(id);
    if (!info) infos.set(id, (info = await siteInfo(s, id, log, who, ctx.asOf?.seq)));
    return info;
  };
  const siteIds = [...new Set([...q.sites, ...versionSums.map((r) => r.site)])];
  const scan = await scanEvents(q, ctx, async (id) => (await infoOf(id)).current?.timeZone ?? q.timeZone);
  const sites: SiteInfo[] = [];
  for (const id of [...new Set([...siteIds, ...scan.timeliness.daysBySite.keys()])].sort()) sites.push(await infoOf(id));
  return {
    versions: versionRows(versions, created, log, who),
    versionSums,
    sites,
    corrections: correctionRows(log, scan.corrected, who),
    exclusions: scan.exclusions,
    judgements: scan.judgements,
    timeliness: scan.timeliness,
  };
}

// ------------------------------------------------------------------------------------------ the event pass

type CorrectedEvent = NonNullable<CorrectionRow['event']> & { effects: CorrectionRow['effects'] };

interface Scan {
  exclusions: Exclusion[];
  judgements: Map<string, number>;
  timeliness: Timeliness;
  corrected: Map<number, CorrectedEvent>;
}

const verdict = (met: number | null, counted: number | null, voided: boolean): string =>
  voided ? 'voided (not counted)' : counted === 0 ? 'not counted' : met === 1 ? 'met' : 'missed';

/** One pass over the period's events (one row per judgement, in event order): bounded state besides the lags. */
async function scanEvents(q: ExportQuery, ctx: ExportContext, zoneOf: (site: string) => Promise<string>): Promise<Scan> {
  const zones = new Map<string, string>();
  const t: Timeliness = { events: 0, lagsMs: [], lateBySite: new Map(), latestReceiptMs: null, daysBySite: new Map() };
  const excluded = new Map<string, Exclusion>();
  const judgements = new Map<string, number>();
  const fixed = new Map<number, CorrectedEvent>();
  let lastSeq = -1;
  // Millions of rows: other requests and ingest are served meanwhile, as during an export (ctx.pace).
  let rows = 0;
  for await (const row of eventRowsAt(q, ctx)) {
    if ((rows += 1) % 256 === 0) await ctx.pace();
    const seq = row[0] as number;
    const site = row[3] as string;
    if (seq !== lastSeq) {
      lastSeq = seq;
      let zone = zones.get(site);
      if (zone === undefined) zones.set(site, (zone = await zoneOf(site)));
      countEvent(t, site, row[5] as number, row[6] as number, q.toMs, zone);
      if (row[EVENT_ROW.correctionSeq] !== null) fixed.set(seq, { id: row[1] as string, site, occurredAtMs: row[5] as number, outcome: row[7] as string, rings: row[8], answerSeconds: row[9], greetSeconds: row[10], effects: [] });
    }
    const standardId = row[EVENT_ROW.standardId] as string | null;
    if (standardId === null) continue;
    const version = row[EVENT_ROW.standardVersion] as number;
    const key = groupKey(site, standardId, version);
    judgements.set(key, (judgements.get(key) ?? 0) + 1);
    const c = correctedWithReason(row);
    if (c.voided || c.counted === 0) {
      const reason = c.voided ? 'voided' : (c.reason ?? 'not counted');
      const k = groupKey(site, standardId, version, reason);
      const e = excluded.get(k) ?? { site, standardId, version, reason, count: 0 };
      e.count += 1;
      excluded.set(k, e);
    }
    fixed.get(seq)?.effects.push({ standardId, version, before: verdict(row[EVENT_ROW.met] as number, row[EVENT_ROW.counted] as number, false), after: verdict(c.met, c.counted, c.voided) });
  }
  t.lagsMs.sort((a, b) => a - b);
  return { exclusions: [...excluded.values()], judgements, timeliness: t, corrected: fixed };
}

function countEvent(t: Timeliness, site: string, occurredMs: number, receivedMs: number, periodEndMs: number, zone: string): void {
  t.events += 1;
  t.lagsMs.push(Math.max(0, receivedMs - occurredMs));
  if (receivedMs >= periodEndMs) t.lateBySite.set(site, (t.lateBySite.get(site) ?? 0) + 1);
  if (t.latestReceiptMs === null || receivedMs > t.latestReceiptMs) t.latestReceiptMs = receivedMs;
  const days = t.daysBySite.get(site) ?? new Map<string, number>();
  // Zone offsets are whole quarter hours, so a quarter hour lies within one local day: read the date of its start,
  // which localParts caches (events of one quarter hour share it), instead of formatting every instant.
  const date = localParts(occurredMs - (((occurredMs % QUARTER_MS) + QUARTER_MS) % QUARTER_MS), zone).date;
  days.set(date, (days.get(date) ?? 0) + 1);
  t.daysBySite.set(site, days);
}

/** Every correction in the audit log of an event in the period, oldest first; the latest per event is in force. */
function correctionRows(log: readonly AuditLogExportRow[], events: ReadonlyMap<number, CorrectedEvent>, who: Who): CorrectionRow[] {
  const rows = log
    .filter((row) => row.action === 'event.void' || row.action === 'event.amend')
    .map((row) => ({ row, d: detailsOf(row) }))
    .filter(({ d }) => events.has(Number(d.eventSeq)));
  const latest = new Map<number, number>();
  for (const { d } of rows) latest.set(Number(d.eventSeq), Math.max(latest.get(Number(d.eventSeq)) ?? 0, Number(d.correctionSeq)));
  return rows.map(({ row, d }) => {
    const e = events.get(Number(d.eventSeq))!;
    const inForce = latest.get(Number(d.eventSeq)) === Number(d.correctionSeq);
    const { effects, ...event } = e;
    return { correctionSeq: Number(d.correctionSeq), action: row.action.slice('event.'.length), atMs: row.atMs, by: who(row.keyId), reason: typeof d.reason === 'string' ? d.reason : '', changes: (d.changes as Record<string, unknown> | undefined) ?? {}, event, effects: inForce ? effects : [], inForce };
  });
}

// ------------------------------------------------------------------------------------------ calendars

export interface DayStatus {
  date: string;
  /** 'closed' (holiday or no opening hours that weekday), 'open'. */
  state: 'closed' | 'open';
  why: string;
  events: number;
}

/** The configuration in force at `ms`: the last change at or before it (else the first one known). */
function siteAt(info: SiteInfo, ms: number): Site | undefined {
  let found: Site | undefined;
  for (const h of info.history) if (h.atMs <= ms) found = h.definition;
  return found ?? info.history[0]?.definition ?? info.current;
}

/** Each local day of the period in the site's zone: closed by its hours or holidays in force that day, or open. */
export function siteDays(q: ExportQuery, info: SiteInfo, events: ReadonlyMap<string, number> | undefined): DayStatus[] {
  const zone = info.current?.timeZone ?? q.timeZone;
  const out: DayStatus[] = [];
  for (let d = periodStart(q.fromMs, zone, 'day'); d < q.toMs; d = nextPeriodStart(d, zone, 'day')) {
    const site = siteAt(info, d);
    const { date, weekday } = localParts(d, zone);
    const count = events?.get(date) ?? 0;
    if (site?.holidays.includes(date)) out.push({ date, state: 'closed', why: 'holiday', events: count });
    else if (site?.hours && !(site.hours[WEEKDAYS[weekday]!] ?? []).length) out.push({ date, state: 'closed', why: 'no opening hours that weekday', events: count });
    else out.push({ date, state: 'open', why: '', events: count });
  }
  return out;
}

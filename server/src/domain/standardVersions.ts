// Standards are versioned: every change is a new version, valid on occurredAt from its validFrom until the next
// version's. Events are judged by the version in force when they happened; the version in force now is what lists
// and reports show. These are the rules a change must follow; the store only keeps the versions.
import { LIMITS, type InForcePeriod, type Standard, type StandardDefinition, type StandardVersion } from '../protocol';
import { chainedAsOf } from './chain';
import { DomainError } from './errors';
import { completeDefinition, DEFAULT_WINDOWS, defaultBands, definitionKey } from './standards';

/** A stored version as the rest of Ringside sees it (validTo filled in by `withValidity`). */
export interface VersionRecord {
  id: string;
  version: number;
  definition: Standard;
  createdAtMs: number;
  validFromMs: number | null;
  retired: boolean;
  /** When it was withdrawn, before it took effect (withdrawalRefusal); null: it was not. */
  withdrawnAtMs: number | null;
  /** The seq of its withdrawal's chain link (kind standardWithdrawal); null: not withdrawn, or the withdrawal is unchained. */
  withdrawnLinkSeq: number | null;
}

/** The version as served; versions stored before some fields existed get their then implicit values made explicit. */
function versionOf(r: VersionRecord): StandardVersion {
  return {
    shortAbandonSeconds: null,
    scope: {},
    bands: defaultBands(r.definition.target),
    windows: DEFAULT_WINDOWS,
    countOutsideHours: false,
    // Stored only when business (completeDefinition); served always, so a GET answer names every field a PUT must.
    clock: 'wall',
    ...r.definition,
    version: r.version,
    validFrom: r.validFromMs === null ? null : new Date(r.validFromMs).toISOString(),
    validTo: null,
    retired: r.retired,
    createdAt: new Date(r.createdAtMs).toISOString(),
  };
}

/**
 * Whether a stored version still stood as of chain link `linkSeq` (now, by default): its withdrawal not chained by
 * then (chainedAsOf: by its place in the chain, not its time). A withdrawn version never took effect; what was made
 * before its withdrawal (an export as of an earlier link) still showed it scheduled.
 */
export function standingAsOf(r: { withdrawnAtMs: number | null; withdrawnLinkSeq: number | null }, linkSeq = Infinity): boolean {
  return r.withdrawnAtMs === null || !chainedAsOf(r.withdrawnLinkSeq, linkSeq);
}

/**
 * Versions by standard id, oldest first, each valid until the next one's validFrom. A withdrawn version is none of
 * them: it never took effect, and the one before it stays in force until the next one left.
 */
export function versionsById(records: readonly VersionRecord[]): Map<string, StandardVersion[]> {
  const map = new Map<string, StandardVersion[]>();
  for (const r of records) {
    if (!standingAsOf(r)) continue;
    const list = map.get(r.id) ?? [];
    list.push(versionOf(r));
    map.set(r.id, list);
  }
  for (const list of map.values()) list.forEach((v, i) => (v.validTo = list[i + 1]?.validFrom ?? null));
  return map;
}

/** The version of `list` in force at `ms`, if any. */
export function inForce(list: readonly StandardVersion[], ms: number): StandardVersion | undefined {
  let found: StandardVersion | undefined;
  for (const v of list) if (v.validFrom === null || Date.parse(v.validFrom) <= ms) found = v;
  return found;
}

/**
 * When a standard was in force: its versions' validity joined where one follows another, a retirement ending a period
 * (its validity is when nothing is judged by the standard). `list` oldest first, with validTo (versionsById).
 */
export function inForcePeriods(list: readonly StandardVersion[]): InForcePeriod[] {
  const periods: InForcePeriod[] = [];
  for (const v of list) {
    if (v.retired) continue;
    const last = periods.at(-1);
    if (last && last.to === v.validFrom) last.to = v.validTo;
    else periods.push({ from: v.validFrom, to: v.validTo });
  }
  return periods;
}

/** A version as used for judging and lists: without its validity end and creation time. */
export function asStandard(v: StandardVersion): Standard {
  const { validTo: _t, createdAt: _c, ...standard } = v;
  return standard;
}

/**
 * The definition a version was made from, as stored: without what a version adds (its number, validity, creation,
 * retirement), the clock only when it is not the default (completeDefinition). What a PATCH is merged into, and what
 * a retirement copies.
 */
export function definitionOf(v: StandardVersion): Omit<Standard, 'version' | 'validFrom' | 'retired'> {
  const { version: _v, validFrom: _f, validTo: _t, createdAt: _c, retired: _r, clock, ...definition } = v;
  return clock === 'business' ? { ...definition, clock } : definition;
}

/** What a new version must respect; `judgedSince` answers whether events on or after an instant were judged. */
export interface VersionContext {
  latest: StandardVersion | undefined;
  judgedSince(fromMs: number): Promise<boolean>;
}

/**
 * Checks a new version's validity start against the latest version. A version valid from an instant at which
 * events were already judged by an earlier version would rewrite history, unless `keepJudged` (a retirement
 * "now": those events keep their judgements).
 */
export async function checkValidFrom(ctx: VersionContext, validFromMs: number | null, keepJudged: boolean): Promise<void> {
  const latest = ctx.latest;
  if (latest && validFromMs === null) throw new DomainError('conflict', 'validFrom', 'only the first version can be valid since the beginning');
  if (!latest || validFromMs === null) return;
  const latestFrom = latest.validFrom === null ? -Infinity : Date.parse(latest.validFrom);
  if (validFromMs <= latestFrom) {
    throw new DomainError('conflict', 'validFrom', `must be later than the validity start of version ${latest.version} (${latest.validFrom ?? 'the beginning'})`);
  }
  if (!keepJudged && (await ctx.judgedSince(validFromMs))) {
    throw new DomainError('conflict', 'validFrom', `events on or after ${new Date(validFromMs).toISOString()} were already judged by an earlier version; history is not rewritten (use a later validFrom)`);
  }
}

/**
 * Just after the latest version's start, for a change without validFrom that cannot start before it. A latest
 * version starting further ahead than the clock skew ingest accepts was scheduled (an explicit validFrom): "now"
 * would silently become that day, so the change is refused instead (versions follow each other in time, so
 * nothing can take effect before a scheduled one).
 */
function afterLatest(nowMs: number, latest: StandardVersion | undefined): number {
  if (!latest?.validFrom) return -Infinity;
  const latestFromMs = Date.parse(latest.validFrom);
  if (latestFromMs > nowMs + LIMITS.maxFutureSeconds * 1000) {
    throw new DomainError(
      'conflict',
      'validFrom',
      `is required: version ${latest.version} is scheduled to take effect at ${latest.validFrom}, so no change can take effect before it; send a validFrom after that instant`,
    );
  }
  return latestFromMs + 1;
}

/**
 * "Now" for a change without validFrom (or one naming the latest version's own, when that version is in force or has
 * judged events: a scheduled one is replaced instead, services/standards.ts), or just after the latest event already
 * judged if that is later (clock skew); two changes within one millisecond still get increasing validity starts.
 */
export function effectiveNow(nowMs: number, latest: StandardVersion | undefined, latestJudgedMs: number | null): number {
  return Math.max(nowMs, afterLatest(nowMs, latest), latestJudgedMs === null ? -Infinity : latestJudgedMs + 1);
}

/**
 * A retirement without validFrom: now, not after the latest judged event. Ingest accepts events dated up to five
 * minutes ahead (clock skew); one of those would otherwise keep a deleted standard in force for minutes. Such
 * events keep the judgement they got (events are never re-judged); later ones are not judged by it.
 */
export function retirementNow(nowMs: number, latest: StandardVersion | undefined): number {
  return Math.max(nowMs, afterLatest(nowMs, latest));
}

/** What a definition changes: nothing (same as the version in force), or a body and its validity start. */
export type Change = { changed: false } | { changed: true; body: Omit<Standard, 'version' | 'validFrom'>; validFromMs: number | null | 'now'; echoed: boolean };

/**
 * The change a definition asks for. The first version of a standard is valid since the beginning unless it says
 * otherwise; a validFrom equal to the latest version's own is an echo of what GET showed, not a request.
 * The same definition as the latest version is no change when it names no validFrom or echoes that version's: a
 * request sent again, or what GET showed sent back. Naming another validFrom asks for that definition from then:
 * a new version, under the rules of any validFrom (checkValidFrom), so a backdated one over judged events is refused
 * with 409 as for any other change, never answered as if it had been applied.
 */
export function changeOf(def: StandardDefinition, latest: StandardVersion | undefined): Change {
  const body = { ...completeDefinition(def), retired: false };
  const echoed = def.validFrom !== undefined && latest?.validFrom != null && Date.parse(def.validFrom) === Date.parse(latest.validFrom);
  const sameDefinition = latest !== undefined && !latest.retired && definitionKey(body) === definitionKey(latest);
  if (sameDefinition && (def.validFrom === undefined || echoed)) return { changed: false };
  const validFromMs = def.validFrom !== undefined && !echoed ? Date.parse(def.validFrom) : latest ? 'now' : null;
  return { changed: true, body, validFromMs, echoed };
}

/** The highest version number each standard was ever given, withdrawn versions included (a number is never reused). */
export function highestVersions(records: readonly VersionRecord[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const r of records) map.set(r.id, Math.max(map.get(r.id) ?? 0, r.version));
  return map;
}

/**
 * Why version `v` may not be withdrawn at `nowMs`, or null when it may: only one not yet in force, by which no event
 * was judged (ingest accepts events dated a little ahead, which may have been). A version in force or past is history,
 * which is never rewritten: 409 naming when it took effect.
 */
export async function withdrawalRefusal(v: StandardVersion, nowMs: number, judgedSince: (fromMs: number) => Promise<boolean>): Promise<DomainError | null> {
  const fromMs = v.validFrom === null ? -Infinity : Date.parse(v.validFrom);
  if (fromMs <= nowMs) {
    return new DomainError(
      'conflict',
      'version',
      `${v.version} took effect at ${v.validFrom ?? 'the beginning'}: only a version not yet in force can be withdrawn (history is not rewritten); change the standard with PATCH or PUT instead`,
    );
  }
  if (await judgedSince(fromMs)) return new DomainError('conflict', 'version', `${v.version} already judged events on or after ${v.validFrom}; history is not rewritten`);
  return null;
}

/** The next version's record, as stored: numbered after `highest`, the highest number the standard was given (0: none). */
export function nextVersion(id: string, highest: number, body: Omit<Standard, 'version' | 'validFrom'>, validFromMs: number | null): Omit<VersionRecord, 'createdAtMs' | 'withdrawnAtMs' | 'withdrawnLinkSeq'> {
  const version = highest + 1;
  const definition: Standard = { ...body, version, validFrom: validFromMs === null ? null : new Date(validFromMs).toISOString(), retired: body.retired ?? false };
  return { id, version, definition, validFromMs, retired: definition.retired ?? false };
}

// The incident state machine (pure): one incident per standard and site, opened at a severity, escalated and
// de-escalated in place, recovered. Observations come in at evaluation times (the server's clock); a change needs
// the wanted severity to persist for its hold time first, so a passing dip opens nothing and a passing recovery
// closes nothing. Only changes are written, never one row per evaluation.
import type { IncidentChangeKind, IncidentDetail, IncidentSeverity, IncidentSubject, Standard } from '../../protocol';
import { severityRank, type ConditionMemory, type Observation } from './evaluate';
import type { AlertPolicy } from './policy';
import { detailOf, wordingOf, type VersionLookup } from './wording';
import { coversSite } from '../judge';

export type IncidentHolds = Pick<AlertPolicy, 'openAfterMs' | 'escalateAfterMs' | 'deescalateAfterMs' | 'recoverAfterMs'>;

/** The open incident of a key, as the machine needs it. */
interface OpenIncident {
  id: number;
  /** The standard (version) of its latest change. */
  standard: Standard;
  site: string;
  severity: IncidentSeverity;
  acknowledgedSeverity: IncidentSeverity | null;
  /** The detail of its latest change (what a retired standard's incident closes with). */
  detail: IncidentDetail;
}

/** What one standard at one site carries between evaluations. */
export interface KeyState {
  memory: ConditionMemory;
  incident: OpenIncident | null;
  /** Since when the wanted severity has differed from the incident's in `direction` (null: it has not). */
  pending: { direction: 'up' | 'down'; sinceMs: number } | null;
}

/** A change to append: the store gives `opened` drafts their incident id. */
export interface IncidentChangeDraft extends IncidentSubject {
  kind: Exclude<IncidentChangeKind, 'acknowledged'>;
  /** null for `opened`. */
  incidentId: number | null;
  severity: IncidentSeverity;
  previousSeverity: IncidentSeverity | null;
  atMs: number;
  summary: string;
  detail: IncidentDetail;
  /** An escalation beyond the acknowledged severity makes the incident unacknowledged again. */
  clearsAcknowledgement: boolean;
}

export interface StepContext {
  atMs: number;
  holds: IncidentHolds;
  siteName(site: string): string;
  /** The versions the windows name, to word a change by the versions that judged its figure. */
  versionsOf: VersionLookup;
}

export interface StepResult {
  states: Map<string, KeyState>;
  drafts: IncidentChangeDraft[];
}

/**
 * One evaluation: each observation moves its key's state; keys with an open incident whose standard is no longer in
 * force (not in `inForce`), or whose version in force no longer covers the site (its scope left it out), recover at
 * once: nothing can change them any more.
 */
export function stepIncidents(states: ReadonlyMap<string, KeyState>, observations: readonly Observation[], inForce: ReadonlyMap<string, Standard>, ctx: StepContext): StepResult {
  const next = new Map(states);
  const drafts: IncidentChangeDraft[] = [];
  for (const o of observations) {
    const { state, draft } = stepOne(states.get(o.key) ?? null, o, ctx);
    if (state) next.set(o.key, state);
    else next.delete(o.key);
    if (draft) drafts.push(draft);
  }
  for (const [key, state] of states) {
    const incident = state.incident;
    if (!incident) continue;
    const current = inForce.get(incident.standard.id);
    if (current && coversSite(current, incident.site)) continue;
    next.delete(key);
    drafts.push(closedDraft(incident, current ? 'out-of-scope' : 'retired', ctx));
  }
  return { states: next, drafts };
}

function stepOne(before: KeyState | null, o: Observation, ctx: StepContext): { state: KeyState | null; draft: IncidentChangeDraft | null } {
  const incident = before?.incident ?? null;
  const current = incident?.severity ?? null;
  const direction: 'up' | 'down' | null = severityRank(o.wanted) > severityRank(current) ? 'up' : severityRank(o.wanted) < severityRank(current) ? 'down' : null;
  if (direction === null) return { state: keep(o.memory, incident, null), draft: null };
  const pending: NonNullable<KeyState['pending']> = before?.pending?.direction === direction ? before.pending : { direction, sinceMs: ctx.atMs };
  if (ctx.atMs - pending.sinceMs < holdFor(direction, incident, o.wanted, ctx.holds)) return { state: keep(o.memory, incident, pending), draft: null };
  const draft = changeDraft(o, incident, ctx);
  // An opened incident's id is the store's: the caller sets it (withIds) once the change is written.
  const after: OpenIncident | null =
    o.wanted === null
      ? null
      : { id: incident?.id ?? -1, standard: o.standard, site: o.site, severity: o.wanted, detail: draft.detail, acknowledgedSeverity: draft.clearsAcknowledgement ? null : (incident?.acknowledgedSeverity ?? null) };
  return { state: keep(o.memory, after, null), draft };
}

/** null when there is nothing to remember: no incident, nothing pending, every condition clear. */
function keep(memory: ConditionMemory, incident: OpenIncident | null, pending: KeyState['pending']): KeyState | null {
  if (!incident && !pending && memory.band === null && memory.burn === null) return null;
  return { memory, incident, pending };
}

function holdFor(direction: 'up' | 'down', incident: OpenIncident | null, wanted: IncidentSeverity | null, holds: IncidentHolds): number {
  if (direction === 'up') return incident ? holds.escalateAfterMs : holds.openAfterMs;
  return wanted === null ? holds.recoverAfterMs : holds.deescalateAfterMs;
}

function changeKind(incident: OpenIncident | null, wanted: IncidentSeverity | null): IncidentChangeDraft['kind'] {
  if (!incident) return 'opened';
  if (wanted === null) return 'recovered';
  return severityRank(wanted) > severityRank(incident.severity) ? 'escalated' : 'de-escalated';
}

function changeDraft(o: Observation, incident: OpenIncident | null, ctx: StepContext): IncidentChangeDraft {
  const kind = changeKind(incident, o.wanted);
  const detail = detailOf(o);
  const siteName = ctx.siteName(o.site);
  const severity = o.wanted ?? incident!.severity;
  return {
    kind,
    incidentId: incident?.id ?? null,
    standardId: o.standard.id,
    ...wordingOf(o.standard, siteName, detail, kind === 'recovered' ? 'recovered' : 'open', ctx.versionsOf),
    site: o.site,
    siteName,
    target: o.standard.target,
    severity,
    previousSeverity: incident?.severity ?? null,
    atMs: ctx.atMs,
    detail,
    clearsAcknowledgement: kind === 'escalated' && incident!.acknowledgedSeverity !== null && severityRank(severity) > severityRank(incident!.acknowledgedSeverity),
  };
}

/** An incident nothing can change any more (retired standard, site out of scope): closed at its last severity, with the last measurements it had. */
function closedDraft(incident: OpenIncident, why: 'retired' | 'out-of-scope', ctx: StepContext): IncidentChangeDraft {
  const { standard } = incident;
  const siteName = ctx.siteName(incident.site);
  return {
    kind: 'recovered',
    incidentId: incident.id,
    standardId: standard.id,
    ...wordingOf(standard, siteName, incident.detail, why, ctx.versionsOf),
    site: incident.site,
    siteName,
    target: standard.target,
    severity: incident.severity,
    previousSeverity: incident.severity,
    atMs: ctx.atMs,
    detail: incident.detail,
    clearsAcknowledgement: false,
  };
}

/** After the store wrote the changes: opened incidents get their ids, acknowledgements stay as the store has them. */
export function withIds(states: ReadonlyMap<string, KeyState>, written: ReadonlyArray<{ key: string; id: number }>): Map<string, KeyState> {
  const next = new Map(states);
  for (const { key, id } of written) {
    const state = next.get(key);
    if (state?.incident && state.incident.id === -1) next.set(key, { ...state, incident: { ...state.incident, id } });
  }
  return next;
}

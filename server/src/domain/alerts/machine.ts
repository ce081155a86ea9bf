// The alert state machine: one record per state change, never one per event (no storms).
import type { AlertKind, AlertSeverity, AlertState, AlertWindow } from '../../protocol';

/** A condition that is currently firing (the newest firing record of its key, not yet recovered). */
export interface ActiveAlert {
  id: number;
  key: string;
  kind: AlertKind;
  severity: AlertSeverity;
  standardId: string;
  standardVersion: number;
  site: string | null;
  target: number;
  startedAtMs: number;
}

/** What one evaluation says about one condition (a kind × standard × scope). */
export interface Condition {
  key: string;
  kind: AlertKind;
  standardId: string;
  standardVersion: number;
  site: string | null;
  target: number;
  /** The severity wanted now, null = clear, 'hold' = too little data to change anything. */
  decision: AlertSeverity | null | 'hold';
  /** The windows behind a record of this severity. */
  windows(severity: AlertSeverity): AlertWindow[];
  message(severity: AlertSeverity, state: AlertState): string;
}

/** A record to append to the history (the store assigns the id). */
export interface AlertDraft {
  key: string;
  kind: AlertKind;
  severity: AlertSeverity;
  state: AlertState;
  standardId: string;
  standardVersion: number;
  site: string | null;
  target: number;
  previousId: number | null;
  atMs: number;
  startedAtMs: number;
  windows: AlertWindow[];
  message: string;
}

export function alertKey(kind: AlertKind, standardId: string, site: string | null): string {
  return `${kind}:${standardId}:${site ?? '*'}`;
}

/**
 * One step: for each condition, compare what it wants with what is active.
 * - same severity, or 'hold' → nothing;
 * - a severity while nothing is active → a firing record;
 * - another severity while active → a firing record superseding the active one (previousId);
 * - clear while active → a recovered record pointing at the active one.
 * Active alerts without a condition are left as they are (evaluateConditions closes those of retired standards).
 */
export function step(active: ReadonlyMap<string, ActiveAlert>, conditions: readonly Condition[], atMs: number): AlertDraft[] {
  const drafts: AlertDraft[] = [];
  for (const c of conditions) {
    if (c.decision === 'hold') continue;
    const current = active.get(c.key);
    const base = { key: c.key, kind: c.kind, standardId: c.standardId, standardVersion: c.standardVersion, site: c.site, target: c.target, atMs };
    if (c.decision === null) {
      if (!current) continue;
      drafts.push({
        ...base,
        severity: current.severity,
        state: 'recovered',
        previousId: current.id,
        startedAtMs: current.startedAtMs,
        windows: c.windows(current.severity),
        message: c.message(current.severity, 'recovered'),
      });
      continue;
    }
    if (current?.severity === c.decision) continue;
    drafts.push({
      ...base,
      severity: c.decision,
      state: 'firing',
      previousId: current?.id ?? null,
      startedAtMs: atMs,
      windows: c.windows(c.decision),
      message: c.message(c.decision, 'firing'),
    });
  }
  return drafts;
}

/** The active set after the stored records (with their ids) of a step. */
export function applyRecords(active: ReadonlyMap<string, ActiveAlert>, records: ReadonlyArray<AlertDraft & { id: number }>): Map<string, ActiveAlert> {
  const next = new Map(active);
  for (const r of records) {
    if (r.state === 'recovered') next.delete(r.key);
    else next.set(r.key, { id: r.id, key: r.key, kind: r.kind, severity: r.severity, standardId: r.standardId, standardVersion: r.standardVersion, site: r.site, target: r.target, startedAtMs: r.startedAtMs });
  }
  return next;
}

// The alert history kept from before incidents (read-only since migration 10; its export reads it). Incidents
// replaced alerts everywhere else: protocol/incidents.ts.
import type { MeasuredWindow } from './incidents';

export type AlertKind = 'band' | 'burn-rate';
/** Band alerts are amber or red; burn-rate alerts page (wake someone) or open a ticket. */
export type AlertSeverity = 'amber' | 'red' | 'page' | 'ticket';
export type AlertState = 'firing' | 'recovered';

/** One measured window behind an alert (burnRate only on burn-rate alerts), and the burn rate it had to reach. */
export interface AlertWindow extends MeasuredWindow {
  /** The burn rate this window had to reach (burn-rate rules only). */
  threshold?: number;
}

/**
 * One record of the append-only alert history. A "firing" record opens (or changes the severity of)
 * an alert; when the condition clears, a "recovered" record points at the firing one (`previousId`).
 * A severity change (amber → red) is a new firing record whose `previousId` is the one it supersedes.
 */
export interface Alert {
  id: number;
  /** Groups the records of one condition: `${kind}:${standardId}:${site ?? '*'}`. */
  key: string;
  kind: AlertKind;
  severity: AlertSeverity;
  state: AlertState;
  standardId: string;
  /** The standard version in force when this record was written. */
  standardVersion: number;
  /** null: all sites together. */
  site: string | null;
  target: number;
  /** The firing record this one recovers or supersedes; null for the first firing. */
  previousId: number | null;
  /** When this record was written (evaluation time), ISO UTC. */
  at: string;
  /** Firing: = at. Recovered: when the firing it recovers started. */
  startedAt: string;
  /** Firing: when it was recovered or superseded (null while active). Recovered: = at. */
  endedAt: string | null;
  /** The windows measured at `at`. */
  windows: AlertWindow[];
  /** Human-readable one-liner, e.g. "Calls answered within 2 rings at 84.0 % over 1h (target 90 %): red". */
  message: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
}

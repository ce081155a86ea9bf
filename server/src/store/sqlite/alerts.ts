// The alert history of migration 3, read-only since incidents replaced alerts (migration 10): its export reads it.
import type { Alert, AlertKind, AlertSeverity, AlertState, AlertWindow } from '../../protocol';
import type { Statements } from './database';

export interface AlertRow {
  id: number;
  key: string;
  kind: AlertKind;
  severity: AlertSeverity;
  state: AlertState;
  standard_id: string;
  standard_version: number;
  site: string | null;
  target: number;
  previous_id: number | null;
  at_ms: number;
  started_at_ms: number;
  windows: string;
  message: string;
  successor_at_ms: number | null;
  ack_at_ms: number | null;
  ack_by: string | null;
}

export const ALERT_SELECT = `
  SELECT a.*, n.at_ms AS successor_at_ms, k.at_ms AS ack_at_ms, k.by AS ack_by
  FROM alerts a
  LEFT JOIN alerts n ON n.previous_id = a.id
  LEFT JOIN alert_acks k ON k.alert_id = a.id`;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toAlert(r: AlertRow): Alert {
  return {
    id: r.id,
    key: r.key,
    kind: r.kind,
    severity: r.severity,
    state: r.state,
    standardId: r.standard_id,
    standardVersion: r.standard_version,
    site: r.site,
    target: r.target,
    previousId: r.previous_id,
    at: iso(r.at_ms)!,
    startedAt: iso(r.started_at_ms)!,
    endedAt: r.state === 'recovered' ? iso(r.at_ms) : iso(r.successor_at_ms),
    windows: JSON.parse(r.windows) as AlertWindow[],
    message: r.message,
    acknowledgedAt: iso(r.ack_at_ms),
    acknowledgedBy: r.ack_by,
  };
}

const BY_ID = `${ALERT_SELECT} WHERE a.id = ?`;

/** One alert record, read now. */
export function alertById(s: Statements, id: number): Alert | undefined {
  const row = s.get(BY_ID).get(id) as AlertRow | undefined;
  return row ? toAlert(row) : undefined;
}


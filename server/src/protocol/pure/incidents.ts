// Alerts as an ops lead sees them: one incident per standard and site. The server keeps one alert record per
// condition (band or burn rate, per site and for all sites) and a new record per severity change; every client
// view (the extension's Alerts view, status bar and notifications, the dashboard's banner) reads them through
// this one mapping, so their counts agree. A server that sends one record per standard and site already maps
// one to one.
import type { Alert, AlertSeverity } from '../alerts';

/** What an incident asks of a person: red (act now: red bands, paging burn rates) or amber (look soon). */
export type IncidentLevel = 'red' | 'amber';

const LEVELS: Readonly<Record<AlertSeverity, IncidentLevel>> = { red: 'red', page: 'red', amber: 'amber', ticket: 'amber' };
const SEVERITY_RANK: Readonly<Record<AlertSeverity, number>> = { ticket: 0, amber: 1, red: 2, page: 3 };
export const LEVEL_RANK: Readonly<Record<IncidentLevel, number>> = { amber: 1, red: 2 };

export function levelOf(severity: AlertSeverity): IncidentLevel {
  return LEVELS[severity];
}

/** Incidents are per standard and site (null site: all sites together). */
export function incidentKey(standardId: string, site: string | null): string {
  return `${standardId}|${site ?? '*'}`;
}

export interface Incident {
  key: string;
  standardId: string;
  site: string | null;
  level: IncidentLevel;
  /** The most severe of its records. */
  severity: AlertSeverity;
  /** Every record is acknowledged. */
  acknowledged: boolean;
  /** The firing records it stands for, most severe first. */
  alerts: Alert[];
  /** What "Acknowledge" acknowledges: every record not acknowledged yet. */
  unacknowledgedIds: number[];
  /** The one line to read first: the band record's message when there is one (it states the figure and target). */
  line: string;
  /** The other records' messages (burn rates): the detail one click away. */
  details: string[];
  /** When the earliest of its records started. */
  startedAt: string;
  /** The latest acknowledgement, when every record is acknowledged. */
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  /** The figure behind the line: its first measured window. */
  figure: { ratio: number | null; window: string } | null;
}

function isActive(alert: Alert): boolean {
  return alert.state === 'firing' && alert.endedAt === null;
}

function mostSevereFirst(a: Alert, b: Alert): number {
  return SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || Number(b.kind === 'band') - Number(a.kind === 'band') || a.id - b.id;
}

/** The incidents the firing records stand for, worst first: red before amber, open before acknowledged, oldest first. */
export function incidentsOf(alerts: Iterable<Alert>): Incident[] {
  const groups = new Map<string, Alert[]>();
  for (const alert of alerts) {
    if (!isActive(alert)) continue;
    const key = incidentKey(alert.standardId, alert.site);
    const list = groups.get(key);
    if (list) list.push(alert);
    else groups.set(key, [alert]);
  }
  return [...groups.entries()].map(([key, list]) => incident(key, list)).sort(worstFirst);
}

function incident(key: string, records: Alert[]): Incident {
  const alerts = [...records].sort(mostSevereFirst);
  const top = alerts[0]!;
  const lead = alerts.find((a) => a.kind === 'band') ?? top;
  const unacknowledgedIds = alerts.filter((a) => a.acknowledgedAt === null).map((a) => a.id);
  const acknowledged = unacknowledgedIds.length === 0;
  const lastAck = acknowledged ? [...alerts].sort((a, b) => Date.parse(b.acknowledgedAt!) - Date.parse(a.acknowledgedAt!))[0]! : null;
  const window = lead.windows[0];
  return {
    key,
    standardId: top.standardId,
    site: top.site,
    level: levelOf(top.severity),
    severity: top.severity,
    acknowledged,
    alerts,
    unacknowledgedIds,
    line: lead.message,
    details: alerts.filter((a) => a !== lead).map((a) => a.message),
    startedAt: alerts.map((a) => a.startedAt).sort()[0]!,
    acknowledgedAt: lastAck?.acknowledgedAt ?? null,
    acknowledgedBy: lastAck?.acknowledgedBy ?? null,
    figure: window ? { ratio: window.compliance, window: window.name } : null,
  };
}

function worstFirst(a: Incident, b: Incident): number {
  return (
    LEVEL_RANK[b.level] - LEVEL_RANK[a.level] ||
    Number(a.acknowledged) - Number(b.acknowledged) ||
    Date.parse(a.startedAt) - Date.parse(b.startedAt) ||
    a.key.localeCompare(b.key)
  );
}

export interface IncidentCounts {
  /** Open (firing) incidents, acknowledged or not. */
  open: number;
  red: number;
  amber: number;
  /** Open incidents nobody has acknowledged yet. */
  unacknowledged: number;
  /** Red ones among those: what the Alerts view's badge counts. */
  unacknowledgedRed: number;
}

export function countIncidents(incidents: readonly Incident[]): IncidentCounts {
  const counts: IncidentCounts = { open: 0, red: 0, amber: 0, unacknowledged: 0, unacknowledgedRed: 0 };
  for (const incident of incidents) {
    counts.open += 1;
    counts[incident.level] += 1;
    if (!incident.acknowledged) {
      counts.unacknowledged += 1;
      if (incident.level === 'red') counts.unacknowledgedRed += 1;
    }
  }
  return counts;
}

/** "2 red · 1 amber", "1 amber", or "" when nothing is open: the same words in every view. */
export function countsPhrase(counts: Pick<IncidentCounts, 'red' | 'amber'>): string {
  return [counts.red > 0 ? `${counts.red} red` : '', counts.amber > 0 ? `${counts.amber} amber` : ''].filter(Boolean).join(' · ');
}

/** Where an incident is: its site, or "All sites". */
export function siteName(site: string | null): string {
  return site ?? 'All sites';
}

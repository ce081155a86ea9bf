// Which alerts become VS Code notifications (pure, no `vscode`): only new firing, unacknowledged alerts at or
// above the chosen severity. The quiet period is per incident (standard AND site) AND level: within it, another
// alert of the same incident at the same or a lower level is held back and counted into the next notification of
// that incident, but an escalation (amber → red) always notifies at once. A notification stands for exactly the
// alerts it names ("+N more" included), so its "Acknowledge" / "Acknowledge All" acknowledges exactly those.
// A burst touching many incidents (e.g. a catch-up after a disconnect) becomes one summary.
import type { Alert } from '@ringside/server/protocol';
import { countIncidents, countsPhrase, incidentKey, incidentsOf, LEVEL_RANK, levelOf, siteName, type IncidentLevel } from '@ringside/server/protocol/pure';

/** "amber": every alert (amber, red, ticket, page). "red": only urgent ones (red bands, paging burn rates). */
export type SeverityLevel = 'amber' | 'red';

export interface NotificationSettings {
  enabled: boolean;
  minSeverity: SeverityLevel;
  /** At most one notification per incident and level in this many ms. */
  quietMs: number;
}

/** More incidents than this in one burst → one summary notification instead of one each. */
export const MAX_SEPARATE = 3;

export interface Notice {
  kind: 'alert';
  /** The incident (standard and site) it is about. */
  incidentKey: string;
  standardId: string;
  site: string | null;
  level: IncidentLevel;
  /** The alert the text is about: the most severe of this burst. */
  alert: Alert;
  /** Every alert the notification stands for: the ones held back since the incident's last notification and this burst's. */
  covers: Alert[];
  urgent: boolean;
  text: string;
}

export interface Summary {
  kind: 'summary';
  alerts: Alert[];
  urgent: boolean;
  text: string;
}

export type Notification = Notice | Summary;

export function notifiable(alert: Alert, settings: NotificationSettings): boolean {
  if (alert.state !== 'firing' || alert.acknowledgedAt !== null) return false;
  return settings.minSeverity === 'amber' || levelOf(alert.severity) === 'red';
}

/** The alerts a notification stands for. */
export function alertsOf(notification: Notification): Alert[] {
  return notification.kind === 'alert' ? notification.covers : notification.alerts;
}

interface Shown {
  atMs: number;
  /** The highest level notified since atMs. */
  level: IncidentLevel;
}

const SEVERITY_ORDER: Readonly<Record<Alert['severity'], number>> = { ticket: 0, amber: 1, red: 2, page: 3 };

export class AlertGate {
  private readonly lastShown = new Map<string, Shown>();
  private readonly heldBack = new Map<string, Alert[]>();
  private readonly seen = new Set<number>();

  /** The notifications to show for alerts that just arrived (live or replayed). */
  decide(alerts: readonly Alert[], nowMs: number, settings: NotificationSettings): Notification[] {
    // The same id comes again when it is acknowledged or superseded: only its first sighting can notify.
    const fresh = alerts.filter((alert) => !this.seen.has(alert.id));
    for (const alert of fresh) this.seen.add(alert.id);
    if (!settings.enabled) return [];
    const byIncident = new Map<string, Alert[]>();
    for (const alert of fresh.filter((a) => notifiable(a, settings))) {
      const key = incidentKey(alert.standardId, alert.site);
      byIncident.set(key, [...(byIncident.get(key) ?? []), alert]);
    }
    const due: Array<{ key: string; alerts: Alert[]; level: IncidentLevel }> = [];
    for (const [key, list] of byIncident) {
      const level = highestLevel(list);
      const last = this.lastShown.get(key);
      const quiet = last !== undefined && nowMs - last.atMs < settings.quietMs;
      if (quiet && LEVEL_RANK[level] <= LEVEL_RANK[last.level]) {
        this.heldBack.set(key, [...(this.heldBack.get(key) ?? []), ...list]);
      } else {
        due.push({ key, alerts: [...(this.heldBack.get(key) ?? []), ...list], level });
        this.heldBack.delete(key);
        this.lastShown.set(key, { atMs: nowMs, level });
      }
    }
    if (due.length === 0) return [];
    if (due.length > MAX_SEPARATE) return [summary(due.flatMap((d) => d.alerts))];
    return due.map(({ key, alerts: covers, level }) => notice(key, covers, level));
  }
}

function highestLevel(alerts: readonly Alert[]): IncidentLevel {
  return alerts.some((a) => levelOf(a.severity) === 'red') ? 'red' : 'amber';
}

function notice(key: string, covers: Alert[], level: IncidentLevel): Notice {
  const alert = [...covers].sort((a, b) => SEVERITY_ORDER[b.severity] - SEVERITY_ORDER[a.severity] || Number(b.kind === 'band') - Number(a.kind === 'band') || b.id - a.id)[0]!;
  const others = covers.length - 1;
  const more = others > 0 ? ` (+${others} more alert${others === 1 ? '' : 's'} on this standard at ${alert.site === null ? 'all sites' : alert.site})` : '';
  return {
    kind: 'alert',
    incidentKey: key,
    standardId: alert.standardId,
    site: alert.site,
    level,
    alert,
    covers: [alert, ...covers.filter((a) => a !== alert)],
    urgent: level === 'red',
    // The alert's own line names its site (and, once the server writes plain lines, in words an ops lead uses).
    text: `Ringside: ${alert.message}${more}`,
  };
}

function summary(alerts: Alert[]): Summary {
  const incidents = incidentsOf(alerts);
  const counts = countIncidents(incidents);
  const where = [...new Set(incidents.map((i) => siteName(i.site)))];
  const places = where.length <= 4 ? where.join(', ') : `${where.slice(0, 3).join(', ')} and ${where.length - 3} more`;
  return {
    kind: 'summary',
    alerts,
    urgent: counts.red > 0,
    text: `Ringside: ${alerts.length} new alerts (${countsPhrase(counts)}) at ${places}`,
  };
}

// Which alerts become VS Code notifications (pure, no `vscode`): only new firing, unacknowledged alerts at or
// above the chosen severity; at most one per standard per quiet period, the rest counted into the next one;
// a burst (e.g. a catch-up after a disconnect) touching many standards becomes one summary.
import type { Alert, AlertSeverity } from '@ringside/server/protocol';

/** "amber": every alert (amber, red, ticket, page). "red": only urgent ones (red bands, paging burn rates). */
export type SeverityLevel = 'amber' | 'red';

export interface NotificationSettings {
  enabled: boolean;
  minSeverity: SeverityLevel;
  /** At most one notification per standard in this many ms. */
  quietMs: number;
}

export const URGENT: ReadonlySet<AlertSeverity> = new Set(['red', 'page']);
/** More standards than this in one burst → one summary notification instead of one each. */
export const MAX_SEPARATE = 3;

export interface Notice {
  kind: 'alert';
  alert: Alert;
  /** Every alert of this burst the notification stands for (the shown one first); "Acknowledge" acknowledges them all. */
  covers: Alert[];
  /** Alerts for the same standard held back since its last notification (or in the same burst). */
  alsoCount: number;
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

const RANK: Record<AlertSeverity, number> = { ticket: 0, amber: 1, red: 2, page: 3 };

export function notifiable(alert: Alert, settings: NotificationSettings): boolean {
  if (alert.state !== 'firing' || alert.acknowledgedAt !== null) return false;
  return settings.minSeverity === 'amber' || URGENT.has(alert.severity);
}

export class AlertGate {
  private readonly lastShown = new Map<string, number>();
  private readonly heldBack = new Map<string, number>();
  private readonly seen = new Set<number>();

  /** The notifications to show for alerts that just arrived (live or replayed). */
  decide(alerts: readonly Alert[], nowMs: number, settings: NotificationSettings): Notification[] {
    // The same id comes again when it is acknowledged or superseded: only its first sighting can notify.
    const fresh = alerts.filter((alert) => !this.seen.has(alert.id));
    for (const alert of fresh) this.seen.add(alert.id);
    if (!settings.enabled) return [];
    const byStandard = new Map<string, Alert[]>();
    for (const alert of fresh.filter((a) => notifiable(a, settings))) {
      const list = byStandard.get(alert.standardId) ?? [];
      list.push(alert);
      byStandard.set(alert.standardId, list);
    }
    const due: Array<{ standardId: string; alerts: Alert[] }> = [];
    for (const [standardId, list] of byStandard) {
      const last = this.lastShown.get(standardId);
      if (last !== undefined && nowMs - last < settings.quietMs) {
        this.heldBack.set(standardId, (this.heldBack.get(standardId) ?? 0) + list.length);
      } else {
        due.push({ standardId, alerts: list });
      }
    }
    if (due.length === 0) return [];
    for (const { standardId } of due) this.lastShown.set(standardId, nowMs);
    if (due.length > MAX_SEPARATE) {
      const all = due.flatMap((d) => d.alerts);
      for (const { standardId } of due) this.heldBack.delete(standardId);
      const urgent = all.some((a) => URGENT.has(a.severity));
      return [{ kind: 'summary', alerts: all, urgent, text: `Ringside: ${all.length} alerts on ${due.length} standards (${due.map((d) => d.standardId).join(', ')})` }];
    }
    return due.map(({ standardId, alerts: list }) => {
      const alert = mostSevere(list);
      const alsoCount = list.length - 1 + (this.heldBack.get(standardId) ?? 0);
      this.heldBack.delete(standardId);
      const more = alsoCount > 0 ? ` (+${alsoCount} more alert${alsoCount === 1 ? '' : 's'} on this standard)` : '';
      return { kind: 'alert', alert, covers: [alert, ...list.filter((a) => a !== alert)], alsoCount, urgent: URGENT.has(alert.severity), text: `Ringside: ${alert.message}${more}` };
    });
  }
}

/** Highest severity first; at equal severity the all-sites alert (site null) speaks for the per-site ones. */
function mostSevere(alerts: readonly Alert[]): Alert {
  return [...alerts].sort((a, b) => RANK[b.severity] - RANK[a.severity] || Number(a.site !== null) - Number(b.site !== null) || b.id - a.id)[0]!;
}

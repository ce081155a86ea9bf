// Which incident changes become VS Code notifications (pure, no `vscode`): an incident that opened or escalated, is
// still open and nobody acknowledged it (at or above the chosen severity). The quiet period is per incident's
// standard and site AND level: within it, another notification of the same place at the same or a lower level is held
// back and folded into the next one there, but an escalation (amber → red) always notifies at once. A notification
// stands for exactly the incidents it names, so its "Acknowledge" (one) / "Acknowledge All" (several) acknowledges
// exactly those. A burst touching many places (e.g. a catch-up after a disconnect) becomes one summary.
import type { Incident, IncidentUpdate } from '@ringside/server/protocol';
import { countIncidents, countsPhrase, isAcknowledged, keyOf, LEVEL_RANK, type IncidentLevel } from '@ringside/server/protocol/pure';

/** "amber": every incident. "red": only red ones (red bands, fast burns). */
export type SeverityLevel = 'amber' | 'red';

export interface NotificationSettings {
  enabled: boolean;
  minSeverity: SeverityLevel;
  /** At most one notification per standard and site and level in this many ms (escalations always notify). */
  quietMs: number;
}

/** More places than this in one burst → one summary notification instead of one each. */
const MAX_SEPARATE = 3;

interface Notice {
  kind: 'incident';
  /** The standard and site it is about (`standardId|site`). */
  key: string;
  standardId: string;
  site: string;
  level: IncidentLevel;
  /** The incident the text is about. */
  incident: Incident;
  /** Every incident it stands for: this one and any held back at the same place since its last notification. */
  covers: Incident[];
  urgent: boolean;
  text: string;
}

interface Summary {
  kind: 'summary';
  covers: Incident[];
  urgent: boolean;
  text: string;
}

export type Notification = Notice | Summary;

/** A change worth a notification: opened or escalated, still open, unacknowledged, severe enough. */
function notifiable(update: IncidentUpdate, settings: NotificationSettings): boolean {
  const { change, incident } = update;
  if (change.kind !== 'opened' && change.kind !== 'escalated') return false;
  if (incident.state !== 'open' || isAcknowledged(incident)) return false;
  return settings.minSeverity === 'amber' || incident.severity === 'red';
}

interface Shown {
  atMs: number;
  /** The highest level notified since atMs. */
  level: IncidentLevel;
}

export class IncidentGate {
  private readonly lastShown = new Map<string, Shown>();
  private readonly heldBack = new Map<string, Map<number, Incident>>();
  private readonly seen = new Set<number>();

  /** The notifications to show for changes that just arrived (live or replayed). */
  decide(updates: readonly IncidentUpdate[], nowMs: number, settings: NotificationSettings): Notification[] {
    // A change comes once live, but a replay may repeat it: only its first sighting can notify.
    const fresh = updates.filter((u) => !this.seen.has(u.change.seq));
    for (const u of fresh) this.seen.add(u.change.seq);
    this.forgetAcknowledged(updates);
    if (!settings.enabled) return [];
    const byPlace = new Map<string, Map<number, Incident>>();
    for (const u of fresh.filter((x) => notifiable(x, settings))) {
      const place = byPlace.get(keyOf(u.incident)) ?? new Map<number, Incident>();
      place.set(u.incident.id, u.incident);
      byPlace.set(keyOf(u.incident), place);
    }
    const due: Array<{ key: string; covers: Incident[]; level: IncidentLevel }> = [];
    for (const [key, incidents] of byPlace) {
      const level = highestLevel([...incidents.values()]);
      const last = this.lastShown.get(key);
      const quiet = last !== undefined && nowMs - last.atMs < settings.quietMs;
      const held = this.heldBack.get(key) ?? new Map<number, Incident>();
      for (const [id, incident] of incidents) held.set(id, incident);
      if (quiet && LEVEL_RANK[level] <= LEVEL_RANK[last.level]) {
        this.heldBack.set(key, held);
        continue;
      }
      this.heldBack.delete(key);
      this.lastShown.set(key, { atMs: nowMs, level });
      due.push({ key, covers: [...held.values()], level });
    }
    if (due.length === 0) return [];
    if (due.length > MAX_SEPARATE) return [summary(due.flatMap((d) => d.covers))];
    return due.map(({ key, covers, level }) => notice(key, covers, level, fresh));
  }

  /** An incident acknowledged or recovered meanwhile is no longer news: it is not folded into a later notification. */
  private forgetAcknowledged(updates: readonly IncidentUpdate[]): void {
    for (const { incident } of updates) {
      if (incident.state === 'open' && !isAcknowledged(incident)) continue;
      this.heldBack.get(keyOf(incident))?.delete(incident.id);
    }
  }
}

function highestLevel(incidents: readonly Incident[]): IncidentLevel {
  return incidents.some((i) => i.severity === 'red') ? 'red' : 'amber';
}

function notice(key: string, covers: Incident[], level: IncidentLevel, fresh: readonly IncidentUpdate[]): Notice {
  const incident = [...covers].sort((a, b) => LEVEL_RANK[b.severity] - LEVEL_RANK[a.severity] || b.id - a.id)[0]!;
  const escalated = fresh.some((u) => u.incident.id === incident.id && u.change.kind === 'escalated');
  const others = covers.length - 1;
  const more = others > 0 ? ` (+${others} earlier incident${others === 1 ? '' : 's'} there)` : '';
  const label = `${level === 'red' ? 'Red' : 'Amber'}${escalated ? ', now worse' : ''}`;
  return {
    kind: 'incident',
    key,
    standardId: incident.standardId,
    site: incident.site,
    level,
    incident,
    covers: [incident, ...covers.filter((i) => i !== incident)],
    urgent: level === 'red',
    text: `Ringside ${label}: ${incident.summary}${more}`,
  };
}

function summary(covers: Incident[]): Summary {
  const counts = countIncidents(covers);
  const where = [...new Set(covers.map((i) => i.siteName))];
  const places = where.length <= 4 ? where.join(', ') : `${where.slice(0, 3).join(', ')} and ${where.length - 3} more`;
  return {
    kind: 'summary',
    covers,
    urgent: counts.red > 0,
    text: `Ringside: ${covers.length} incidents need attention (${countsPhrase(counts)}) at ${places}`,
  };
}

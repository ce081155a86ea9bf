// Which breaches (a deadline passing on an open case: a call still ringing, a visitor still waiting, a complaint not
// acknowledged in time) become VS Code notifications (pure, no `vscode`). They follow the incident notifications'
// settings: off when notifications are off; a breach is one case, so it counts as "amber" and a minimum severity of
// "red" leaves breaches out; the quiet period holds back further breaches of the same event type at the same site,
// which are folded into the next notification there. A burst touching many places becomes one summary. Each breach
// notifies at most once, however often the server repeats it. Sites are named as the dashboard names them (siteLabel:
// the display name, or the id when there is none); the quiet period and "Open Dashboard" keep to the id.
import type { ClockBreach, Standard } from '@ringside/server/protocol';
import { breachKeyOf, deadlineLabel, siteLabel, type SiteNames } from '@ringside/server/protocol/pure';
import type { NotificationSettings } from './alertNotifier';
import { clockTime } from './clockTime';

/** More places than this in one burst → one summary notification. */
const MAX_SEPARATE_BREACHES = 3;
/** Breach keys remembered to drop repeats (bounded: the oldest are forgotten first). */
const SEEN_LIMIT = 5_000;

interface BreachNotice {
  kind: 'breach';
  /** `type|site`: the place the quiet period is kept per. */
  key: string;
  site: string;
  type: string;
  /** The standard of the breach the text names. */
  standardId: string;
  /** The breach named first, then those held back there since the last notification. */
  covers: ClockBreach[];
  text: string;
}

interface BreachSummary {
  kind: 'breach-summary';
  covers: ClockBreach[];
  text: string;
}

export type BreachNotification = BreachNotice | BreachSummary;

/** Breaches notify under these settings (a breach is "amber": one case, not a trend). */
function breachesNotify(settings: NotificationSettings): boolean {
  return settings.enabled && settings.minSeverity === 'amber';
}

const NOUN: Readonly<Record<string, string>> = { call: 'call', visit: 'visitor', complaint: 'complaint' };

const NO_NAMES: SiteNames = new Map();

/** "Ringside: Harbour call pbx-77 is past its deadline (Calls ≤ 2 rings, due 14:05)"; a deadline not of `nowMs`'s day gains its day. */
export function breachText(breach: ClockBreach, standards: readonly Standard[], heldBack = 0, names: SiteNames = NO_NAMES, nowMs = Date.now()): string {
  // The label of the version that set the deadline (the server's), not of the version in force now; `standards` (the
  // ones in force) only for an older server that sends no label.
  const label = deadlineLabel(breach, standards);
  const noun = NOUN[breach.type] ?? breach.type.replace(/-/g, ' ');
  const more = heldBack > 0 ? ` (+${heldBack} more there)` : '';
  return `Ringside: ${siteLabel(breach.site, names)} ${noun} ${breach.caseId} is past its deadline (${label}, due ${clockTime(breach.deadline, nowMs)})${more}`;
}

export class BreachGate {
  private readonly lastShown = new Map<string, number>();
  private readonly heldBack = new Map<string, ClockBreach[]>();
  private readonly seen = new Set<string>();

  /** `standards`: those in force (the connection's snapshot), `names`: the sites' display names now (the connection's), for the text. */
  decide(breaches: readonly ClockBreach[], nowMs: number, settings: NotificationSettings, standards: readonly Standard[], names: SiteNames = NO_NAMES): BreachNotification[] {
    const fresh = breaches.filter((b) => !this.seen.has(breachKeyOf(b)));
    for (const b of fresh) this.remember(breachKeyOf(b));
    if (!breachesNotify(settings) || fresh.length === 0) return [];
    const byPlace = new Map<string, ClockBreach[]>();
    for (const b of fresh) byPlace.set(placeOf(b), [...(byPlace.get(placeOf(b)) ?? []), b]);
    const due: Array<{ key: string; covers: ClockBreach[] }> = [];
    for (const [key, list] of byPlace) {
      const held = [...(this.heldBack.get(key) ?? []), ...list];
      const last = this.lastShown.get(key);
      if (last !== undefined && nowMs - last < settings.quietMs) {
        this.heldBack.set(key, held);
        continue;
      }
      this.heldBack.delete(key);
      this.lastShown.set(key, nowMs);
      due.push({ key, covers: held });
    }
    if (due.length === 0) return [];
    if (due.length > MAX_SEPARATE_BREACHES) return [breachSummary(due.flatMap((d) => d.covers), names)];
    return due.map(({ key, covers }) => {
      // The newest breach first: it is the news; the ones held back are counted.
      const ordered = [...covers].reverse();
      const first = ordered[0]!;
      return { kind: 'breach', key, site: first.site, type: first.type, standardId: first.standardId, covers: ordered, text: breachText(first, standards, ordered.length - 1, names, nowMs) };
    });
  }

  private remember(key: string): void {
    this.seen.add(key);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value!);
  }
}

function placeOf(breach: ClockBreach): string {
  return `${breach.type}|${breach.site}`;
}

function breachSummary(covers: ClockBreach[], names: SiteNames): BreachSummary {
  const sites = [...new Set(covers.map((b) => b.site))].map((site) => siteLabel(site, names));
  const places = sites.length <= 4 ? sites.join(', ') : `${sites.slice(0, 3).join(', ')} and ${sites.length - 3} more`;
  return { kind: 'breach-summary', covers, text: `Ringside: ${covers.length} open cases are past their deadline at ${places}` };
}

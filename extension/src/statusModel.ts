// What the status bar shows, worked out from the live connection and the Sites figures (pure, no `vscode`, so the
// host tests run it against a real server). It is worked out again only on what can change it, and says it changed
// only when it did: with a large estate (160 sites × 9 standards, 1,400 items ranked per pass) redoing it on every
// pushed event and on each incident of a catch-up kept the extension host busy, and every tooltip set anew is
// parsed again by VS Code even when its Markdown is the same.
import type { DashboardMessage } from '@ringside/server/protocol';
import { countIncidents, countOpenClocks } from '@ringside/server/protocol/pure';
import type { RingsideConnection } from './connection';
import { Listeners } from './listeners';
import type { SiteFiguresSource } from './sitesSource';
import { statusView, type StatusView } from './statusText';
import { worstItems, type WorstItem } from './worstItems';

/**
 * Messages that can change the status bar. Not `judged` (the events themselves: the figures they move come in the
 * `compliance` message pushed with them) nor `incident` (each change of a batch; the connection's onIncidents
 * follows once per batch, in the same call, with all of them applied).
 */
function changesStatus(message: DashboardMessage): boolean {
  return message.type !== 'judged' && message.type !== 'incident';
}

export class StatusModel {
  private view: StatusView | undefined;
  private items: WorstItem[] = [];
  private shown = '';
  private readonly changes = new Listeners<void>();
  private readonly subscriptions: Array<{ dispose(): void }>;
  /** How many times the worst items were ranked (the host tests check it follows only what can change them). */
  computeCount = 0;

  readonly onDidChange = this.changes.event;

  constructor(
    private readonly connection: RingsideConnection,
    private readonly sites: SiteFiguresSource,
  ) {
    this.subscriptions = [
      // A `clocks` message moves only the count of cases past a deadline: the ranking it keeps.
      connection.onMessage((message) => (changesStatus(message) ? this.update(message.type !== 'clocks') : undefined)),
      connection.onIncidents(() => this.update()),
      sites.onDidChange(() => this.update()),
    ];
    this.update();
  }

  get current(): StatusView {
    return this.view!;
  }

  /** The worst items now, worst first (the quick pick lists them). */
  worst(): readonly WorstItem[] {
    return this.items;
  }

  private update(rank = true): void {
    const { state, serverUrl, snapshot, problem, reconnecting, siteNames } = this.connection;
    // While reconnecting the last figures and incidents stay (the quick pick lists them; the views show them too).
    const shown = this.connection.showsFigures;
    const incidents = shown ? this.connection.openIncidents() : [];
    if (rank || this.view === undefined) {
      this.computeCount += 1;
      this.items = shown ? worstItems(this.sites.current, incidents, snapshot?.standards ?? [], siteNames) : [];
    }
    const breached = state === 'connected' ? countOpenClocks(this.connection.openClocks(), Date.now()).breached : 0;
    const view = statusView({ state, serverUrl, problem, items: this.items, counts: countIncidents(incidents), breached, siteNames, reconnecting });
    this.view = view;
    const key = JSON.stringify(view);
    if (key === this.shown) return;
    this.shown = key;
    this.changes.fire();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changes.clear();
  }
}

// Today's figures per site for the Sites view and the status bar, driven by the live feed: "All sites" is the
// live `today` of the snapshot and of every `compliance` message (what the dashboard's tiles show, at the same
// moment); each site's figures are fetched (`GET /api/v1/compliance?window=today&groupBy=site`, with the API key)
// on every snapshot and, throttled to one a second, after `compliance` messages (the dashboard's per-site bars
// follow at the same pace, webview/src/queries.ts). Another server empties everything at once, and an answer from
// the previous server is dropped.
import type { ComplianceReport } from '@ringside/server/protocol';
import type { SiteNames } from '@ringside/server/protocol/pure';
import type { RingsideConnection } from './connection';
import { fetchComplianceBySite, fetchComplianceForSite } from './httpApi';
import { Listeners } from './listeners';
import { allSitesFromLive, orderByName, sitesFromGroupedReport, sitesFromPerSiteReports, type SiteFigures } from './siteModel';

const REFRESH_INTERVAL_MS = 1_000;

export class SiteFiguresSource {
  private sites: SiteFigures[] = [];
  /** `sites` in the order shown, for the names it was sorted by. */
  private ordered: { sites: SiteFigures[]; names: SiteNames; rows: SiteFigures[] } | undefined;
  private problem: string | undefined;
  private inFlight = false;
  private dirty = false;
  private lastFetch = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The server the figures are from: a change empties them, and a late answer for another server is dropped. */
  private serverUrl = '';
  private readonly changes = new Listeners<void>();
  private readonly sitesSeen = new Set<string>();
  private readonly subscriptions: Array<{ dispose(): void }>;
  /** How many fetches were made (tests check the throttle). */
  fetchCount = 0;

  readonly onDidChange = this.changes.event;

  constructor(private readonly connection: RingsideConnection) {
    this.subscriptions = [
      connection.onMessage((message) => {
        if (message.type === 'connection') {
          if (message.serverUrl !== this.serverUrl) this.reset(message.serverUrl);
          this.changes.fire();
        } else if (message.type === 'snapshot') {
          for (const judged of message.snapshot.recent) this.sitesSeen.add(judged.event.site);
          this.refreshNow();
        } else if (message.type === 'compliance') {
          // "All sites" is in the message itself: show it now; the sites follow with the next fetch.
          this.changes.fire();
          this.schedule();
        } else if (message.type === 'judged') {
          for (const judged of message.events) this.sitesSeen.add(judged.event.site);
        }
      }),
    ];
  }

  /**
   * "All sites" (live) first, then each site by the name shown. While reconnecting after a loss, the last figures
   * (a server restart must not read as a first run); nothing when offline, disconnected or never connected.
   */
  get current(): SiteFigures[] {
    const snapshot = this.connection.snapshot;
    if (!this.connection.showsFigures || !snapshot) return [];
    return [allSitesFromLive(snapshot.today, snapshot.standards), ...this.perSite];
  }

  /**
   * Only the sites (no "All sites" row), by the name shown: a rename reorders them without a fetch. Sorted once per
   * fetch or change of names, not on every read: the tree reads it for each of its rows, and 160 sites sorted by
   * name for each of 160 rows on every redraw was most of the extension host's work.
   */
  get perSite(): SiteFigures[] {
    if (!this.connection.showsFigures) return [];
    const names = this.siteNames;
    if (this.ordered?.sites !== this.sites || this.ordered.names !== names) this.ordered = { sites: this.sites, names, rows: orderByName(this.sites, names) };
    return this.ordered.rows;
  }

  /** Display names by site id (the connection's, from the snapshot and incidents), for siteLabel. */
  get siteNames(): SiteNames {
    return this.connection.siteNames;
  }

  get error(): string | undefined {
    return this.problem;
  }

  /** Fetch as soon as the throttle allows. */
  schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastFetch + REFRESH_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refreshNow();
    }, wait);
  }

  refreshNow(): void {
    if (this.inFlight) {
      this.dirty = true;
      return;
    }
    if (this.connection.state !== 'connected') return;
    const serverUrl = this.serverUrl;
    this.inFlight = true;
    this.lastFetch = Date.now();
    this.fetchCount += 1;
    void this.load()
      .then(
        (sites) => {
          if (serverUrl !== this.serverUrl) return;
          this.sites = sites;
          this.problem = undefined;
        },
        (error: unknown) => {
          if (serverUrl === this.serverUrl) this.problem = (error as Error).message;
        },
      )
      .finally(() => {
        this.inFlight = false;
        this.changes.fire();
        if (this.dirty) {
          this.dirty = false;
          this.schedule();
        }
      });
  }

  private reset(serverUrl: string): void {
    this.serverUrl = serverUrl;
    this.sites = [];
    this.problem = undefined;
    this.sitesSeen.clear();
    this.dirty = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async load(): Promise<SiteFigures[]> {
    const { serverUrl, apiKey } = this.connection;
    const standards = this.connection.snapshot?.standards ?? [];
    const report: ComplianceReport = await fetchComplianceBySite(serverUrl, apiKey);
    if (report.groupBy === 'site' || report.standards.some((s) => s.groups !== undefined)) return sitesFromGroupedReport(report, standards);
    // An older server without groupBy: one request per site seen in the live data.
    const perSite = new Map(await Promise.all([...this.sitesSeen].map(async (site) => [site, await fetchComplianceForSite(serverUrl, apiKey, site)] as const)));
    return sitesFromPerSiteReports(report, perSite, standards);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.changes.clear();
  }
}

// What the write paths (events.ts, eventGroup.ts, milestoneWrite.ts, feed.ts) share of the ingest service: its clock,
// the event type registry, the standards, how it treats the sites items name, and who hears of closed cases.
import type { Site, Standard } from '../../protocol';
import type { EventTypeRegistry } from '../../domain/eventTypes';
import { maySiteWrite, siteRefusal } from '../../domain/keys';
import { defaultSite } from '../../domain/sites';
import type { CaseKey, SiteRecord } from '../../store/port';
import type { CaseContext } from './cases';
import type { ItemProblem } from './itemProblem';
import type { CaseNews, SiteLimit } from './outcomes';

export interface IngestContext {
  now: () => number;
  /** Zone of sites created on first sight. */
  timeZone: string;
  /** Refuse items of sites that are not configured (400 naming `site`) instead of creating them. */
  rejectUnknownSites: boolean;
  /** The event types milestones may name, as they are now. */
  registry: () => EventTypeRegistry;
  /** The (non-retired) standard versions in force at an instant. */
  standardsAt: (ms: number) => readonly Standard[];
  /** Tells the case listeners; called once a write has committed. */
  notifyCases: (cases: CaseKey[], known: ReadonlyMap<string, CaseNews>) => void;
}

/** What settling a case needs, at the clock's time now. */
export function caseContextOf(ctx: IngestContext): CaseContext {
  return { registry: ctx.registry(), standardsAt: ctx.standardsAt, siteOf: async (tx, name) => configuredOrDefault(ctx, name, await tx.sites.get(name)), nowMs: ctx.now() };
}

/** `site` (the stored record of `name`) if it is configured, else the defaults an unknown site is created with. */
export function configuredOrDefault(ctx: IngestContext, name: string, site: SiteRecord | undefined): Site {
  return site && !site.retired ? site : defaultSite(name, ctx.timeZone);
}

/** With --reject-unknown-sites, the items whose site is not configured (`stored`: the items' stored sites). */
export function unknownSiteProblems(ctx: IngestContext, items: ReadonlyArray<{ site: string }>, stored: ReadonlyMap<string, SiteRecord>): ItemProblem[] {
  if (!ctx.rejectUnknownSites) return [];
  return items.flatMap(({ site }, index) => {
    const record = stored.get(site);
    return record && !record.retired ? [] : [{ index, path: ['site'], message: `unknown site "${site}"; this server refuses unknown sites (configure it in the standards file or POST /api/v1/sites)` }];
  });
}

/** The items of a site the caller's key may not write, each naming the site (checked before anything is stored). */
export function forbiddenSites(inputs: readonly { site: string }[], sites: SiteLimit): ItemProblem[] {
  if (sites === null) return [];
  return inputs.flatMap((input, index) => (maySiteWrite(sites, input.site) ? [] : [{ index, path: ['site'], message: siteRefusal(sites, input.site) }]));
}

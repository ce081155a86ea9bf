// Sites: configured over the API or the standards file, or created on first sight by ingest. A change over the API
// is written to the audit log in the same transaction as the change and its history row.
import type { FieldProblem, Site, SiteDefinition, SitePatch } from '../protocol';
import { caseTwinEntryMessage, caseTwinMessage, caseTwinsOf, noOpenDayProblem } from '../protocol';
import { caseTwinsAmong, newSiteItems } from './ingest/siteCase';
import { DomainError, notFoundById, notTheUrlIdMessage } from '../domain/errors';
import { patchSite, resolveSite, sameSite } from '../domain/sites';
import { didYouMean } from '../protocol/nearMiss';
import { normalSiteId, siteIdAsRead } from '../protocol/pure/idLists';
import type { SiteRecord } from '../store/records';
import type { SiteHistoryEntry, SitesReads, Store, WriteTx } from '../store/port';

/** Who asks for a change of a site or a standard: an API key (its id goes into the audit log), or nobody (the standards file). */
export type Actor = { keyId: string } | null;

/**
 * The stored site `id` names when read (siteIdAsRead): the one of exactly that id (stored before ids were
 * normalised), else the one of its NFC form.
 */
async function storedAsRead(sites: { get(id: string): Promise<SiteRecord | undefined> }, id: string): Promise<SiteRecord | undefined> {
  const exact = await sites.get(id);
  const asRead = siteIdAsRead(id, () => exact !== undefined);
  return asRead === id ? exact : sites.get(asRead);
}

/** Whether the body `id` of a change of a site (as validated: trimmed, in NFC) names the site of the path's `urlId`. */
export const sameSiteAsUrl = (bodyId: string, urlId: string): boolean => bodyId === normalSiteId(urlId);

/**
 * Why POST /sites may not create the site `id` (as validated), given every stored site's id (retired ones too): it
 * equals one of them but for letter case (caseTwinsOf). Null when it may, or when it is stored itself (then the POST
 * is a conflict, or revives a retired site).
 */
export function caseTwinProblem(id: string, stored: readonly string[]): string | null {
  if (stored.includes(id)) return null;
  const twins = caseTwinsOf(id, stored);
  return twins.length > 0 ? caseTwinMessage(id, twins) : null;
}

/** An entry of a list of site ids that caseTwinEntries refuses: its index as given, why, and the entry it twins. */
interface CaseTwinEntry {
  index: number;
  /** caseTwinMessage, naming the stored site it twins, or the other entry's site. */
  message: string;
  /** The index of the entry it twins (none: it twins a stored site). */
  entry?: number;
}

/**
 * The entries of a list of site ids as given (a standard's `scope.sites`, a key's `sites`, the standards file's
 * `sites:`) whose site is new to the store and would be a second site, by ingest's rule for a request's items
 * (caseTwinsAmong): it equals, but for letter case, a stored site's id (`stored`: every one's) or another entry's
 * site that is not stored either, then the later of the two is refused (a spelling repeated is one site). Sites in
 * `kept` pass, and are the spelling another entry is checked against wherever they are listed (a standard's sites its
 * latest version names: stored with it before this rule, they keep working). Sites already stored pass, a pair too.
 */
function caseTwinEntries(ids: readonly string[], stored: readonly string[], kept: ReadonlySet<string> = new Set()): CaseTwinEntry[] {
  const storedIds = new Set(stored);
  const items = ids.map((site) => ({ site }));
  const fresh = newSiteItems(items, { has: (id) => storedIds.has(id) || kept.has(id) });
  if (fresh.length === 0) return [];
  const keptListed = ids.filter((id) => kept.has(id) && !storedIds.has(id));
  return caseTwinsAmong(items, fresh, [...stored, ...keptListed]).problems.map(({ index, message }) => {
    const id = ids[index]!;
    if (caseTwinsOf(id, stored).length > 0) return { index, message };
    return { index, message, entry: ids.findIndex((other, j) => (j < index || kept.has(other)) && caseTwinsOf(id, [other]).length > 0) };
  });
}

/**
 * caseTwinEntries for a list of site ids a request or the standards file gives to limit something (a standard's
 * `scope.sites`, a key's `sites`), each problem at the entry's index as given: one twin of a stored site says what
 * the thing limited to it could not do (`limitedTo`, "a key limited to it could write nothing"), since no event of
 * that site could be stored; one twin of another entry names that entry (caseTwinEntryMessage).
 */
export function listCaseTwinProblems(ids: readonly string[], stored: readonly string[], limitedTo: string, kept?: ReadonlySet<string>): Array<{ index: number; message: string }> {
  return caseTwinEntries(ids, stored, kept).map(({ index, message, entry }) => ({
    index,
    message: entry === undefined ? `${message}; ${limitedTo}` : caseTwinEntryMessage(ids[index]!, entry, ids[entry]!),
  }));
}

/** Which of `ids` are stored sites (configured, created by their events, or retired): one read, of a store or a read-only one. */
export async function storedAmong(sites: Pick<SitesReads, 'getMany'>, ids: readonly string[]): Promise<(id: string) => boolean> {
  const found = ids.length === 0 ? new Map() : await sites.getMany(ids);
  return (id) => found.has(id);
}

/**
 * How a query is told of a site the server has never heard of (SitesService.known), with the one of the `stored`
 * sites it most likely mistypes, as an unknown standard or parameter is told (protocol/nearMiss.ts).
 */
export const unknownSiteMessage = (id: string, stored: readonly string[] = []): string =>
  `unknown site "${id}": no site of that name is configured or has events${didYouMean(id, stored)}`;

export class SitesService {
  private readonly listeners = new Set<() => void>();
  /** Writes that will tell the listeners when they commit: once each, however many sites they change. */
  private readonly notifying = new WeakSet<WriteTx>();

  constructor(
    private readonly store: Store,
    /** Zone of sites created or configured without one (default: the server's). */
    private readonly defaultZone: string,
  ) {}

  /** Hears each committed change of a site's configuration (created, changed, retired): dashboards name sites by it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Another node committed a change of a site (its commit signalled, store/port.ts Coordination), or this node may
   * have missed one: the listeners hear it as a change made here, so every node's dashboards name sites alike.
   */
  changedElsewhere(): void {
    this.notify();
  }

  /** A configured (not retired) site, by its exact id or its NFC form (storedAsRead). */
  async get(id: string): Promise<Site | undefined> {
    const site = await storedAsRead(this.store.reads.sites, id);
    return site && !site.retired ? withoutRetired(site) : undefined;
  }

  /** Which of `ids` are stored sites (storedAmong). */
  stored(ids: readonly string[]): Promise<(id: string) => boolean> {
    return storedAmong(this.store.reads.sites, ids);
  }

  /**
   * Of `ids`, the sites the server has heard of: configured (retired ones too; ingest creates a site on first sight)
   * or named by a stored event. A read filtering by any other site is most likely a typo (unknownSiteMessage).
   */
  async known(ids: readonly string[]): Promise<Set<string>> {
    const stored = await this.store.reads.sites.getMany(ids);
    const known = new Set(ids.filter((id) => stored.has(id)));
    for (const id of ids.filter((i) => !known.has(i))) {
      if ((await this.store.reads.events.count({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, site: id })) > 0) known.add(id);
    }
    return known;
  }

  /** Every stored site's id (configured, created by its events, or retired): what caseTwinProblem reads. */
  ids(): Promise<string[]> {
    return this.store.reads.sites.ids();
  }

  list(): Promise<Site[]> {
    return this.store.reads.sites.list();
  }

  /** A site's history, under the id it is stored by (storedAsRead); none for a site never stored. */
  async history(id: string): Promise<{ id: string; history: SiteHistoryEntry[] }> {
    const stored = (await storedAsRead(this.store.reads.sites, id))?.id ?? normalSiteId(id);
    // Each change's link seq is what exports go by; the answer stays as it was.
    return { id: stored, history: (await this.store.reads.sites.history(stored)).map(({ linkSeq: _linkSeq, ...entry }) => entry) };
  }

  create(def: SiteDefinition, actor: Actor): Promise<{ changed: boolean; site: Site }> {
    return this.store.write(async (tx) => {
      const current = await tx.sites.get(def.id);
      if (current && !current.retired) throw new DomainError('conflict', 'id', `site "${def.id}" already exists; use PATCH to change some of its settings, or PUT to replace them all`);
      // The route named a twin with the body's other problems; one created since is refused here.
      const twin = current ? null : caseTwinProblem(def.id, await tx.sites.ids());
      if (twin) throw new DomainError('invalid', 'id', twin);
      return this.logged(tx, await this.put(tx, def), actor, 'create', { body: def });
    });
  }

  /** PUT: `def` replaces the site's configuration. */
  update(id: string, def: SiteDefinition, actor: Actor): Promise<{ changed: boolean; site: Site }> {
    return this.store.write(async (tx) => {
      await this.configured(tx, id, def.id);
      return this.logged(tx, await this.put(tx, def), actor, 'update', { body: def });
    });
  }

  /** PATCH: the settings `patch` names change, the others stay (domain/sites.ts patchSite), read and written in one write. */
  patch(id: string, patch: SitePatch, actor: Actor): Promise<{ changed: boolean; site: Site }> {
    return this.store.write(async (tx) => {
      const current = await this.configured(tx, id, patch.id);
      const def = patchSite(current, patch);
      // The patch's days are checked alone; only the merged week shows that it closes the last open one. Only a patch
      // of the hours is: a site stored before the rule keeps its week through a patch of its name.
      const noOpenDay = patch.hours !== undefined && def.hours ? noOpenDayProblem(def.hours) : null;
      if (noOpenDay) throw new DomainError('invalid', 'hours', noOpenDay);
      return this.logged(tx, await this.put(tx, def), actor, 'update', { method: 'PATCH', body: patch });
    });
  }

  /**
   * The configured site a change of `id` is about (storedAsRead), whose body names `bodyId` (in NFC, as every written
   * site id): else not found, or invalid.
   */
  private async configured(tx: WriteTx, id: string, bodyId: string): Promise<Site> {
    const current = await storedAsRead(tx.sites, id);
    if (!current || current.retired) throw notFoundById('site', id);
    if (!sameSiteAsUrl(bodyId, id)) throw new DomainError('invalid', 'id', notTheUrlIdMessage('site', id));
    // A site stored in another form before ids were normalised keeps its configuration: the body's id is the NFC form,
    // another site, the one to configure (docs/api.md, "Site ids").
    if (current.id !== normalSiteId(current.id)) throw new DomainError('invalid', 'id', `names the site "${current.id}", stored before site ids were normalised to Unicode NFC; its configuration stays as it is: configure "${bodyId}" instead`);
    return withoutRetired(current);
  }

  /** Create or update (the demo naming its sites). */
  async apply(def: SiteDefinition): Promise<{ changed: boolean; site: Site }> {
    return (await this.applyAll([def]))[0]!;
  }

  /**
   * The standards file's sites that are new to the store and equal, but for letter case, a stored site's id or an
   * earlier new one's of the file: each named at `sites.<index>.id` as POST /sites would refuse it. Sites already
   * stored, in such pairs or not, pass: a file that named both before this rule still starts.
   */
  async caseTwinProblems(defs: readonly SiteDefinition[]): Promise<FieldProblem[]> {
    if (defs.length === 0) return [];
    const stored = await this.store.reads.sites.ids();
    // A twin only among the file's own new sites: where the file names it.
    return caseTwinEntries(defs.map((def) => def.id), stored).map(({ index, message, entry }) => ({ path: `sites.${index}.id`, message: entry === undefined ? message : `${message}; the file names it at sites.${entry}.id` }));
  }

  /** From the standards file: create or update each, in one write (listeners hear it once). */
  applyAll(defs: readonly SiteDefinition[]): Promise<Array<{ changed: boolean; site: Site }>> {
    return this.store.write(async (tx) => {
      const results = [];
      for (const def of defs) results.push(await this.put(tx, def));
      return results;
    });
  }

  /** DELETE: the configuration goes (events stay); the site is unknown again. */
  retire(id: string, actor: Actor): Promise<Site> {
    return this.store.write(async (tx) => {
      const current = await storedAsRead(tx.sites, id);
      if (!current || current.retired) throw notFoundById('site', id);
      await tx.writes.retireSite(current.id);
      tx.onCommit(() => this.notify());
      if (actor) await tx.writes.auditLog({ keyId: actor.keyId, action: 'site.retire', target: current.id, details: {} });
      return withoutRetired(current);
    });
  }

  private async put(tx: WriteTx, def: SiteDefinition): Promise<{ changed: boolean; site: Site }> {
    const site = resolveSite(def, this.defaultZone);
    const current = await tx.sites.get(def.id);
    if (current && !current.retired && !current.autoCreated && sameSite(withoutRetired(current), site)) return { changed: false, site: withoutRetired(current) };
    await tx.writes.site(site, current ? 'updated' : 'created');
    if (!this.notifying.has(tx)) {
      this.notifying.add(tx);
      tx.onCommit(() => this.notify());
    }
    return { changed: true, site: withoutRetired((await tx.sites.get(def.id))!) };
  }

  private notify(): void {
    this.listeners.forEach((l) => l());
  }

  /** The audit entry of a change made (`details`: the request body, and for a PATCH the method). */
  private async logged(tx: WriteTx, result: { changed: boolean; site: Site }, actor: Actor, verb: 'create' | 'update', details: { method?: 'PATCH'; body: SiteDefinition | SitePatch }): Promise<{ changed: boolean; site: Site }> {
    if (actor && result.changed) await tx.writes.auditLog({ keyId: actor.keyId, action: `site.${verb}`, target: result.site.id, details });
    return result;
  }
}

function withoutRetired(site: Site & { retired?: boolean }): Site {
  const { retired: _r, ...rest } = site;
  return rest;
}

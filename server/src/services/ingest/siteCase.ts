// Sites are created on first sight; one whose id is a stored site's but for letter case is refused instead
// (protocol/sites.ts caseTwinsOf): it would be a second site, labelled like the first. Sites that already exist in
// such pairs are not new, and keep working.
import { caseTwinMessage, caseTwinsOf } from '../../protocol';
import type { SitesReads } from '../../store/port';
import type { ItemProblem } from './itemProblem';

/** The indexes of the items whose site is not stored (not in `stored`): what caseTwinSites checks; none in the common case. */
export function newSiteItems(items: ReadonlyArray<{ site: string }>, stored: { has(id: string): boolean }): number[] {
  const fresh: number[] = [];
  for (let i = 0; i < items.length; i++) if (!stored.has(items[i]!.site)) fresh.push(i);
  return fresh;
}

/**
 * Of the items whose site is new to the store (`fresh`, newSiteItems), those whose site equals a stored site's id, or
 * the new site of an earlier item, but for letter case: each refused, naming `site`. Called only when some site is
 * new, so a request of known sites never reads every stored id. `created`: the new sites accepted, each once.
 */
export async function caseTwinSites(items: ReadonlyArray<{ site: string }>, fresh: readonly number[], reads: Pick<SitesReads, 'ids'>): Promise<{ problems: ItemProblem[]; created: string[] }> {
  return caseTwinsAmong(items, fresh, await reads.ids());
}

/** caseTwinSites against the stored ids `stored` (read by the caller). */
export function caseTwinsAmong(items: ReadonlyArray<{ site: string }>, fresh: readonly number[], stored: readonly string[]): { problems: ItemProblem[]; created: string[] } {
  const ids = [...stored];
  const problems: ItemProblem[] = [];
  const created = new Set<string>();
  for (const index of fresh) {
    const site = items[index]!.site;
    if (created.has(site)) continue;
    const twins = caseTwinsOf(site, ids);
    if (twins.length === 0) {
      created.add(site);
      ids.push(site);
    } else problems.push({ index, path: ['site'], message: caseTwinMessage(site, twins) });
  }
  return { problems, created: [...created] };
}

/** Whether sites new to the store, created by several requests written as one, include two that differ only in letter case. */
export function includesCaseTwins(created: readonly string[]): boolean {
  return created.some((site, i) => caseTwinsOf(site, created.slice(0, i)).length > 0);
}

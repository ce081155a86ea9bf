// Lists of ids in a query or on a command line (export filters ?site= ?standard= ?outcome=, `keys create --site`):
// the one rule of how they are written and read, shared by the server, the dashboard, the extension and the CLI.
// Several values (site=a&site=b) are each one id, taken whole; one value lists ids between commas, unless it is
// itself an id (a site stored before commas were refused in site ids keeps its comma: site=North%2C%20Annex).

/** Why a new site's id is refused when it holds a comma (docs/api.md, "Lists"); null when it holds none. */
export function siteIdProblem(id: string): string | null {
  return id.includes(',') ? 'must not contain a comma: lists of sites separate ids with commas (site=a,b), so a site id cannot hold one' : null;
}

/**
 * A site id in its one stored form, Unicode NFC: "Zürich" typed precomposed (ü, U+00FC) and decomposed (u + U+0308)
 * is one site. Every write takes a site id in this form (events, milestones, sites, keys' site lists, integrations).
 */
export function normalSiteId(id: string): string {
  return id.normalize('NFC');
}

/**
 * Whether two site ids name one site: the same text, or the same in NFC. A list kept before site ids were normalised
 * (a key's sites, a standard's scope) may hold another form of a site new events now name in NFC.
 */
export function sameSiteId(a: string, b: string): boolean {
  return a === b || normalSiteId(a) === normalSiteId(b);
}

/**
 * The site a read names by `id`: the stored site of exactly that id (one stored before ids were normalised keeps
 * its id, and is found by it), else the id's NFC form (normalSiteId).
 */
export function siteIdAsRead(id: string, isStored: (id: string) => boolean): string {
  return isStored(id) ? id : normalSiteId(id);
}

/**
 * Every id a list of `values` may name (each value whole, and the parts between its commas), as given and in NFC
 * (siteIdAsRead): what to look up first.
 */
export function idListCandidates(values: readonly string[]): string[] {
  const given = values.flatMap((v) => [v.trim(), ...v.split(',').map((s) => s.trim())]);
  return [...new Set([...given, ...given.map(normalSiteId)])];
}

/**
 * The ids a list names, trimmed, each once, in order. Several values: each one id, whole. One value: itself when
 * `isWhole` says it is an id, else the ids between its commas. An empty id ('', 'a,,b') is kept as '' for the caller
 * to refuse.
 */
export function readIdList(values: readonly string[], isWhole: (id: string) => boolean): string[] {
  return [...new Set(idListAsGiven(values, isWhole))];
}

/**
 * readIdList with an id named twice kept at each place: for a caller that merges repeats itself and names a refused id
 * by its place in the list as given (`keys create --site`).
 */
export function idListAsGiven(values: readonly string[], isWhole: (id: string) => boolean): string[] {
  const one = values.length === 1 ? values[0]!.trim() : null;
  return one === null ? values.map((v) => v.trim()) : isWhole(one) ? [one] : one.split(',').map((s) => s.trim());
}

/** Writes a list to a query the way readIdList reads it whatever the ids hold: one parameter per id. */
export function appendIdList(query: URLSearchParams, name: string, ids: readonly string[]): void {
  for (const id of ids) query.append(name, id);
}

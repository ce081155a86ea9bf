// Lists of ids in a query or on a command line (export filters ?site= ?standard= ?outcome=, `keys create --site`):
// the one rule of how they are written and read, shared by the server, the dashboard, the extension and the CLI.
// Several values (site=a&site=b) are each one id, taken whole; one value lists ids between commas, unless it is
// itself an id (a site stored before commas were refused in site ids keeps its comma: site=North%2C%20Annex).

/** Why a new site's id is refused when it holds a comma (docs/api.md, "Lists"); null when it holds none. */
export function siteIdProblem(id: string): string | null {
  return id.includes(',') ? 'must not contain a comma: lists of sites separate ids with commas (site=a,b), so a site id cannot hold one' : null;
}

/** Every id a list of `values` may name (each value whole, and the parts between its commas): what to look up first. */
export function idListCandidates(values: readonly string[]): string[] {
  return [...new Set(values.flatMap((v) => [v.trim(), ...v.split(',').map((s) => s.trim())]))];
}

/**
 * The ids a list names, trimmed, each once, in order. Several values: each one id, whole. One value: itself when
 * `isWhole` says it is an id, else the ids between its commas. An empty id ('', 'a,,b') is kept as '' for the caller
 * to refuse.
 */
export function readIdList(values: readonly string[], isWhole: (id: string) => boolean): string[] {
  const one = values.length === 1 ? values[0]!.trim() : null;
  const ids = one === null ? values.map((v) => v.trim()) : isWhole(one) ? [one] : one.split(',').map((s) => s.trim());
  return [...new Set(ids)];
}

/** Writes a list to a query the way readIdList reads it whatever the ids hold: one parameter per id. */
export function appendIdList(query: URLSearchParams, name: string, ids: readonly string[]): void {
  for (const id of ids) query.append(name, id);
}

// A store's schema version against this release's: the one rule every way of opening a store applies (SQLite's
// PRAGMA user_version, PostgreSQL's ringside_schema), in one wording.

/** A store written by a newer release: none of this release's ways of opening it may read or change it. */
export const newerSchema = (current: number, latest: number): string =>
  `database schema version ${current} is newer than this Ringside understands (${latest}); upgrade Ringside`;

/** A store whose schema is not this release's, where it is read as it is (read-only: nothing migrated). */
export class SchemaError extends Error {
  constructor(
    readonly current: number,
    readonly latest: number,
    message: string,
  ) {
    super(message);
  }
  /** An older release's store: a start of this release upgrades it. */
  get older(): boolean {
    return this.current < this.latest;
  }
}

/**
 * Throws when a store at `current` cannot be read as it is by this release (at `latest`). An older release's store
 * is not yet in the tables this release reads: read as it is, it would be refused in SQL's words ("no such table")
 * or, worse, read wrong; a newer release's may hold what this one does not know.
 */
export function checkReadableSchema(current: number, latest: number, what: string, options: { olderSchema?: 'allow' } = {}): void {
  if (current > latest) throw new SchemaError(current, latest, `${what}: ${newerSchema(current, latest)}`);
  if (current < latest && options.olderSchema !== 'allow') {
    throw new SchemaError(current, latest, `${what} has database schema version ${current}, older than this Ringside's (${latest}), and this command reads a store as it is, without upgrading it: start this release's server on it once (it upgrades the store at start, docs/operations.md "Upgrades"), then run the command again, or run it with the release that wrote the store`);
  }
}

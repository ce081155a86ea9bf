// Standards as stored data: every version kept, the highest version of each id is in force.
import type Database from 'better-sqlite3';
import type { Standard } from '../protocol';

export interface StandardStore {
  /** The version in force of every standard, ordered by id. */
  current(): Standard[];
}

export function createStandardStore(db: Database.Database, defaults: readonly Standard[], now: () => number): StandardStore {
  const seed = db.prepare(
    'INSERT INTO standards (id, version, definition, created_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT (id, version) DO NOTHING',
  );
  db.transaction(() => {
    for (const s of defaults) seed.run(s.id, s.version, JSON.stringify(s), now());
  })();
  const latest = db.prepare<[], { definition: string }>(`
    SELECT definition FROM standards s
    WHERE version = (SELECT MAX(version) FROM standards WHERE id = s.id)
    ORDER BY id`);
  return { current: () => latest.all().map((r) => JSON.parse(r.definition) as Standard) };
}

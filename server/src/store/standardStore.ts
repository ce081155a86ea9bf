// Standards as stored data. Every change is a new version (append-only table); a version is valid on
// occurredAt from its validFrom until the next version's validFrom. Events are judged by the version in
// force when they happened; the version in force now is what lists and reports show.
import type Database from 'better-sqlite3';
import type { Standard, StandardDefinition, StandardVersion } from '../protocol';
import { completeDefinition, DEFAULT_WINDOWS, defaultBands, definitionKey } from '../domain/standards';
import { storableText } from './text';
import { chainWriter } from './sqlite/chain';

export class StandardChangeError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'StandardChangeError';
  }
}

/** `keptRetired`: a standards file listed a standard retired over the API, which the file does not revive. */
export type ChangeResult = { changed: boolean; standard: StandardVersion; keptRetired?: true };

export interface StandardStore {
  /** The version in force now of every standard that is not retired, ordered by id. */
  current(): Standard[];
  /** The non-retired versions in force at `ms` (occurredAt), for judging. */
  inForceAt(ms: number): Standard[];
  /** The version in force now (retired or not), or undefined for an unknown id. */
  get(id: string): StandardVersion | undefined;
  /** Every version of a standard, oldest first, with validity periods; [] for an unknown id. */
  versions(id: string): StandardVersion[];
  /** Every id ever defined. */
  ids(): string[];
  /** POST: a new standard (409 if one with this id is in force; a retired id is revived as a new version). */
  create(def: StandardDefinition): ChangeResult;
  /** PUT: a new version if anything changed (404 unknown id). */
  update(id: string, def: StandardDefinition): ChangeResult;
  /** DELETE: a retirement version (history stays), valid from `validFrom` or else from now. */
  retire(id: string, validFrom?: number): ChangeResult;
  /** From the standards file: create, or a new version when the definition differs from the latest. */
  apply(def: StandardDefinition): ChangeResult;
  /**
   * Applies several definitions (the standards file) all-or-nothing; listeners hear one change. A standard
   * whose latest version is a retirement stays retired (`keptRetired`): only POST revives it.
   */
  applyAll(defs: readonly StandardDefinition[]): ChangeResult[];
  /** Called after every change. */
  onChange(listener: () => void): () => void;
}

interface Row {
  id: string;
  version: number;
  definition: string;
  created_at_ms: number;
  valid_from_ms: number | null;
  retired: 0 | 1;
}

export function createStandardStore(db: Database.Database, defaults: readonly Standard[], now: () => number): StandardStore {
  const chain = chainWriter(db);
  const seed = db.prepare(
    'INSERT INTO standards (id, version, definition, created_at_ms, valid_from_ms, retired) VALUES (?, ?, ?, ?, NULL, 0) ON CONFLICT (id, version) DO NOTHING RETURNING id, version, definition, created_at_ms, valid_from_ms, retired',
  ).raw(true);
  const hasAny = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM standards WHERE id = ?');
  db.transaction(() => {
    for (const s of defaults) {
      if (hasAny.get(s.id)!.n > 0) continue;
      const row = seed.get(s.id, s.version, JSON.stringify(s), now()) as unknown[] | undefined;
      if (row) chain.append('standard', row, row[3] as number);
    }
  })();
  const allRows = db.prepare<[], Row>('SELECT * FROM standards ORDER BY id, version');
  const insert = db.prepare('INSERT INTO standards (id, version, definition, created_at_ms, valid_from_ms, retired) VALUES (?, ?, ?, ?, ?, ?) RETURNING *').raw(true);
  const judgedSince = db.prepare<[string, number], { n: number }>(
    'SELECT COUNT(*) AS n FROM (SELECT 1 FROM judgements j JOIN events e ON e.seq = j.event_seq WHERE j.standard_id = ? AND e.occurred_at_ms >= ? LIMIT 1)',
  );
  const latestJudgedFrom = db.prepare<[string, number], { ms: number | null }>(
    'SELECT MAX(e.occurred_at_ms) AS ms FROM events e JOIN judgements j ON j.event_seq = e.seq WHERE j.standard_id = ? AND e.occurred_at_ms >= ?',
  );
  const listeners = new Set<() => void>();
  let quiet = false;
  let byId = load();

  function load(): Map<string, StandardVersion[]> {
    const map = new Map<string, StandardVersion[]>();
    for (const row of allRows.all()) {
      const list = map.get(row.id) ?? [];
      list.push(toVersion(row));
      map.set(row.id, list);
    }
    for (const list of map.values()) {
      list.forEach((v, i) => (v.validTo = list[i + 1]?.validFrom ?? null));
    }
    return map;
  }

  function inForce(list: readonly StandardVersion[], ms: number): StandardVersion | undefined {
    let found: StandardVersion | undefined;
    for (const v of list) if (v.validFrom === null || Date.parse(v.validFrom) <= ms) found = v;
    return found;
  }

  /** `keepJudged`: events on or after validFrom already judged keep their judgements (a retirement "now"). */
  function addVersion(id: string, body: Omit<Standard, 'version' | 'validFrom'>, validFromMs: number | null, keepJudged = false): StandardVersion {
    const list = byId.get(id) ?? [];
    const latest = list.at(-1);
    if (latest && validFromMs !== null) {
      const latestFrom = latest.validFrom === null ? -Infinity : Date.parse(latest.validFrom);
      if (validFromMs <= latestFrom) {
        throw new StandardChangeError(409, 'validFrom', `must be later than the validity start of version ${latest.version} (${latest.validFrom ?? 'the beginning'})`);
      }
      if (!keepJudged && judgedSince.get(id, validFromMs)!.n > 0) {
        throw new StandardChangeError(409, 'validFrom', `events on or after ${new Date(validFromMs).toISOString()} were already judged by an earlier version; history is not rewritten (use a later validFrom)`);
      }
    }
    if (latest && validFromMs === null) throw new StandardChangeError(409, 'validFrom', 'only the first version can be valid since the beginning');
    const version = (latest?.version ?? 0) + 1;
    const standard: Standard = { ...body, version, validFrom: validFromMs === null ? null : new Date(validFromMs).toISOString(), retired: body.retired ?? false };
    const row = insert.get(id, version, JSON.stringify(standard), now(), validFromMs, standard.retired ? 1 : 0) as unknown[];
    chain.append('standard', row, row[3] as number);
    byId = load();
    if (!quiet) for (const l of listeners) l();
    return byId.get(id)!.at(-1)!;
  }

  /** "Now" for a change without validFrom, or just after the latest event already judged if that is later (clock skew). */
  function effectiveNow(id: string): number {
    const t = now();
    const latest = latestJudgedFrom.get(id, t)?.ms;
    const latestFrom = byId.get(id)?.at(-1)?.validFrom;
    // Two changes within one millisecond still get increasing validity starts.
    const afterPrevious = latestFrom ? Date.parse(latestFrom) + 1 : -Infinity;
    return Math.max(t, afterPrevious, latest === null || latest === undefined ? -Infinity : latest + 1);
  }

  /**
   * DELETE without validFrom: now, not after the latest judged event. Ingest accepts events dated up to five
   * minutes ahead (clock skew); one of those would otherwise keep a deleted standard in force for minutes.
   * Such events keep the judgement they got (events are never re-judged); later ones are not judged by it.
   */
  function retirementNow(id: string): number {
    const latestFrom = byId.get(id)?.at(-1)?.validFrom;
    return Math.max(now(), latestFrom ? Date.parse(latestFrom) + 1 : -Infinity);
  }

  function change(givenId: string, given: StandardDefinition): ChangeResult {
    const id = storableText(givenId);
    const def = storableDefinition(given);
    const latest = byId.get(id)?.at(-1);
    const body = { ...completeDefinition(def), retired: false };
    if (latest && !latest.retired && definitionKey(body) === definitionKey(latest)) return { changed: false, standard: latest };
    // The first version of a standard is valid since the beginning unless it says otherwise.
    // A validFrom equal to the latest version's own is an echo of what GET showed, not a request: ignore it.
    const echoed = def.validFrom !== undefined && latest?.validFrom != null && Date.parse(def.validFrom) === Date.parse(latest.validFrom);
    const validFrom = def.validFrom !== undefined && !echoed ? Date.parse(def.validFrom) : latest ? effectiveNow(id) : null;
    return { changed: true, standard: db.transaction(() => addVersion(id, body, validFrom))() };
  }

  return {
    current: () =>
      [...byId.values()]
        .map((list) => inForce(list, now()))
        .filter((v): v is StandardVersion => v !== undefined && !v.retired)
        .map(stripValidity),
    inForceAt: (ms) =>
      [...byId.values()]
        .map((list) => inForce(list, ms))
        .filter((v): v is StandardVersion => v !== undefined && !v.retired)
        .map(stripValidity),
    get: (id) => {
      const list = byId.get(id);
      return list ? (inForce(list, now()) ?? list[0]) : undefined;
    },
    versions: (id) => byId.get(id) ?? [],
    ids: () => [...byId.keys()],
    create(def) {
      const latest = byId.get(def.id)?.at(-1);
      if (latest && !latest.retired) throw new StandardChangeError(409, 'id', `standard "${def.id}" already exists (version ${latest.version}); use PUT to change it`);
      return change(def.id, def);
    },
    update(id, def) {
      if (!byId.has(id)) throw new StandardChangeError(404, 'id', `unknown standard "${id}"`);
      if (def.id !== id) throw new StandardChangeError(400, 'id', `must match the standard in the URL ("${id}")`);
      return change(id, def);
    },
    retire(id, validFrom) {
      const latest = byId.get(id)?.at(-1);
      if (!latest) throw new StandardChangeError(404, 'id', `unknown standard "${id}"`);
      if (latest.retired) throw new StandardChangeError(409, 'id', `standard "${id}" is already retired (version ${latest.version})`);
      const { version: _v, validFrom: _f, validTo: _t, createdAt: _c, ...body } = latest;
      const retirement = { ...body, retired: true };
      return { changed: true, standard: db.transaction(() => addVersion(id, retirement, validFrom ?? retirementNow(id), validFrom === undefined))() };
    },
    apply(def) {
      return change(def.id, def);
    },
    applyAll(defs) {
      quiet = true;
      let results: ChangeResult[];
      try {
        results = db.transaction(() =>
          defs.map((def, index): ChangeResult => {
            const latest = byId.get(def.id)?.at(-1);
            // Retiring is an explicit act over the API; a file that still lists the standard (as it did when the
            // server started) must not quietly undo it on the next reload or restart.
            if (latest?.retired) return { changed: false, standard: latest, keptRetired: true };
            try {
              return change(def.id, def);
            } catch (error) {
              if (error instanceof StandardChangeError) throw new StandardChangeError(error.status, `standards.${index}.${error.path}`, error.message);
              throw error;
            }
          }),
        )();
      } catch (error) {
        byId = load(); // the transaction rolled back: forget versions cached inside it
        throw error;
      } finally {
        quiet = false;
      }
      if (results.some((r) => r.changed)) for (const l of listeners) l();
      return results;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The definition with its free text as SQLite will store it (store/text.ts). */
function storableDefinition(def: StandardDefinition): StandardDefinition {
  const list = (names: string[] | undefined) => names?.map((n) => storableText(n));
  const scope = def.scope && { ...def.scope, ...(def.scope.sites ? { sites: list(def.scope.sites) } : {}), ...(def.scope.queues ? { queues: list(def.scope.queues) } : {}) };
  return { ...def, id: storableText(def.id), name: storableText(def.name), ...(scope ? { scope } : {}) };
}

function toVersion(row: Row): StandardVersion {
  const s = JSON.parse(row.definition) as Standard;
  return {
    // Versions stored before issue #3 lack the newer fields: make their (then implicit) values explicit.
    shortAbandonSeconds: null,
    scope: {},
    bands: defaultBands(s.target),
    windows: DEFAULT_WINDOWS,
    countOutsideHours: false,
    ...s,
    version: row.version,
    validFrom: row.valid_from_ms === null ? null : new Date(row.valid_from_ms).toISOString(),
    validTo: null,
    retired: row.retired === 1,
    createdAt: new Date(row.created_at_ms).toISOString(),
  };
}

function stripValidity(v: StandardVersion): Standard {
  const { validTo: _t, createdAt: _c, ...standard } = v;
  return standard;
}

// API keys as stored: only the SHA-256 hash of each secret, never the secret.
import type { KeysReads, StoredKey } from '../port';
import type { Statements } from './database';
import { storableText } from './text';

interface KeyRow {
  id: string;
  name: string;
  scopes: string;
  sites: string | null;
  hash: string;
  prefix: string;
  source: StoredKey['source'];
  created_at_ms: number;
  expires_at_ms: number | null;
  revoked_at_ms: number | null;
  last_used_at_ms: number | null;
}

const toKey = (r: KeyRow): StoredKey => ({
  id: r.id,
  name: r.name,
  scopes: JSON.parse(r.scopes) as string[],
  sites: r.sites === null ? null : (JSON.parse(r.sites) as string[]),
  hash: r.hash,
  prefix: r.prefix,
  source: r.source,
  createdAtMs: r.created_at_ms,
  expiresAtMs: r.expires_at_ms,
  revokedAtMs: r.revoked_at_ms,
  lastUsedAtMs: r.last_used_at_ms,
});

export function keysReads(s: Statements): KeysReads {
  const one = (sql: string, arg: string) => {
    const row = s.get(sql).get(arg) as KeyRow | undefined;
    return row ? toKey(row) : undefined;
  };
  return {
    list: async () => (s.get('SELECT * FROM api_keys ORDER BY created_at_ms, id').all() as KeyRow[]).map(toKey),
    get: async (id) => one('SELECT * FROM api_keys WHERE id = ?', id),
    byHash: async (hash) => one('SELECT * FROM api_keys WHERE hash = ?', hash),
    // The list as one JSON parameter: one prepared statement whatever its length, and no limit on bound variables.
    byIds: async (ids) => (s.get('SELECT * FROM api_keys WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as KeyRow[]).map(toKey),
    activeCount: async (nowMs) => (s.get('SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at_ms IS NULL AND (expires_at_ms IS NULL OR expires_at_ms > ?)').get(nowMs) as { n: number }).n,
  };
}

export function writeKey(s: Statements, k: Omit<StoredKey, 'revokedAtMs' | 'lastUsedAtMs'>): void {
  s.get(`INSERT INTO api_keys (id, name, scopes, sites, hash, prefix, source, created_at_ms, expires_at_ms)
    VALUES (@id, @name, @scopes, @sites, @hash, @prefix, @source, @createdAtMs, @expiresAtMs)`).run({ ...k, name: storableText(k.name), scopes: JSON.stringify(k.scopes), sites: k.sites === null ? null : JSON.stringify(k.sites.map(storableText)) });
}

/** Revokes (a second revocation keeps the first time); false when there is no such key. */
export const revokeKey = (s: Statements, id: string, atMs: number): boolean => s.get('UPDATE api_keys SET revoked_at_ms = COALESCE(revoked_at_ms, ?) WHERE id = ?').run(atMs, id).changes > 0;

export function keysUsed(s: Statements, lastUse: ReadonlyMap<string, number>): void {
  const touch = s.get('UPDATE api_keys SET last_used_at_ms = MAX(COALESCE(last_used_at_ms, 0), ?) WHERE id = ?');
  for (const [id, at] of lastUse) touch.run(at, id);
}

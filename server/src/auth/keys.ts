// API keys: random secrets shown once, stored only as SHA-256 hashes, named, scoped, expiring, revocable.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { isScope, type Scope } from './scopes';
import { storableText } from '../store/text';

export const KEY_PREFIX = 'rs_';
/** How often at most a key's last use is written (the rest lives in memory until then). */
export const LAST_USED_WRITE_INTERVAL_MS = 60_000;

export type KeySource = 'api' | 'cli' | 'auto' | 'env';

/** A key as listed: never the secret, never the hash. */
export interface ApiKeyInfo {
  id: string;
  name: string;
  scopes: Scope[];
  /** The first characters of the secret, to tell keys apart ("rs_AbC…"). */
  prefix: string;
  source: KeySource;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
}

export interface CreatedKey {
  key: string;
  info: ApiKeyInfo;
}

export interface NewKeyRequest {
  name: string;
  scopes: readonly Scope[];
  expiresAtMs?: number | null;
  source: KeySource;
}

export type Authentication = { ok: true; key: ApiKeyInfo } | { ok: false; reason: 'unknown' | 'expired' | 'revoked' };

export interface KeyStore {
  create(request: NewKeyRequest): CreatedKey;
  list(): ApiKeyInfo[];
  get(id: string): ApiKeyInfo | undefined;
  /** Revokes; false if there is no such key. Revoking twice keeps the first time. */
  revoke(id: string): boolean;
  authenticate(secret: string): Authentication;
  /** Keys that can still be used (not revoked, not expired). */
  activeCount(): number;
  /** Writes pending last-use times (also done on a throttle and at close). */
  flush(): void;
  /** Called with the id of each key revoked through this store (live sockets using it are cut). */
  onRevoked(listener: (id: string) => void): () => void;
}

interface KeyRow {
  id: string;
  name: string;
  scopes: string;
  hash: string;
  prefix: string;
  source: KeySource;
  created_at_ms: number;
  expires_at_ms: number | null;
  revoked_at_ms: number | null;
  last_used_at_ms: number | null;
}

export function generateSecret(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function createKeyStore(db: Database.Database, now: () => number = Date.now, envKey?: string): KeyStore {
  const insert = db.prepare(`
    INSERT INTO api_keys (id, name, scopes, hash, prefix, source, created_at_ms, expires_at_ms)
    VALUES (@id, @name, @scopes, @hash, @prefix, @source, @createdAtMs, @expiresAtMs)`);
  const all = db.prepare<[], KeyRow>('SELECT * FROM api_keys ORDER BY created_at_ms, id');
  const byId = db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE id = ?');
  const byHash = db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE hash = ?');
  const revokeStmt = db.prepare('UPDATE api_keys SET revoked_at_ms = COALESCE(revoked_at_ms, ?) WHERE id = ?');
  const touch = db.prepare('UPDATE api_keys SET last_used_at_ms = MAX(COALESCE(last_used_at_ms, 0), ?) WHERE id = ?');
  const active = db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at_ms IS NULL AND (expires_at_ms IS NULL OR expires_at_ms > ?)');

  const pending = new Map<string, number>();
  const revokedListeners = new Set<(id: string) => void>();
  const written = new Map<string, number>();
  const envHash = envKey ? hashSecret(envKey) : null;
  const envCreated = now();
  let envLastUsed: number | null = null;

  const info = (row: KeyRow): ApiKeyInfo => {
    const lastUsed = Math.max(row.last_used_at_ms ?? 0, pending.get(row.id) ?? 0);
    return {
      id: row.id,
      name: row.name,
      scopes: (JSON.parse(row.scopes) as unknown[]).filter(isScope),
      prefix: row.prefix,
      source: row.source,
      createdAt: iso(row.created_at_ms),
      expiresAt: row.expires_at_ms === null ? null : iso(row.expires_at_ms),
      revokedAt: row.revoked_at_ms === null ? null : iso(row.revoked_at_ms),
      lastUsedAt: lastUsed ? iso(lastUsed) : null,
      status: row.revoked_at_ms !== null ? 'revoked' : row.expires_at_ms !== null && row.expires_at_ms <= now() ? 'expired' : 'active',
    };
  };
  const envInfo = (): ApiKeyInfo => ({
    id: 'env',
    name: 'RINGSIDE_API_KEY',
    scopes: ['admin'],
    prefix: '(env)',
    source: 'env',
    createdAt: iso(envCreated),
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: envLastUsed === null ? null : iso(envLastUsed),
    status: 'active',
  });

  function flush(): void {
    if (pending.size === 0) return;
    const entries = [...pending];
    pending.clear();
    try {
      db.transaction(() => entries.forEach(([id, at]) => touch.run(at, id)))();
      entries.forEach(([id, at]) => written.set(id, at));
    } catch {
      // A full or read-only disk must not turn reads into errors; last use is best effort.
    }
  }

  function recordUse(id: string): void {
    const at = now();
    pending.set(id, at);
    if (at - (written.get(id) ?? 0) >= LAST_USED_WRITE_INTERVAL_MS) flush();
  }

  return {
    create(request) {
      const secret = generateSecret();
      const createdAtMs = now();
      const id = 'k_' + randomBytes(6).toString('hex');
      insert.run({
        id,
        name: storableText(request.name),
        scopes: JSON.stringify([...new Set(request.scopes)]),
        hash: hashSecret(secret),
        prefix: secret.slice(0, 7),
        source: request.source,
        createdAtMs,
        expiresAtMs: request.expiresAtMs ?? null,
      });
      return { key: secret, info: info(byId.get(id)!) };
    },
    list: () => [...(envHash ? [envInfo()] : []), ...all.all().map(info)],
    get: (id) => (id === 'env' && envHash ? envInfo() : (() => {
      const row = byId.get(id);
      return row ? info(row) : undefined;
    })()),
    revoke(id) {
      const changed = revokeStmt.run(now(), id).changes > 0;
      if (changed) revokedListeners.forEach((listener) => listener(id));
      return changed;
    },
    authenticate(secret) {
      const hash = hashSecret(secret);
      if (envHash && timingSafeEqual(Buffer.from(hash), Buffer.from(envHash))) {
        envLastUsed = now();
        return { ok: true, key: envInfo() };
      }
      // The lookup is by hash, so timing reveals nothing about the secret itself.
      const row = byHash.get(hash);
      if (!row) return { ok: false, reason: 'unknown' };
      if (row.revoked_at_ms !== null) return { ok: false, reason: 'revoked' };
      if (row.expires_at_ms !== null && row.expires_at_ms <= now()) return { ok: false, reason: 'expired' };
      recordUse(row.id);
      return { ok: true, key: info(row) };
    },
    activeCount: () => active.get(now())!.n,
    flush,
    onRevoked(listener) {
      revokedListeners.add(listener);
      return () => revokedListeners.delete(listener);
    },
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

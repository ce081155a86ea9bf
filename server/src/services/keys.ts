// API keys: create (the secret is shown once), list, revoke, and authenticate a request's key. Keys are kept as
// hashes (domain/keys.ts). RINGSIDE_API_KEY is accepted as an admin key and never stored. A key's last use is kept in
// memory and written at most once a minute per key (and at close): authentication must not write on every request.
import { timingSafeEqual } from 'node:crypto';
import type { FieldProblem } from '../protocol';
import { isoWithOffset, isStorableText, LIMITS, malformedTextProblem, notAnRfc3339Timestamp } from '../protocol';
import { notAnObjectMessage, oneOfMessage, unknownFieldMessage } from '../protocol/issues';
import { allows, generateKeyId, generateSecret, hashSecret, isScope, keyStatus, prefixOf, SCOPES, type KeyStatus, type Scope } from '../domain/keys';
import type { Store, StoredKey, StoreReads, WriteTx } from '../store/port';
import { DomainError, FieldErrors, INVALID_KEY_REQUEST } from '../domain/errors';
import { normalSiteId, siteIdProblem } from '../protocol/pure/idLists';
import { listCaseTwinProblems } from './sites';

/** How often at most a key's last use is written (the rest lives in memory until then). */
const LAST_USED_WRITE_INTERVAL_MS = 60_000;

type KeySource = 'api' | 'cli' | 'auto' | 'env';

/** The key given in the environment: its id (in the audit log) and name (in manifests and the audit-log export). */
export const ENV_KEY = { id: 'env', name: 'RINGSIDE_API_KEY' } as const;

/** A key as listed: never the secret, never the hash. */
export interface ApiKeyInfo {
  id: string;
  name: string;
  scopes: Scope[];
  /** The sites the key may write events and milestones of; null: every site. */
  sites: string[] | null;
  /** The first characters of the secret, to tell keys apart ("rs_AbC…"). */
  prefix: string;
  source: KeySource;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  status: KeyStatus;
}

export interface CreatedKey {
  key: string;
  info: ApiKeyInfo;
}

export interface NewKeyRequest {
  name: string;
  scopes: readonly Scope[];
  /**
   * Limits writing to these sites (ingest keys only); null or absent: every site. As the request lists them (a
   * refusal names `sites.<i>` by that list); a site listed twice is stored once.
   */
  sites?: readonly string[] | null;
  expiresAtMs?: number | null;
  source: Exclude<KeySource, 'env'>;
}

/**
 * What revoking a key did: `already-revoked` changed nothing (`key.revokedAt`: the first time); `lastAdmin`: no
 * active admin key is left (the keys subcommand may do that, and warns).
 */
export type Revocation = { outcome: 'unknown' } | { outcome: 'revoked' | 'already-revoked'; key: ApiKeyInfo; lastAdmin: boolean };

/** Why the API refuses to revoke the last active admin key: nothing could then manage keys over the API. */
const LAST_ADMIN_MESSAGE =
  'is the last active admin key: revoking it would leave no key that can manage keys over the API (only `keys create` on a machine with the data folder could make one). Create another admin key first (POST /api/v1/keys with scopes ["admin"]), then revoke this one with it';

/** A key refused: unknown, or known but revoked or expired (then its id, for the log: never the secret). */
export type Authentication = { ok: true; key: ApiKeyInfo } | { ok: false; reason: 'unknown' } | { ok: false; reason: 'expired' | 'revoked'; keyId: string };

/**
 * Whether a key may open the live feed (scope `read`), and if not, the refusal its socket's handshake sends
 * (`connect_error` with this message and `{ status, reason }` as data). The dashboard page at `/` carries the same
 * refusal instead of its first paint, so it asks for a key without trying one that would be refused.
 */
export type LiveAccess = { ok: true; key: ApiKeyInfo } | { ok: false; status: 401 | 403; reason: string; message: string };

/** A stored key as lists show it; `pendingUseMs`: a use this process has not written yet. */
function keyInfo(k: StoredKey, nowMs: number, pendingUseMs = 0): ApiKeyInfo {
  const lastUsed = Math.max(k.lastUsedAtMs ?? 0, pendingUseMs);
  return {
    id: k.id,
    name: k.name,
    scopes: k.scopes.filter(isScope),
    sites: k.sites,
    prefix: k.prefix,
    source: k.source,
    createdAt: iso(k.createdAtMs),
    expiresAt: k.expiresAtMs === null ? null : iso(k.expiresAtMs),
    revokedAt: k.revokedAtMs === null ? null : iso(k.revokedAtMs),
    lastUsedAt: lastUsed ? iso(lastUsed) : null,
    status: keyStatus(k, nowMs),
  };
}

/** The stored keys, read only (`keys list`: a store opened read-only, beside a server or in a folder it may not write). */
export async function listStoredKeys(reads: StoreReads, nowMs: number): Promise<ApiKeyInfo[]> {
  return (await reads.keys.list()).map((k) => keyInfo(k, nowMs));
}

export type KeyRequestValidation = { ok: true; name: string; scopes: Scope[]; sites: string[] | null; expiresAtMs: number | null } | { ok: false; errors: FieldProblem[] };

const MAX_NAME = 100;
const KNOWN_FIELDS = ['name', 'scope', 'scopes', 'sites', 'expiresAt'];
const MAX_SITES = 100;
/** What a key limited to a site that would be a second site could do, as its refusal says. */
const TWIN_LIMITED_TO = 'a key limited to it could write nothing';
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Checks a request for a new key (the API's body, the `keys create` command's options); every problem names its field.
 * `isStoredSite`, when the caller has read the store: which site ids are stored, so that a site no key could write
 * (unwritableSiteProblem) is named with the request's other problems; without it, create() still refuses one.
 * `storedSiteIds`, likewise: every stored site id, so that a site that would be a second site (refuseNewSiteIds) is
 * named with them too; create() checks it again in its write.
 */
export function validateKeyRequest(body: unknown, nowMs: number, isStoredSite?: (id: string) => boolean, storedSiteIds?: readonly string[]): KeyRequestValidation {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, errors: [{ path: '(body)', message: notAnObjectMessage(body) }] };
  const b = body as Record<string, unknown>;
  const errors: FieldProblem[] = Object.keys(b).filter((k) => !KNOWN_FIELDS.includes(k)).map((k) => ({ path: k, message: unknownFieldMessage(k, KNOWN_FIELDS) }));
  const name = typeof b.name === 'string' ? b.name.trim() : '';
  const malformed = typeof b.name === 'string' ? malformedTextProblem(b.name) : null;
  if (typeof b.name !== 'string') errors.push({ path: 'name', message: 'is required (a string)' });
  else if (malformed) errors.push({ path: 'name', message: malformed });
  else if (name === '' || name.length > MAX_NAME) errors.push({ path: 'name', message: `must be 1 to ${MAX_NAME} characters` });
  const scopes = requestedScopes(b, errors);
  const sites = requestedSites(b.sites, scopes, errors, isStoredSite, storedSiteIds);
  let expiresAtMs: number | null = null;
  if (b.expiresAt !== undefined && b.expiresAt !== null) {
    const parsed = isoWithOffset.safeParse(b.expiresAt);
    if (!parsed.success) errors.push({ path: 'expiresAt', message: parsed.error.issues[0]?.message ?? notAnRfc3339Timestamp(b.expiresAt) });
    else if (Date.parse(parsed.data) <= nowMs) errors.push({ path: 'expiresAt', message: 'must be in the future' });
    else expiresAtMs = Date.parse(parsed.data);
  }
  return errors.length ? { ok: false, errors } : { ok: true, name, scopes, sites, expiresAtMs };
}

/** `scopes` (a list) or `scope` (one), not both (one would be ignored); problems are added to `errors`. */
function requestedScopes(b: Record<string, unknown>, errors: FieldProblem[]): Scope[] {
  if (b.scopes !== undefined && b.scope !== undefined) errors.push({ path: 'scope', message: 'cannot be combined with scopes: give one of them' });
  const raw = b.scopes !== undefined ? b.scopes : b.scope !== undefined ? [b.scope] : undefined;
  const path = b.scopes !== undefined ? 'scopes' : 'scope';
  if (raw === undefined) errors.push({ path: 'scopes', message: `is required: a list of ${SCOPES.join(', ')}` });
  else if (!Array.isArray(raw) || raw.length === 0) errors.push({ path, message: `must be a non-empty list of ${SCOPES.join(', ')}` });
  else {
    raw.forEach((s, i) => {
      if (!isScope(s)) errors.push({ path: b.scopes !== undefined ? `scopes.${i}` : 'scope', message: oneOfMessage(SCOPES, s) });
    });
    return raw.filter(isScope);
  }
  return [];
}

/**
 * `sites`: a non-empty list of site ids, for a key with scope ingest only (reads are not limited by site, so a
 * site list on a reading key would promise what it does not do). Absent or null: every site.
 */
function requestedSites(raw: unknown, scopes: readonly Scope[], errors: FieldProblem[], isStoredSite?: (id: string) => boolean, storedSiteIds?: readonly string[]): string[] | null {
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_SITES) {
    errors.push({ path: 'sites', message: `must be a list of 1 to ${MAX_SITES} site ids` });
    return null;
  }
  // Read as listCaseTwinProblems reads a list: each entry at its place, an entry refused here as none of them.
  const asGiven: Array<string | null> = raw.map((site, i) => {
    const malformed = typeof site === 'string' ? malformedTextProblem(site) : null;
    if (typeof site !== 'string' || site.trim() === '' || site.trim().length > LIMITS.maxTextLength) errors.push({ path: `sites.${i}`, message: `must be a site id (1 to ${LIMITS.maxTextLength} characters)` });
    else if (malformed) errors.push({ path: `sites.${i}`, message: malformed });
    else {
      const unwritable = isStoredSite && unwritableSiteProblem(normalSiteId(site.trim()), isStoredSite);
      if (unwritable) errors.push({ path: `sites.${i}`, message: unwritable });
      else return normalSiteId(site.trim());
    }
    return null;
  });
  if (storedSiteIds && asGiven.every((id) => id !== null)) {
    for (const { index, message } of listCaseTwinProblems(asGiven, storedSiteIds, TWIN_LIMITED_TO)) errors.push({ path: `sites.${index}`, message });
  }
  if (scopes.some((s) => s !== 'ingest')) errors.push({ path: 'sites', message: 'limits writing only: a key with sites must have the scope ingest and no other' });
  // As given, repeats too: create() merges them, after naming a refused entry by its index in the request.
  return raw.filter((s): s is string => typeof s === 'string').map((s) => normalSiteId(s.trim()));
}

/** Who creates or revokes a key, as the audit log names them: an API key's id, `cli` (the keys subcommand), `system`. */
export interface KeyActor {
  keyId: string;
}

/** The keys subcommand, in the audit log: whoever can write the data folder (or the database) runs it. */
export const CLI_ACTOR: KeyActor = { keyId: 'cli' };

/** What the audit log keeps of a key: never its secret, nor the secret's first characters (its prefix). */
function auditedKey(k: Pick<StoredKey, 'name' | 'scopes' | 'sites' | 'expiresAtMs'>): Record<string, unknown> {
  return { name: k.name, scopes: k.scopes, sites: k.sites, expiresAt: k.expiresAtMs === null ? null : iso(k.expiresAtMs) };
}

/**
 * Why a key may not be limited to `site` (as stored: trimmed, NFC): an id no site could be created with (siteIdProblem:
 * a comma) would never write, unless such a site is stored from before the rule; null when it may.
 */
function unwritableSiteProblem(site: string, isStored: (id: string) => boolean): string | null {
  const problem = siteIdProblem(site);
  return problem && !isStored(site) ? `${problem} (no site "${site}" is stored)` : null;
}

/**
 * The site ids of a key request whose being stored decides whether a key may write them (unwritableSiteProblem), as
 * stored: what to look up before validateKeyRequest. Text the text rule refuses is not looked up (it is refused).
 */
export function keyRequestSitesToLookUp(body: unknown): string[] {
  const sites = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).sites : undefined;
  if (!Array.isArray(sites)) return [];
  return sites.flatMap((s) => (typeof s === 'string' && isStorableText(s) && siteIdProblem(s) !== null ? [normalSiteId(s.trim())] : []));
}

/**
 * unwritableSiteProblem in the write that stores the key, and a site that would be a second site (listCaseTwinProblems,
 * the rule ingest refuses such a new site by): one that differs from a stored one only in letter case, which a key
 * limited to it could write nothing of, and a kiosk given its link would drop every tap of; one that differs so from
 * another new site of the list, since only one of the two could have events. `sites`: the list as the request gave it
 * (trimmed, NFC; repeats not merged yet), so that the FieldErrors name each `sites.<i>` where the request has it.
 */
async function refuseNewSiteIds(tx: WriteTx, sites: readonly string[]): Promise<void> {
  if (sites.length === 0) return;
  const twins = new Map(listCaseTwinProblems(sites, await tx.sites.ids(), TWIN_LIMITED_TO).map(({ index, message }) => [index, message]));
  // Every refused entry, each at its place: one answer names every problem of the request, as validation does.
  const problems: FieldProblem[] = [];
  for (const [i, site] of sites.entries()) {
    const stored = siteIdProblem(site) !== null && (await tx.sites.get(site)) !== undefined;
    const problem = unwritableSiteProblem(site, () => stored) ?? twins.get(i);
    if (problem) problems.push({ path: `sites.${i}`, message: problem });
  }
  if (problems.length > 0) throw new FieldErrors('invalid', problems, INVALID_KEY_REQUEST.slug);
}

export class KeysService {
  private readonly pending = new Map<string, number>();
  private readonly written = new Map<string, number>();
  private readonly revokedListeners = new Set<(id: string) => void>();
  private readonly envHash: string | null;
  /** When the environment's key was taken up, as its info shows it (formatted once: every request with it is answered with its info). */
  private readonly envCreatedAt: string;
  private envLastUsed: number | null = null;

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
    envKey?: string,
  ) {
    this.envHash = envKey ? hashSecret(envKey) : null;
    this.envCreatedAt = iso(now());
  }

  /** Creates a key and records who did (`actor`) in the audit log, in the same write. */
  async create(request: NewKeyRequest, actor: KeyActor): Promise<CreatedKey> {
    const secret = generateSecret();
    const id = generateKeyId();
    const stored = { id, name: request.name, scopes: [...new Set(request.scopes)], sites: request.sites ? [...new Set(request.sites)] : null, hash: hashSecret(secret), prefix: prefixOf(secret), source: request.source, createdAtMs: this.now(), expiresAtMs: request.expiresAtMs ?? null };
    await this.store.write(async (tx) => {
      await refuseNewSiteIds(tx, request.sites ?? []);
      await tx.writes.key(stored);
      await tx.writes.auditLog({ keyId: actor.keyId, action: 'key.create', target: id, details: { ...auditedKey(stored), source: stored.source } });
    });
    return { key: secret, info: this.info((await this.store.reads.keys.get(id))!) };
  }

  async list(): Promise<ApiKeyInfo[]> {
    return [...(this.envHash ? [this.envInfo()] : []), ...(await this.store.reads.keys.list()).map((k) => this.info(k))];
  }

  async get(id: string): Promise<ApiKeyInfo | undefined> {
    if (id === 'env' && this.envHash) return this.envInfo();
    const k = await this.store.reads.keys.get(id);
    return k ? this.info(k) : undefined;
  }

  /**
   * Revokes (revoking twice keeps the first time, and logs it once); `unknown` if there is no such key. The revocation
   * is recorded in the audit log (who: `actor`) in the same write. Live sockets using the key are cut.
   * `keepAnAdmin` (the API): the last active admin key is refused (DomainError conflict naming `id`), read in the same
   * write, so two requests revoking the last two admin keys at once cannot both pass; the environment's key counts as
   * one when it is set. Without it (the keys subcommand, whose operator can write the store and make a key again)
   * the answer says whether none is left (`lastAdmin`).
   */
  async revoke(id: string, actor: KeyActor, keepAnAdmin: boolean): Promise<Revocation> {
    const result = await this.store.write(async (tx): Promise<Revocation> => {
      const key = await tx.keys.get(id);
      if (!key) return { outcome: 'unknown' };
      if (key.revokedAtMs !== null) return { outcome: 'already-revoked', key: this.info(key), lastAdmin: false };
      const now = this.now();
      const otherAdmins = this.envHash ? 1 : (await tx.keys.list()).filter((k) => k.id !== id && keyStatus(k, now) === 'active' && k.scopes.includes('admin')).length;
      const lastAdmin = keyStatus(key, now) === 'active' && key.scopes.includes('admin') && otherAdmins === 0;
      if (lastAdmin && keepAnAdmin) throw new DomainError('conflict', 'id', LAST_ADMIN_MESSAGE, undefined, 'last-admin-key');
      await tx.writes.revokeKey(id);
      await tx.writes.auditLog({ keyId: actor.keyId, action: 'key.revoke', target: id, details: auditedKey(key) });
      return { outcome: 'revoked', key: this.info((await tx.keys.get(id))!), lastAdmin };
    });
    if (result.outcome !== 'unknown') this.revokedListeners.forEach((listener) => listener(id));
    return result;
  }

  async authenticate(secret: string): Promise<Authentication> {
    const hash = hashSecret(secret);
    if (this.envHash && timingSafeEqual(Buffer.from(hash), Buffer.from(this.envHash))) {
      this.envLastUsed = this.now();
      return { ok: true, key: this.envInfo() };
    }
    // The lookup is by hash, so timing reveals nothing about the secret itself.
    const k = await this.store.reads.keys.byHash(hash);
    if (!k) return { ok: false, reason: 'unknown' };
    const status = keyStatus(k, this.now());
    if (status !== 'active') return { ok: false, reason: status, keyId: k.id };
    this.recordUse(k.id);
    return { ok: true, key: this.info(k) };
  }

  /** The live feed's key check (live/socketAuth.ts, and the dashboard page's first paint): a key with scope read. */
  async liveAccess(token: string | null): Promise<LiveAccess> {
    if (!token) return { ok: false, status: 401, reason: 'missing-key', message: 'unauthorized: an API key with scope "read" is required (auth: { token })' };
    const result = await this.authenticate(token);
    if (!result.ok) return { ok: false, status: 401, reason: `key-${result.reason}`, message: `unauthorized: the API key is ${result.reason === 'unknown' ? 'not recognised' : result.reason}` };
    if (!allows(result.key.scopes, 'read')) return { ok: false, status: 403, reason: 'insufficient-scope', message: 'forbidden: the live feed needs a key with scope "read"' };
    return result;
  }

  /**
   * Of the keys live sockets were let in with (`ids`), those that may no longer open the live feed: revoked, expired,
   * no longer holding scope read, or gone. One read for all of them, of what is committed: it sees a revocation by
   * another node, by the keys subcommand or made in the database itself, none of which onRevoked hears.
   */
  async refusedLiveKeys(ids: readonly string[]): Promise<Set<string>> {
    // The environment's key is never stored, and holds while the process runs.
    const stored = ids.filter((id) => !(id === ENV_KEY.id && this.envHash));
    const found = new Map((stored.length ? await this.store.reads.keys.byIds(stored) : []).map((k) => [k.id, k]));
    const now = this.now();
    return new Set(stored.filter((id) => {
      const key = found.get(id);
      return !key || keyStatus(key, now) !== 'active' || !allows(key.scopes.filter(isScope), 'read');
    }));
  }

  /** Keys that can still be used (not revoked, not expired). */
  activeCount(): Promise<number> {
    return this.store.reads.keys.activeCount(this.now());
  }

  /** Writes pending last-use times (also done on a throttle and at close); a failed write is not an error. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const entries = new Map(this.pending);
    this.pending.clear();
    try {
      await this.store.write((tx) => tx.writes.keysUsed(entries));
      entries.forEach((at, id) => this.written.set(id, at));
    } catch {
      // A full or read-only disk must not turn reads into errors; last use is best effort.
    }
  }

  onRevoked(listener: (id: string) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  private recordUse(id: string): void {
    const at = this.now();
    this.pending.set(id, at);
    if (at - (this.written.get(id) ?? 0) >= LAST_USED_WRITE_INTERVAL_MS) void this.flush();
  }

  private info(k: StoredKey): ApiKeyInfo {
    return keyInfo(k, this.now(), this.pending.get(k.id));
  }

  private envInfo(): ApiKeyInfo {
    return { id: ENV_KEY.id, name: ENV_KEY.name, scopes: ['admin'], sites: null, prefix: '(env)', source: 'env', createdAt: this.envCreatedAt, expiresAt: null, revokedAt: null, lastUsedAt: this.envLastUsed === null ? null : iso(this.envLastUsed), status: 'active' };
  }
}

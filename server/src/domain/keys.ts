// API keys: random secrets shown once, kept only as SHA-256 hashes, named, scoped, expiring, revocable.
import { createHash, randomBytes } from 'node:crypto';
import { API_SCOPES, type ApiScope } from '../protocol';
import { sameSiteId } from '../protocol/pure/idLists';
import { isLoopback } from '../protocol/pure/serverAddress';
import { didYouMean } from '../protocol/nearMiss';

const KEY_PREFIX = 'rs_';
/**
 * The hierarchy: admin ⊇ audit ⊇ read; ingest is separate (an integration that posts events cannot read them back),
 * and so is metrics (a monitoring system's scraper reads the server's own figures, none of the data); admin holds both.
 */
export const SCOPES = API_SCOPES;
export type Scope = ApiScope;

const IMPLIES: Record<Scope, readonly Scope[]> = {
  ingest: ['ingest'],
  read: ['read'],
  audit: ['audit', 'read'],
  admin: ['admin', 'audit', 'read', 'ingest', 'metrics'],
  metrics: ['metrics'],
};

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

/** Every scope a key holding `scopes` may act with. */
export function grantedScopes(scopes: readonly Scope[]): Set<Scope> {
  return new Set(scopes.flatMap((s) => IMPLIES[s]));
}

export function allows(scopes: readonly Scope[], needed: Scope): boolean {
  // What grantedScopes holds, asked without building the set: every API request asks.
  return scopes.some((s) => IMPLIES[s].includes(needed));
}

/**
 * Whether a key may write events or milestones of `site`. `sites` is the key's site list (null: every site): a
 * reception tablet's key writes its own desk's visits and nothing else, so a lost tablet cannot post for other sites.
 */
export function maySiteWrite(sites: readonly string[] | null, site: string): boolean {
  return sites === null || sites.includes(site) || sites.some((s) => sameSiteId(s, site));
}

/**
 * Whether a key may read a stored record of `site`, as a read naming that site is allowed (http/auth.ts keyRefusal):
 * scope read, and a key limited to sites only of those.
 */
export function mayReadSite(key: { scopes: readonly Scope[]; sites: readonly string[] | null }, site: string): boolean {
  return allows(key.scopes, 'read') && maySiteWrite(key.sites, site);
}

/** The refusal of a site outside a key's list, naming the site, the ones the key may write and the one it most likely mistypes. */
export function siteRefusal(sites: readonly string[], site: string): string {
  return `this key may write only ${sites.map((s) => JSON.stringify(s)).join(', ')}, not ${JSON.stringify(site)}${didYouMean(site, sites)}`;
}

/**
 * Whether a server without keys (--no-auth, which listens on loopback only) may answer a request whose Host header is
 * `host`: only when it names this machine (localhost, 127.x.x.x, [::1]). Any web page the user opens can make its own
 * name resolve to 127.0.0.1 (DNS rebinding) and then call the server as its own origin, which no CORS rule stops:
 * with no key to ask for, its Host (the page's name) is all that tells its requests from the user's own. A request
 * without Host (HTTP/1.0) names nothing and is answered.
 */
export function openHostAllowed(host: string | undefined): boolean {
  if (host === undefined || host === '') return true;
  const name = /^(\[[^\]]*\]|[^:]*)(?::\d*)?$/.exec(host.trim())?.[1] ?? host;
  return isLoopback(name);
}

/** The refusal's words for a Host openHostAllowed refuses. */
export function openHostRefusal(host: string): string {
  return `names ${JSON.stringify(host)}, not this machine: a server without API keys (--no-auth) answers only requests addressed to localhost, 127.0.0.1 or [::1]`;
}

export type KeyStatus = 'active' | 'expired' | 'revoked';

export const generateSecret = (): string => KEY_PREFIX + randomBytes(32).toString('base64url');
export const generateKeyId = (): string => 'k_' + randomBytes(6).toString('hex');
export const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');
/** The first characters of a secret, to tell keys apart in lists. */
export const prefixOf = (secret: string): string => secret.slice(0, 7);

export function keyStatus(k: { revokedAtMs: number | null; expiresAtMs: number | null }, nowMs: number): KeyStatus {
  if (k.revokedAtMs !== null) return 'revoked';
  return k.expiresAtMs !== null && k.expiresAtMs <= nowMs ? 'expired' : 'active';
}

/** The key in an Authorization header (`Bearer <key>`, as HTTP requests and the socket handshake send it); null without one. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

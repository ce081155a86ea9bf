// Who made a request, as the key check found it (res.locals.caller): read by the routes and the rate limit.
import { storedConflictMessage } from '../domain/contentConflicts';
import { mayReadSite } from '../domain/keys';
import type { ItemProblem } from '../services/ingest/itemProblem';
import type { ApiKeyInfo } from '../services/keys';
import type { NodeResponse } from './plain';

export interface Caller {
  /** null: no key (public route, or --no-auth). */
  key: ApiKeyInfo | null;
  /** The id of the key the request carried, for the log: the accepted key's, or a revoked or expired one's. */
  keyId: string | null;
  /** What rate limits are counted against. */
  bucket: string;
  /** The header the accepted key came in (`Authorization`, `X-Amz-Firehose-Access-Key`), which a refusal counted against it names; null without one. */
  keyHeader: string | null;
}

/** The rate-limit bucket of a caller without an accepted key (HTTP, and a live-feed connection request): its address's. */
export const addressBucket = (address: string): string => `ip:${address}`;

export function callerOf(res: NodeResponse): Caller {
  return res.locals.caller as Caller;
}

/** Who made the request, for the audit log: the API key's id, or 'anonymous' (no key: --no-auth). */
export function keyIdOf(res: NodeResponse): string {
  const caller = res.locals.caller as Caller | undefined;
  return caller?.key?.id ?? 'anonymous';
}

/** The name of the caller's API key, for export manifests; null without a key (--no-auth). */
export function keyNameOf(res: NodeResponse): string | null {
  return (res.locals.caller as Caller | undefined)?.key?.name ?? null;
}

/** The sites the caller's key may write events and milestones of; null: every site (or no key: --no-auth). */
export function siteLimitOf(res: NodeResponse): readonly string[] | null {
  return callerOf(res).key?.sites ?? null;
}

/**
 * The words of an item's problem for the caller: a conflict with a stored record names the fields that differ only
 * where the caller may read that record. Otherwise they would answer, field by field, whether a guessed value is the
 * stored one, to a key that may only write, or write other sites.
 */
export function itemMessage(res: NodeResponse, p: ItemProblem): string {
  const key = callerOf(res).key;
  // Without keys (--no-auth) every caller may read everything.
  return p.stored && (key === null || mayReadSite(key, p.stored.site)) ? storedConflictMessage(p.stored, true) : p.message;
}

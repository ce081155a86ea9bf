// Per-key rate limits: a token bucket per caller (per key; per client address for requests without an accepted key).
import { callerOf } from './caller';
import type { NodeHandler } from './plain';
import { problem, sendProblem } from './problems';

export interface RateLimitOptions {
  /** Sustained requests per second per key (refill rate). */
  perSecond: number;
  /** Bucket size: how many requests may come at once. */
  burst: number;
}

const MAX_BUCKETS = 10_000;

export interface TokenBuckets {
  /** Takes one token; returns 0 if allowed, else the seconds until one is available. */
  take(bucket: string): number;
}

export function tokenBuckets(options: RateLimitOptions, now: () => number = Date.now): TokenBuckets {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(name) {
      const t = now();
      let b = buckets.get(name);
      if (!b) {
        if (buckets.size >= MAX_BUCKETS) prune(t);
        b = { tokens: options.burst, at: t };
        buckets.set(name, b);
      }
      b.tokens = Math.min(options.burst, b.tokens + ((t - b.at) / 1000) * options.perSecond);
      b.at = t;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return (1 - b.tokens) / options.perSecond;
    },
  };
  // Buckets that have refilled completely carry no information: forget them.
  function prune(t: number): void {
    for (const [name, b] of buckets) if (b.tokens + ((t - b.at) / 1000) * options.perSecond >= options.burst) buckets.delete(name);
    if (buckets.size >= MAX_BUCKETS) buckets.clear();
  }
}

/** `buckets`: the ones the live feed's refused connection requests take from too (live/socketAuth.ts), so a key is guessed no faster there. */
export function rateLimit(options: RateLimitOptions | false, onLimited?: () => void, now: () => number = Date.now, buckets: TokenBuckets | null = options === false ? null : tokenBuckets(options, now)): NodeHandler {
  if (options === false || buckets === null) return (_req, _res, next) => next();
  const limit = `its rate limit of ${options.perSecond} requests a second (burst ${options.burst})`;
  return (_req, res, next) => {
    const { bucket, keyHeader } = callerOf(res);
    const wait = buckets.take(bucket);
    if (wait === 0) return next();
    onLimited?.();
    const seconds = Math.max(1, Math.ceil(wait));
    res.setHeader('Retry-After', String(seconds));
    // Named as every refusal names its field (the too-many-exports 429 alike): the key's header, or the connection
    // for a request counted against its address (no key, or one not accepted).
    const byKey = bucket.startsWith('key:');
    const field = byKey ? { path: keyHeader ?? 'Authorization', message: `names a key that has used ${limit}` } : { path: '(connection)', message: `comes from a client address that has used ${limit}` };
    sendProblem(res, problem(429, 'rate-limited', 'Too many requests', `rate limit of ${options.perSecond}/s (burst ${options.burst}) exceeded for this ${byKey ? 'key' : 'client address'}; retry after ${seconds} s`, [field]));
  };
}

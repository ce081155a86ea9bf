// Alert configuration as the server takes it: webhook URLs (CLI --webhook, RINGSIDE_WEBHOOKS), the signing secret
// (RINGSIDE_WEBHOOK_SECRET), timings.
import { createHmac } from 'node:crypto';
import type { AlertPolicy } from '../../domain/alerts/policy';
import { isLoopback } from '../../protocol/pure/serverAddress';

export interface WebhookRetryOptions {
  /** Attempts per delivery, the first included (default 16: about an hour and a half of retries). */
  maxAttempts: number;
  /** Delay before the 2nd attempt; doubles each time (default 1000 ms: 1 s, 2 s, 4 s, 8 s). */
  baseDelayMs: number;
  /** Upper bound of one delay (default 900 000 ms: 15 minutes). */
  maxDelayMs: number;
  /** ± share of each delay drawn at random so receivers are not hit in lockstep (default 0.2). */
  jitter: number;
  /** Timeout of one attempt, connection to end of the response headers (default 5000 ms). */
  timeoutMs: number;
}

export interface AlertsOptions {
  /** Evaluate alerts at all (default true). */
  enabled?: boolean;
  /** Re-evaluate on this timer even without new events, as windows slide (default 30 000 ms; 0 = off). */
  intervalMs?: number;
  /** At most one evaluation per this many ms after stored batches; later batches coalesce (default 1000). */
  throttleMs?: number;
  policy?: Partial<AlertPolicy>;
  /** URLs every incident change (but acknowledgements) is POSTed to. */
  webhooks?: string[];
  webhookRetry?: Partial<WebhookRetryOptions>;
  /** Signs every delivery (`x-ringside-signature`, docs/alerts.md "Verifying a delivery"); none: unsigned. */
  webhookSecret?: string;
}

/**
 * A receiver down for a deploy, a chat tool's outage, a proxy restarting: retries span about an hour and a half
 * (1 s, 2 s, 4 s … 8.5 min, then every 15 min, 16 attempts), so an incident's news outlives an outage of that kind
 * instead of being given up after 15 seconds. Each is stored, so a restart resumes the schedule.
 */
export const DEFAULT_WEBHOOK_RETRY: WebhookRetryOptions = { maxAttempts: 16, baseDelayMs: 1000, maxDelayMs: 900_000, jitter: 0.2, timeoutMs: 5000 };
export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_THROTTLE_MS = 1000;
const WEBHOOKS_ENV = 'RINGSIDE_WEBHOOKS';

/** Checks webhook URLs: absolute http(s), credentials only over https or to this machine, no duplicates. */
export function parseWebhookUrls(list: readonly string[], source: string): { ok: true; urls: string[] } | { ok: false; message: string } {
  const urls: string[] = [];
  for (const raw of list) {
    const text = raw.trim();
    if (text === '') continue;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return { ok: false, message: `${source}: "${withoutCredentials(text)}" is not an absolute URL` };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, message: `${source}: "${withoutCredentials(text)}" must be an http or https URL` };
    // Credentials are sent as a Basic authorization header: in the clear over http, to anyone on the way to another
    // machine. (A plain http URL without them stays allowed: a receiver on the same network, a signed delivery.)
    if (url.protocol === 'http:' && (url.username !== '' || url.password !== '') && !isLoopback(url.hostname)) {
      return { ok: false, message: `${source}: "${redactUrl(url.href)}" carries credentials, which would cross the network unencrypted over http to ${url.host}: use https` };
    }
    try {
      webhookTarget(url.href);
    } catch {
      return { ok: false, message: `${source}: "${redactUrl(url.href)}" has a user name or password that is not valid percent-encoding (%XX): encode it again` };
    }
    if (!urls.includes(url.href)) urls.push(url.href);
  }
  return { ok: true, urls };
}

/**
 * A refused URL as a refusal may print it (a terminal, a journal): what comes before an `@` shown as `***` (a scheme
 * left out, `pager:s3cret@host`, reads as one, so no `://` is looked for) and its query as `?…`.
 */
function withoutCredentials(text: string): string {
  return text.replace(/[?#].*$/s, '?…').replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/]*@/i, (_, scheme: string | undefined) => `${scheme ?? ''}***@`);
}

/** RINGSIDE_WEBHOOKS: comma-separated URLs. */
export function webhooksFromEnv(env: NodeJS.ProcessEnv): { ok: true; urls: string[] } | { ok: false; message: string } {
  const raw = env[WEBHOOKS_ENV];
  if (raw === undefined || raw.trim() === '') return { ok: true, urls: [] };
  return parseWebhookUrls(raw.split(','), WEBHOOKS_ENV);
}

/**
 * Where a delivery goes and how it authenticates: credentials in a webhook URL (`https://user:token@host/hook`, as
 * many receivers hand them out) become a Basic `authorization` header. fetch refuses a URL that carries them, so
 * every attempt to such a URL used to fail for the whole retry schedule while the start had accepted it.
 */
export function webhookTarget(href: string): { url: string; authorization: string | null } {
  const u = new URL(href);
  if (u.username === '' && u.password === '') return { url: href, authorization: null };
  const credentials = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  u.username = '';
  u.password = '';
  return { url: u.href, authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}` };
}

/**
 * A receiver's `Retry-After` (delay-seconds or an HTTP date) in ms from `nowMs`; null when absent or unreadable.
 * A rate-limited receiver (429) or one in maintenance (503) says when to come back.
 */
export function retryAfterMs(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date (RFC 9110's IMF-fixdate), nothing looser: Date.parse takes "x 2030" for a date.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

const WEBHOOK_SECRET_ENV = 'RINGSIDE_WEBHOOK_SECRET';
/** Shorter than this is a secret a receiver's verification no longer protects much (a 128-bit key as hex is 32). */
const MIN_WEBHOOK_SECRET_LENGTH = 16;

/**
 * RINGSIDE_WEBHOOK_SECRET, the key deliveries are signed with: from the environment only (a command line is visible
 * to every user of the machine), unset or empty for unsigned deliveries, else at least 16 characters.
 */
export function webhookSecretFromEnv(env: NodeJS.ProcessEnv): { ok: true; secret: string | undefined } | { ok: false; message: string } {
  const raw = env[WEBHOOK_SECRET_ENV];
  if (raw === undefined || raw === '') return { ok: true, secret: undefined };
  if (raw !== raw.trim()) return { ok: false, message: `${WEBHOOK_SECRET_ENV} starts or ends with white space: give the secret alone (a receiver verifying with it would not trim it)` };
  if (raw.length < MIN_WEBHOOK_SECRET_LENGTH) return { ok: false, message: `${WEBHOOK_SECRET_ENV} must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters (got ${raw.length}); for example: openssl rand -hex 32` };
  return { ok: true, secret: raw };
}

/**
 * The `x-ringside-signature` header of one attempt: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, the
 * body as sent, byte for byte. The time is signed with it so a receiver can refuse a captured delivery replayed later.
 */
export function webhookSignature(secret: string, timestampS: number, body: string): string {
  return `t=${timestampS},v1=${createHmac('sha256', secret).update(`${timestampS}.${body}`, 'utf8').digest('hex')}`;
}

/**
 * A webhook URL as an answer to a `read` key shows it: its scheme and host, the rest as `/…`. Many receivers keep their
 * secret in the path (Slack, Discord, Zapier), which logs (redactUrl) keep for the operator.
 */
export function webhookOrigin(href: string): string {
  try {
    const u = new URL(href);
    return `${u.protocol}//${u.host}${u.pathname === '/' && !u.search ? '/' : '/…'}`;
  } catch {
    return '(invalid url)';
  }
}

/** Text (an attempt's error) with every URL in it shown as webhookOrigin: fetch's own errors quote the whole URL. */
export function withUrlsHidden(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => webhookOrigin(url));
}

/** A URL as it may appear in logs: no credentials, no query (tokens often travel there). */
export function redactUrl(href: string): string {
  try {
    const u = new URL(href);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(invalid url)';
  }
}

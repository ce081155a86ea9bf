// The security flags of the server command: parsed values in, ServerOptions fields or a message out.
import { isIP } from 'node:net';
import { DEFAULT_RATE_LIMIT, type SecurityServerOptions } from '../options';

export function securityOptions(values: {
  'no-auth'?: boolean | undefined;
  'rate-limit'?: string | undefined;
  'rate-burst'?: string | undefined;
  'max-connections-per-address'?: string | undefined;
  'cors-origin'?: string[] | undefined;
  'trust-proxy'?: string | undefined;
}): SecurityServerOptions | string {
  const out: SecurityServerOptions = {};
  if (values['no-auth']) out.noAuth = true;
  const whole = (flag: string, text: string | undefined): number | null | undefined =>
    text === undefined ? undefined : /^\d+$/.test(text) ? Number(text) : null;
  const perSecond = whole('rate-limit', values['rate-limit']);
  if (perSecond === null) return `--rate-limit must be a whole number of requests per second (got "${values['rate-limit']}")`;
  const burst = whole('rate-burst', values['rate-burst']);
  if (burst === null || burst === 0) return `--rate-burst must be a whole number ≥ 1 (got "${values['rate-burst']}")`;
  if (perSecond === 0) out.rateLimit = false;
  else if (perSecond !== undefined || burst !== undefined) {
    const rate = perSecond ?? DEFAULT_RATE_LIMIT.perSecond;
    out.rateLimit = { perSecond: rate, burst: burst ?? Math.max(DEFAULT_RATE_LIMIT.burst, rate * 2) };
  }
  const connections = whole('max-connections-per-address', values['max-connections-per-address']);
  if (connections === null) return `--max-connections-per-address must be a whole number (0: no cap; got "${values['max-connections-per-address']}")`;
  if (connections !== undefined) out.maxConnectionsPerAddress = connections;
  const origins = values['cors-origin'] ?? [];
  for (const origin of origins) {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      return `--cors-origin must be an origin like https://wall.example.com (got "${origin}")`;
    }
    if (!/^https?:$/.test(parsed.protocol) || parsed.origin !== origin.replace(/\/$/, '')) return `--cors-origin must be an origin like https://wall.example.com, without a path (got "${origin}")`;
  }
  if (origins.length) out.corsOrigins = origins.map((o) => o.replace(/\/$/, ''));
  if (values['trust-proxy'] !== undefined) {
    const trust = trustProxy(values['trust-proxy'], '--trust-proxy');
    if (typeof trust === 'string') return trust;
    out.trustProxy = trust;
  }
  return out;
}

/** proxy-addr's names for address ranges, which Express's "trust proxy" takes beside addresses and CIDRs. */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * --trust-proxy or RINGSIDE_TRUST_PROXY (named by `source`): a number of proxy hops, or proxies' addresses, CIDR ranges
 * and named ranges between commas; a message naming `source` and the entry at fault otherwise. `true` is refused on
 * purpose: trusting every hop lets any client choose the address it is counted and logged under.
 */
export function trustProxy(text: string, source: string): NonNullable<SecurityServerOptions['trustProxy']> | string {
  const value = text.trim();
  const form = 'a number of proxy hops (1: one proxy such as nginx in front) or the proxies\' addresses and CIDR ranges between commas (127.0.0.1,10.0.0.0/8; or loopback, linklocal, uniquelocal)';
  if (/^(true|false|yes|no|on|off)$/i.test(value)) return `${source} must be ${form}, not "${value}": trusting every hop would let any client pick the address it is rate-limited and logged as, by sending X-Forwarded-For`;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((e) => e.trim());
  const bad = entries.find((e) => !isProxyEntry(e));
  if (value === '' || bad !== undefined) return `${source} must be ${form} (got "${text}"${bad !== undefined && entries.length > 1 ? `: "${bad}" is not an address, CIDR range or range name` : ''})`;
  return entries;
}

function isProxyEntry(entry: string): boolean {
  if (NAMED_RANGES.includes(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

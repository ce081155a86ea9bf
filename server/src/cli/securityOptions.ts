// The security flags of the server command: parsed values in, ServerOptions fields or a message out.
import { DEFAULT_RATE_LIMIT, type SecurityServerOptions } from '../options';

export function securityOptions(values: {
  'no-auth'?: boolean | undefined;
  'rate-limit'?: string | undefined;
  'rate-burst'?: string | undefined;
  'cors-origin'?: string[] | undefined;
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
  return out;
}

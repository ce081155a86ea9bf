// Which scope each HTTP route needs (the scopes and their hierarchy: domain/keys.ts).
import { allows, grantedScopes, isScope, SCOPES, type Scope } from '../domain/keys';

export { allows, grantedScopes, isScope, SCOPES, type Scope };

/** What a request needs: no key at all ('public') or a key with the given scope. */
export type Requirement = 'public' | Scope;

interface Rule {
  methods: readonly string[] | '*';
  /** Matched against the path below /api/v1 (e.g. "/standards/x"); a prefix rule ends with "/*". */
  path: string;
  needs: Requirement;
}

const READ = ['GET', 'HEAD'] as const;
const WRITE = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * The API's access policy, first match wins. Anything not listed needs `admin` (deny by default): a new
 * route is never accidentally public or open to ingest keys; it is reachable by admins until mapped here.
 */
export const API_RULES: readonly Rule[] = [
  { methods: READ, path: '/health', needs: 'public' },
  { methods: ['POST'], path: '/events', needs: 'ingest' },
  { methods: READ, path: '/events', needs: 'read' },
  { methods: READ, path: '/events/*', needs: 'read' },
  // Corrections (POST /events/:id/void|amend) are new records an administrator decides on.
  { methods: WRITE, path: '/events/*', needs: 'admin' },
  { methods: ['POST'], path: '/milestones', needs: 'ingest' },
  { methods: READ, path: '/clocks', needs: 'read' },
  { methods: READ, path: '/event-types', needs: 'read' },
  { methods: READ, path: '/compliance', needs: 'read' },
  { methods: READ, path: '/compliance/*', needs: 'read' },
  { methods: READ, path: '/distribution', needs: 'read' },
  { methods: READ, path: '/distribution/*', needs: 'read' },
  { methods: READ, path: '/rollups', needs: 'read' },
  { methods: READ, path: '/rollups/*', needs: 'read' },
  { methods: READ, path: '/standards', needs: 'read' },
  { methods: READ, path: '/standards/*', needs: 'read' },
  { methods: WRITE, path: '/standards', needs: 'admin' },
  { methods: WRITE, path: '/standards/*', needs: 'admin' },
  { methods: READ, path: '/sites', needs: 'read' },
  { methods: READ, path: '/sites/*', needs: 'read' },
  { methods: WRITE, path: '/sites', needs: 'admin' },
  { methods: WRITE, path: '/sites/*', needs: 'admin' },
  { methods: READ, path: '/incidents', needs: 'read' },
  { methods: READ, path: '/incidents/*', needs: 'read' },
  // Acknowledging is what someone watching the dashboard does: a read key may (the ack records the key's name).
  { methods: ['POST'], path: '/incidents/ack', needs: 'read' },
  { methods: ['POST'], path: '/incidents/*/ack', needs: 'read' },
  { methods: WRITE, path: '/incidents', needs: 'admin' },
  { methods: WRITE, path: '/incidents/*', needs: 'admin' },
  // Replaced by /incidents: a read key learns that (410) instead of a scope refusal.
  { methods: '*', path: '/alerts', needs: 'read' },
  { methods: '*', path: '/alerts/*', needs: 'read' },
  { methods: '*', path: '/export', needs: 'audit' },
  { methods: '*', path: '/export/*', needs: 'audit' },
  { methods: '*', path: '/exports', needs: 'audit' },
  { methods: '*', path: '/exports/*', needs: 'audit' },
  { methods: '*', path: '/verify', needs: 'audit' },
  { methods: '*', path: '/verify/*', needs: 'audit' },
  { methods: '*', path: '/audit', needs: 'audit' },
  { methods: '*', path: '/audit/*', needs: 'audit' },
  { methods: '*', path: '/keys', needs: 'admin' },
  { methods: '*', path: '/keys/*', needs: 'admin' },
  { methods: '*', path: '/stats', needs: 'admin' },
];

/**
 * The requirement for one request. `apiPath` is the path below /api/v1, or null for a path outside the API:
 * those are the static dashboard files, public for GET/HEAD (the page holds no data; its socket needs a key).
 */
export function requirementFor(method: string, apiPath: string | null): Requirement {
  const m = method.toUpperCase();
  if (apiPath === null) return m === 'GET' || m === 'HEAD' ? 'public' : 'admin';
  const path = normalise(apiPath);
  for (const rule of API_RULES) {
    if (rule.methods !== '*' && !rule.methods.includes(m)) continue;
    if (matches(rule.path, path)) return rule.needs;
  }
  return 'admin';
}

function normalise(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed.replace(/\/{2,}/g, '/');
}

// "/a" exact; "/a/STAR" anything below /a; "/a/STAR/b" exactly one segment in place of the star.
function matches(pattern: string, path: string): boolean {
  if (pattern.endsWith('/*')) return path.startsWith(pattern.slice(0, -1)) && path.length > pattern.length - 1;
  if (pattern.includes('/*/')) {
    const want = pattern.split('/');
    const got = path.split('/');
    return want.length === got.length && want.every((seg, i) => seg === got[i] || (seg === '*' && got[i] !== ''));
  }
  return path === pattern;
}

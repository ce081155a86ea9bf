// The access policy is derived from the route tables: every route Express serves has exactly one rule, every rule
// a route, and the policy answers each route with the scope its table declares.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createApp, type AppDeps } from '../../../server/src/http/app';
import { METHOD_NOT_ALLOWED } from '../../../server/src/http/fallbacks';
import { API_RULES, requirementFor } from '../../../server/src/http/scopes';
import { API_PREFIX } from '../../../server/src/protocol';

const requireFromServer = createRequire(new URL('../../../server/package.json', import.meta.url));
const pino = requireFromServer('pino') as (options: object) => AppDeps['logger'];

interface Layer {
  route?: { path: string; stack: Array<{ method?: string; handle: object }> };
  handle: { stack?: Layer[] };
  rawPath?: unknown;
}

/** Every (method, path) the app's router serves, nested routers included; a path's 405 answer is not a route. */
function mountedRoutes(stack: Layer[], prefix = ''): Array<{ method: string; path: string }> {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const byMethod = new Map<string, object[]>();
      for (const l of layer.route.stack) byMethod.set((l.method ?? 'all').toUpperCase(), [...(byMethod.get((l.method ?? 'all').toUpperCase()) ?? []), l.handle]);
      const served = [...byMethod].filter(([, handlers]) => !handlers.every((h) => METHOD_NOT_ALLOWED in h));
      return served.map(([method]) => ({ method, path: prefix + layer.route!.path }));
    }
    const mountedAt = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
    return layer.handle.stack ? mountedRoutes(layer.handle.stack, prefix + mountedAt) : [];
  });
}

/** A concrete path a route's pattern matches: each parameter a segment, a wildcard two. */
const examplePath = (pattern: string) => pattern.replace(/:\w+/g, 'x1').replace(/\*\w+/g, 'a/b');

function appRoutes() {
  // The app is only built, never served: its services are not called.
  const deps = { core: { ingest: {}, keys: {} }, logger: pino({ level: 'silent' }), webviewDir: '/nonexistent', version: 'test', now: Date.now, access: { mode: 'keys', rateLimit: false, corsOrigins: [], stats: () => ({}) }, metrics: { observe: (_req: unknown, _res: unknown, next: () => void) => next() } };
  const app = createApp(deps as unknown as AppDeps).app as unknown as { router: { stack: Layer[] } };
  return mountedRoutes(app.router.stack);
}

describe('route table and access policy', () => {
  const mounted = appRoutes();

  it('serves every route below /api/v1 and nothing else as a route', () => {
    expect(mounted.length).toBeGreaterThan(20);
    for (const r of mounted) expect(r.path.startsWith(API_PREFIX + '/'), `${r.method} ${r.path}`).toBe(true);
  });

  it('has exactly one rule for every mounted route', () => {
    for (const r of mounted) {
      const rules = API_RULES.filter((rule) => rule.method === r.method && API_PREFIX + rule.path === r.path);
      expect(rules, `${r.method} ${r.path}`).toHaveLength(1);
    }
  });

  it('has a mounted route for every rule', () => {
    for (const rule of API_RULES) {
      expect(mounted.filter((r) => r.method === rule.method && r.path === API_PREFIX + rule.path), `${rule.method} ${rule.path}`).toHaveLength(1);
    }
  });

  it('answers each route with the scope its rule declares (HEAD as GET, any method of an ALL route)', () => {
    for (const rule of API_RULES) {
      const path = examplePath(rule.path);
      const methods = rule.method === 'ALL' ? ['GET', 'POST', 'DELETE'] : rule.method === 'GET' ? ['GET', 'HEAD'] : [rule.method];
      for (const method of methods) expect(requirementFor(method, path), `${method} ${path}`).toBe(rule.needs);
    }
  });

  it('needs a key of any scope for a method a served path does not take and for a path no route serves', () => {
    expect(requirementFor('POST', '/health')).toBe('any-key');
    expect(requirementFor('GET', '/export')).toBe('any-key');
    expect(requirementFor('GET', '/rollups')).toBe('any-key');
    expect(requirementFor('POST', '/export/events')).toBe('any-key');
    expect(requirementFor('GET', '/integrations/asterisk/queue-log')).toBe('any-key');
  });
});

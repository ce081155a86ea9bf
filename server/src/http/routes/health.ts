// GET /health: public, for load balancers and the extension's first check; it ignores any query parameter. It says
// the process is up (liveness); GET /health/ready says whether it can do its work (readiness): its store answers and
// writes to it succeed, so a balancer sends traffic elsewhere during a storage outage and back once it is over.
import type { HealthResponse, ReadyResponse } from '../../protocol';
import { problem, sendProblem } from '../problems';
import { route } from '../route';

/** When a probe that found the node not ready may ask again: soon, the outage may be over in seconds. */
const NOT_READY_RETRY_S = '5';

export const healthRoutes = [
  route({
    method: 'GET',
    path: '/health',
    scope: 'public',
    probe: true,
    handle: (_input, app): HealthResponse => ({ status: 'ok', version: app.version, serverTime: new Date(app.now()).toISOString() }),
  }),
  route({
    method: 'GET',
    path: '/health/ready',
    scope: 'public',
    probe: true,
    handle: async ({ res }, app): Promise<ReadyResponse | undefined> => {
      const readiness = await app.core.storage.readiness();
      if (readiness.ready) return { status: 'ready', version: app.version, serverTime: new Date(app.now()).toISOString() };
      // The probe's own answer, asked every few seconds while the outage lasts: the outage itself is logged once
      // (services/storageWatch.ts), not as an error per probe.
      res.locals.logLevel = 'info';
      res.setHeader('Retry-After', NOT_READY_RETRY_S);
      sendProblem(res, problem(503, 'storage-unavailable', 'Storage unavailable', `not ready: ${readiness.reason}`));
      return undefined;
    },
  }),
];

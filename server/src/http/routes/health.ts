// GET /health: public, for load balancers and the extension's first check; it ignores any query parameter.
import type { HealthResponse } from '../../protocol';
import { route } from '../route';

export const healthRoutes = [
  route({
    method: 'GET',
    path: '/health',
    scope: 'public',
    probe: true,
    handle: (_input, app): HealthResponse => ({ status: 'ok', version: app.version, serverTime: new Date(app.now()).toISOString() }),
  }),
];

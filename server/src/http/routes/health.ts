// GET /health: public, for load balancers and the extension's first check.
import type { HealthResponse } from '../../protocol';
import { route } from '../route';

export const healthRoutes = [
  route({
    method: 'GET',
    path: '/health',
    scope: 'public',
    handle: (_input, app): HealthResponse => ({ status: 'ok', version: app.version, serverTime: new Date(app.now()).toISOString() }),
  }),
];

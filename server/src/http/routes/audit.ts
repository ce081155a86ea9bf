// GET /audit/verify (the whole chain recomputed) and /audit/head.
import { route } from '../route';

export const auditRoutes = [
  route({ method: 'GET', path: '/audit/verify', scope: 'audit', handle: (_input, app) => app.core.audit.verify() }),
  route({ method: 'GET', path: '/audit/head', scope: 'audit', handle: (_input, app) => app.core.audit.head() }),
];

// GET /audit/verify (the whole chain recomputed), /audit/head, and /audit/public-key (public: the key that signs
// every export's manifest, for auditors to verify exports offline).
import { route } from '../route';

export const auditRoutes = [
  route({ method: 'GET', path: '/audit/verify', scope: 'audit', handle: (_input, app) => app.core.audit.verify() }),
  route({ method: 'GET', path: '/audit/head', scope: 'audit', handle: (_input, app) => app.core.audit.head() }),
  route({ method: 'GET', path: '/audit/public-key', scope: 'public', handle: (_input, app) => app.core.exports.publicKey() }),
];

// Every route of the API, one table per resource. The access policy (http/scopes.ts) is derived from this list.
import { auditRoutes } from './audit';
import { clockRoutes } from './clocks';
import { complianceRoutes } from './compliance';
import { customIntegrationRoutes } from './customIntegrations';
import { eventRoutes } from './events';
import { eventTypeRoutes } from './eventTypes';
import { exportRoutes } from './exports';
import { healthRoutes } from './health';
import { incidentRoutes } from './incidents';
import { integrationRoutes } from './integrations';
import { keyRoutes } from './keys';
import { kioskRoutes } from './kiosk';
import { metricsRoutes } from './metrics';
import { siteRoutes } from './sites';
import { staffingRoutes } from './staffing';
import { standardRoutes } from './standards';
import type { Route } from '../route';

export const API_ROUTES: readonly Route[] = [
  ...healthRoutes,
  ...eventRoutes,
  ...clockRoutes,
  ...eventTypeRoutes,
  ...kioskRoutes,
  ...complianceRoutes,
  ...standardRoutes,
  ...siteRoutes,
  ...incidentRoutes,
  ...exportRoutes,
  ...auditRoutes,
  ...keyRoutes,
  ...metricsRoutes,
  ...staffingRoutes,
  ...integrationRoutes,
  ...customIntegrationRoutes,
];

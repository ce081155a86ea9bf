// GET /metrics: the server's own figures in Prometheus's text format (http/metrics.ts), for a monitoring system that
// scrapes each node with a key of scope metrics (or admin).
import { route } from '../route';

export const metricsRoutes = [
  route({
    method: 'GET',
    path: '/metrics',
    scope: 'metrics',
    handle: async ({ res }, app) => {
      const { contentType, text } = await app.metrics.exposition();
      res.setHeader('Cache-Control', 'no-store');
      res.type(contentType).send(text);
      return undefined;
    },
  }),
];

// GET /api/v1/clocks (the open cases and each standard's clock on them) and GET /api/v1/event-types.
import express from 'express';
import { clocksQuerySchema, type ClocksResponse, type EventTypesResponse } from '../protocol/eventTypes';
import type { Core } from '../services/core';
import { zodProblems } from '../services/zodProblems';
import { methodNotAllowed } from './fallbacks';
import { problem, sendProblem } from './problems';

export function clocksRouter(core: Core): express.Router {
  const router = express.Router();
  router
    .route('/clocks')
    .get((req, res) => {
      const parsed = clocksQuerySchema.safeParse(req.query);
      if (!parsed.success) {
        const errors = zodProblems(parsed.error);
        sendProblem(res, problem(400, 'invalid-query', 'Invalid query', errors.map((e) => `${e.path} ${e.message}`).join('; '), errors));
        return;
      }
      const registry = core.ingest.registry();
      if (parsed.data.type !== undefined && !registry.get(parsed.data.type)) {
        const message = `must be a known event type (${registry.all().map((t) => t.id).join(', ')})`;
        sendProblem(res, problem(400, 'invalid-query', 'Invalid query', `type ${message}`, [{ path: 'type', message }]));
        return;
      }
      const body: ClocksResponse = { clocks: core.clocks.openClocks(parsed.data) };
      res.json(body);
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/event-types')
    .get((_req, res) => {
      const body: EventTypesResponse = { eventTypes: [...core.ingest.registry().all()] };
      res.json(body);
    })
    .all(methodNotAllowed(['GET']));
  return router;
}

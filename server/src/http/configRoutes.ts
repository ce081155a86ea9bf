// Standards and sites over HTTP: GET/POST/PUT/DELETE, versions and history. A change never edits history: PUT and
// DELETE create new versions (standards) or history rows (sites); the services refuse what may not change (a
// DomainError, answered by the error handler) and write the change to the audit log under the caller's key.
import express, { type Request, type Response } from 'express';
import type { FieldProblem } from '../protocol';
import { isoWithOffset, siteDefinitionSchema, standardDefinitionSchema } from '../protocol';
import { zodProblems } from '../services/zodProblems';
import type { Core } from '../services/core';
import { keyIdOf } from './auth';
import { methodNotAllowed } from './fallbacks';
import { jsonBody, JSON_TYPES } from './jsonBody';
import { problem, sendProblem } from './problems';

const json = jsonBody({ limit: '256kb', strict: true });

export function configRouter(core: Core): express.Router {
  const router = express.Router();
  standardRoutes(router, core);
  siteRoutes(router, core);
  return router;
}

/** The body of a change (read-only fields of GET answers dropped), or null after answering 415/400. */
function bodyOf(req: Request, res: Response): Record<string, unknown> | null {
  if (!req.is(JSON_TYPES)) {
    sendProblem(res, problem(415, 'unsupported-media-type', 'Unsupported media type', `send application/json (got ${req.headers['content-type'] ?? 'none'})`));
    return null;
  }
  const b: unknown = req.body;
  if (b === null || typeof b !== 'object' || Array.isArray(b)) {
    invalid(res, [{ path: '(body)', message: 'must be a JSON object' }]);
    return null;
  }
  // Read-only fields of GET answers are ignored, so a client can PUT back what it read, edited.
  const { version: _v, validTo: _t, createdAt: _c, retired: _r, autoCreated: _a, ...rest } = b as Record<string, unknown>;
  if (rest.validFrom === null) delete rest.validFrom; // "since the beginning", as GET shows a first version
  return rest;
}

const actor = (res: Response) => ({ keyId: keyIdOf(res) });

function standardRoutes(router: express.Router, core: Core): void {
  router
    .route('/standards')
    .get((_req, res) => {
      res.json({ standards: core.standards.current() });
    })
    .post(json, async (req, res) => {
      const b = bodyOf(req, res);
      if (!b) return;
      const parsed = standardDefinitionSchema.safeParse(b);
      if (!parsed.success) return invalid(res, zodProblems(parsed.error));
      res.status(201).json((await core.standards.create(parsed.data, actor(res))).standard);
    })
    .all(methodNotAllowed(['GET', 'POST']));
  router
    .route('/standards/:id')
    .get((req, res) => {
      const s = core.standards.get(req.params.id!);
      if (!s) return notFound(res, 'standard', req.params.id!);
      const versions = core.standards.versions(s.id);
      res.json(versions.find((v) => v.version === s.version));
    })
    .put(json, async (req, res) => {
      const b = bodyOf(req, res);
      if (!b) return;
      const parsed = standardDefinitionSchema.safeParse({ id: req.params.id, ...b });
      if (!parsed.success) return invalid(res, zodProblems(parsed.error));
      res.status(200).json((await core.standards.update(req.params.id!, parsed.data, actor(res))).standard);
    })
    .delete(async (req, res) => {
      // Optional ?validFrom=ISO: when the retirement takes effect (same rules as a version's validFrom).
      const validFrom = req.query.validFrom;
      if (validFrom !== undefined && (typeof validFrom !== 'string' || !isoWithOffset.safeParse(validFrom).success)) {
        return invalid(res, [{ path: 'validFrom', message: 'must be an ISO 8601 timestamp with an offset' }]);
      }
      res.status(200).json((await core.standards.retire(req.params.id!, validFrom === undefined ? undefined : Date.parse(validFrom), actor(res))).standard);
    })
    .all(methodNotAllowed(['GET', 'PUT', 'DELETE']));
  router
    .route('/standards/:id/versions')
    .get((req, res) => {
      const versions = core.standards.versions(req.params.id!);
      if (versions.length === 0) return notFound(res, 'standard', req.params.id!);
      res.json({ id: req.params.id, versions });
    })
    .all(methodNotAllowed(['GET']));
}

function siteRoutes(router: express.Router, core: Core): void {
  router
    .route('/sites')
    .get(async (_req, res) => {
      res.json({ sites: await core.sites.list() });
    })
    .post(json, async (req, res) => {
      const b = bodyOf(req, res);
      if (!b) return;
      const parsed = siteDefinitionSchema.safeParse(b);
      if (!parsed.success) return invalid(res, zodProblems(parsed.error));
      res.status(201).json((await core.sites.create(parsed.data, actor(res))).site);
    })
    .all(methodNotAllowed(['GET', 'POST']));
  router
    .route('/sites/:id')
    .get(async (req, res) => {
      const site = await core.sites.get(req.params.id!);
      if (!site) return notFound(res, 'site', req.params.id!);
      res.json(site);
    })
    .put(json, async (req, res) => {
      const b = bodyOf(req, res);
      if (!b) return;
      const parsed = siteDefinitionSchema.safeParse({ id: req.params.id, ...b });
      if (!parsed.success) return invalid(res, zodProblems(parsed.error));
      res.status(200).json((await core.sites.update(req.params.id!, parsed.data, actor(res))).site);
    })
    .delete(async (req, res) => {
      res.status(200).json(await core.sites.retire(req.params.id!, actor(res)));
    })
    .all(methodNotAllowed(['GET', 'PUT', 'DELETE']));
  router
    .route('/sites/:id/history')
    .get(async (req, res) => {
      const history = await core.sites.history(req.params.id!);
      if (history.length === 0) return notFound(res, 'site', req.params.id!);
      res.json({ id: req.params.id, history });
    })
    .all(methodNotAllowed(['GET']));
}

function invalid(res: Response, errors: FieldProblem[]): void {
  sendProblem(res, problem(400, 'invalid-body', 'Invalid request body', `${errors.length} problem(s): ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors));
}

function notFound(res: Response, kind: string, id: string): void {
  sendProblem(res, problem(404, 'not-found', 'Not found', `unknown ${kind} "${id}"`, [{ path: 'id', message: `unknown ${kind} "${id}"` }]));
}

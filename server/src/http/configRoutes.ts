// Standards and sites over HTTP (issue #3): GET/POST/PUT/DELETE, versions and history.
// A change never edits history: PUT and DELETE create new versions (standards) or history rows (sites).
import express, { type Request, type Response } from 'express';
import type { FieldProblem } from '../protocol';
import { isoWithOffset, siteDefinitionSchema, standardDefinitionSchema } from '../protocol';
import { zodProblems } from '../config/problems';
import { SiteChangeError } from '../store/siteStore';
import { StandardChangeError } from '../store/standardStore';
import type { Store } from '../store/store';
import { methodNotAllowed } from './fallbacks';
import { jsonBody, JSON_TYPES } from './jsonBody';
import { problem, sendProblem } from './problems';

const json = jsonBody({ limit: '256kb', strict: true });

export function configRouter(store: Store): express.Router {
  const router = express.Router();
  const body = (req: Request, res: Response): Record<string, unknown> | null => {
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
  };
  const guarded = (res: Response, fn: () => void) => {
    try {
      fn();
    } catch (error) {
      if (error instanceof StandardChangeError || error instanceof SiteChangeError) {
        const titles = { 400: 'Invalid request body', 404: 'Not found', 409: 'Conflict' } as const;
        sendProblem(res, problem(error.status, error.status === 404 ? 'not-found' : error.status === 409 ? 'conflict' : 'invalid-body', titles[error.status], `${error.path} ${error.message}`, [{ path: error.path, message: error.message }]));
        return;
      }
      throw error;
    }
  };

  // ---- standards ----
  router
    .route('/standards')
    .get((_req, res) => {
      res.json({ standards: store.standards.current() });
    })
    .post(json, (req, res) => {
      const b = body(req, res);
      if (!b) return;
      const parsed = standardDefinitionSchema.safeParse(b);
      if (!parsed.success) return invalid(res, zodProblems(parsed.error));
      guarded(res, () => res.status(201).json(store.standards.create(parsed.data).standard));
    })
    .all(methodNotAllowed(['GET', 'POST']));
  router
    .route('/standards/:id')
    .get((req, res) => {
      const s = store.standards.get(req.params.id!);
      if (!s) return notFound(res, 'standard', req.params.id!);
      const versions = store.standards.versions(s.id);
      res.json(versions.find((v) => v.version === s.version));
    })
    .put(json, (req, res) => {
      const b = body(req, res);
      if (!b) return;
      const parsed = standardDefinitionSchema.safeParse({ id: req.params.id, ...b });
      if (!parsed.success) return invalid(res, zodProblems(parsed.error));
      guarded(res, () => res.status(200).json(store.standards.update(req.params.id!, parsed.data).standard));
    })
    .delete((req, res) => {
      // Optional ?validFrom=ISO: when the retirement takes effect (same rules as a version's validFrom).
      const validFrom = req.query.validFrom;
      if (validFrom !== undefined && (typeof validFrom !== 'string' || !isoWithOffset.safeParse(validFrom).success)) {
        return invalid(res, [{ path: 'validFrom', message: 'must be an ISO 8601 timestamp with an offset' }]);
      }
      guarded(res, () => res.status(200).json(store.standards.retire(req.params.id!, validFrom === undefined ? undefined : Date.parse(validFrom)).standard));
    })
    .all(methodNotAllowed(['GET', 'PUT', 'DELETE']));
  router
    .route('/standards/:id/versions')
    .get((req, res) => {
      const versions = store.standards.versions(req.params.id!);
      if (versions.length === 0) return notFound(res, 'standard', req.params.id!);
      res.json({ id: req.params.id, versions });
    })
    .all(methodNotAllowed(['GET']));

  // ---- sites ----
  router
    .route('/sites')
    .get((_req, res) => {
      res.json({ sites: store.sites.list() });
    })
    .post(json, (req, res) => {
      const b = body(req, res);
      if (!b) return;
      const parsed = siteDefinitionSchema.safeParse(b);
      if (!parsed.success) return invalid(res, zodProblems(parsed.error));
      guarded(res, () => res.status(201).json(store.sites.create(parsed.data).site));
    })
    .all(methodNotAllowed(['GET', 'POST']));
  router
    .route('/sites/:id')
    .get((req, res) => {
      const site = store.sites.get(req.params.id!);
      if (!site) return notFound(res, 'site', req.params.id!);
      res.json(site);
    })
    .put(json, (req, res) => {
      const b = body(req, res);
      if (!b) return;
      const parsed = siteDefinitionSchema.safeParse({ id: req.params.id, ...b });
      if (!parsed.success) return invalid(res, zodProblems(parsed.error));
      guarded(res, () => res.status(200).json(store.sites.update(req.params.id!, parsed.data).site));
    })
    .delete((req, res) => {
      guarded(res, () => res.status(200).json(store.sites.retire(req.params.id!)));
    })
    .all(methodNotAllowed(['GET', 'PUT', 'DELETE']));
  router
    .route('/sites/:id/history')
    .get((req, res) => {
      const history = store.sites.history(req.params.id!);
      if (history.length === 0) return notFound(res, 'site', req.params.id!);
      res.json({ id: req.params.id, history });
    })
    .all(methodNotAllowed(['GET']));
  return router;
}

function invalid(res: Response, errors: FieldProblem[]): void {
  sendProblem(res, problem(400, 'invalid-body', 'Invalid request body', `${errors.length} problem(s): ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors));
}

function notFound(res: Response, kind: string, id: string): void {
  sendProblem(res, problem(404, 'not-found', 'Not found', `unknown ${kind} "${id}"`, [{ path: 'id', message: `unknown ${kind} "${id}"` }]));
}

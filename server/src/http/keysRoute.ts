// /api/v1/keys (admin): create (secret shown once), list, revoke. /api/v1/stats (admin): security counters.
import express, { type Request, type Response } from 'express';
import { validateKeyRequest, type KeysService } from '../services/keys';
import { methodNotAllowed } from './fallbacks';
import { jsonBody } from './jsonBody';
import { problem, sendProblem } from './problems';


export function keysRouter(keys: KeysService, now: () => number, stats: () => unknown): express.Router {
  const router = express.Router();
  router
    .route('/keys')
    .get(async (_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json({ keys: await keys.list() });
    })
    .post(requireJson, jsonBody({ limit: '16kb', strict: true }), (req, res) => createKey(keys, now, req, res))
    .all(methodNotAllowed(['GET', 'POST']));
  router
    .route('/keys/:id')
    .get(async (req, res) => {
      const key = await keys.get(String(req.params.id));
      if (!key) return notFoundKey(res, String(req.params.id));
      res.json(key);
    })
    .delete(async (req, res) => {
      const id = String(req.params.id);
      if (id === 'env') {
        sendProblem(res, problem(409, 'key-not-revocable', 'Key cannot be revoked here', 'the RINGSIDE_API_KEY key lives in the environment: restart without it'));
        return;
      }
      if (!(await keys.revoke(id))) return notFoundKey(res, id);
      res.json(await keys.get(id));
    })
    .all(methodNotAllowed(['GET', 'DELETE']));
  router
    .route('/stats')
    .get((_req, res) => {
      res.json(stats());
    })
    .all(methodNotAllowed(['GET']));
  return router;
}

function requireJson(req: Request, res: Response, next: () => void): void {
  if (req.is(['application/json', 'application/*+json'])) return next();
  sendProblem(res, problem(415, 'unsupported-media-type', 'Unsupported media type', `send the key request as application/json (got ${req.headers['content-type'] ?? 'none'})`));
}

function notFoundKey(res: Response, id: string): void {
  sendProblem(res, problem(404, 'key-not-found', 'No such key', `no API key with id ${id}`));
}

async function createKey(keys: KeysService, now: () => number, req: Request, res: Response): Promise<void> {
  const v = validateKeyRequest(req.body, now());
  if (!v.ok) {
    sendProblem(res, problem(400, 'invalid-key-request', 'Invalid key request', v.errors.map((e) => `${e.path} ${e.message}`).join('; '), v.errors));
    return;
  }
  const created = await keys.create({ name: v.name, scopes: v.scopes, expiresAtMs: v.expiresAtMs, source: 'api' });
  // The secret is in this answer and nowhere else: it is stored only as a hash.
  res.setHeader('Cache-Control', 'no-store');
  res.status(201).json({ key: created.key, ...created.info });
}

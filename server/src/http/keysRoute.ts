// /api/v1/keys (admin): create (secret shown once), list, revoke. /api/v1/stats (admin): security counters.
import express, { type Request, type Response } from 'express';
import type { KeyStore } from '../auth/keys';
import { isScope, SCOPES, type Scope } from '../auth/scopes';
import { isoWithOffset, malformedTextProblem, type FieldProblem } from '../protocol';
import { methodNotAllowed } from './fallbacks';
import { jsonBody } from './jsonBody';
import { problem, sendProblem } from './problems';

const MAX_NAME = 100;
const KNOWN_FIELDS = new Set(['name', 'scope', 'scopes', 'expiresAt']);

export function keysRouter(keys: KeyStore, now: () => number, stats: () => unknown): express.Router {
  const router = express.Router();
  router
    .route('/keys')
    .get((_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json({ keys: keys.list() });
    })
    .post(requireJson, jsonBody({ limit: '16kb', strict: true }), (req, res) => createKey(keys, now, req, res))
    .all(methodNotAllowed(['GET', 'POST']));
  router
    .route('/keys/:id')
    .get((req, res) => {
      const key = keys.get(String(req.params.id));
      if (!key) return notFoundKey(res, String(req.params.id));
      res.json(key);
    })
    .delete((req, res) => {
      const id = String(req.params.id);
      if (id === 'env') {
        sendProblem(res, problem(409, 'key-not-revocable', 'Key cannot be revoked here', 'the RINGSIDE_API_KEY key lives in the environment: restart without it'));
        return;
      }
      if (!keys.revoke(id)) return notFoundKey(res, id);
      res.json(keys.get(id));
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

export type KeyRequestValidation = { ok: true; name: string; scopes: Scope[]; expiresAtMs: number | null } | { ok: false; errors: FieldProblem[] };

/** Shared by the API and the `keys create` command. */
export function validateKeyRequest(body: unknown, nowMs: number): KeyRequestValidation {
  const errors: FieldProblem[] = [];
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, errors: [{ path: '(body)', message: 'must be an object {name, scopes, expiresAt?}' }] };
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!KNOWN_FIELDS.has(k)) errors.push({ path: k, message: 'is not a known field' });
  const name = typeof b.name === 'string' ? b.name.trim() : '';
  const malformed = typeof b.name === 'string' ? malformedTextProblem(b.name) : null;
  if (typeof b.name !== 'string') errors.push({ path: 'name', message: 'is required (a string)' });
  else if (malformed) errors.push({ path: 'name', message: malformed });
  else if (name === '' || name.length > MAX_NAME) errors.push({ path: 'name', message: `must be 1 to ${MAX_NAME} characters` });
  const rawScopes = b.scopes !== undefined ? b.scopes : b.scope !== undefined ? [b.scope] : undefined;
  const scopePath = b.scopes !== undefined ? 'scopes' : 'scope';
  let scopes: Scope[] = [];
  if (rawScopes === undefined) errors.push({ path: 'scopes', message: `is required: a list of ${SCOPES.join(', ')}` });
  else if (!Array.isArray(rawScopes) || rawScopes.length === 0) errors.push({ path: scopePath, message: `must be a non-empty list of ${SCOPES.join(', ')}` });
  else {
    rawScopes.forEach((s, i) => {
      if (!isScope(s)) errors.push({ path: b.scopes !== undefined ? `scopes.${i}` : 'scope', message: `must be one of ${SCOPES.join(', ')}` });
    });
    scopes = rawScopes.filter(isScope);
  }
  let expiresAtMs: number | null = null;
  if (b.expiresAt !== undefined && b.expiresAt !== null) {
    const parsed = isoWithOffset.safeParse(b.expiresAt);
    if (!parsed.success) errors.push({ path: 'expiresAt', message: 'must be an ISO 8601 timestamp with an offset' });
    else if (Date.parse(parsed.data) <= nowMs) errors.push({ path: 'expiresAt', message: 'must be in the future' });
    else expiresAtMs = Date.parse(parsed.data);
  }
  return errors.length ? { ok: false, errors } : { ok: true, name, scopes, expiresAtMs };
}

function createKey(keys: KeyStore, now: () => number, req: Request, res: Response): void {
  const v = validateKeyRequest(req.body, now());
  if (!v.ok) {
    sendProblem(res, problem(400, 'invalid-key-request', 'Invalid key request', v.errors.map((e) => `${e.path} ${e.message}`).join('; '), v.errors));
    return;
  }
  const created = keys.create({ name: v.name, scopes: v.scopes, expiresAtMs: v.expiresAtMs, source: 'api' });
  // The secret is in this answer and nowhere else: it is stored only as a hash.
  res.setHeader('Cache-Control', 'no-store');
  res.status(201).json({ key: created.key, ...created.info });
}

// GET /api/v1/alerts and POST /api/v1/alerts/:id/ack; every bad input is a problem naming its field.
import express, { type Request, type Response } from 'express';
import type { AlertList, FieldProblem } from '../protocol';
import { isoWithOffset, malformedTextProblem } from '../protocol';
import type { AlertService } from '../services/alerts/evaluation';
import type { AlertFilter, StoreReads } from '../store/port';
import { callerOf } from './auth';
import { methodNotAllowed } from './fallbacks';
import { jsonBody } from './jsonBody';
import { problem, sendProblem } from './problems';

const KNOWN = ['state', 'from', 'to', 'standard', 'site', 'kind', 'limit'] as const;
const STATES = ['firing', 'recovered', 'active'] as const;
const KINDS = ['band', 'burn-rate'] as const;
export const MAX_ALERTS = 10_000;
export const DEFAULT_ALERTS = 1000;
const MAX_BY = 200;

export function alertsRouter(reads: StoreReads, alerts: AlertService): express.Router {
  const router = express.Router();
  router
    .route('/alerts')
    .get(async (req, res) => {
      const parsed = parseAlertQuery(req.query as Record<string, unknown>);
      if (!parsed.ok) return invalid(res, 'invalid-query', 'Invalid query parameter', parsed.errors);
      const body: AlertList = { alerts: await reads.alerts.list(parsed.filter) };
      res.json(body);
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/alerts/:id')
    .get(async (req, res) => {
      const id = parseId(res, req.params.id);
      if (id === null) return;
      const alert = await reads.alerts.get(id);
      if (!alert) return notFoundAlert(res, id);
      res.json(alert);
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/alerts/:id/ack')
    .post(jsonBody({ limit: '16kb', strict: false }), (req, res) => ack(alerts, req, res))
    .all(methodNotAllowed(['POST']));
  return router;
}

/** The :id path parameter as a positive whole number, or null after answering 400 naming `id`. */
function parseId(res: Response, raw: unknown): number | null {
  const text = String(raw ?? '');
  if (/^[1-9]\d{0,14}$/.test(text)) return Number(text);
  invalid(res, 'invalid-alert-id', 'Invalid alert id', [{ path: 'id', message: `must be a positive whole number (got "${text.slice(0, 40)}")` }]);
  return null;
}

function notFoundAlert(res: Response, id: number): void {
  sendProblem(res, problem(404, 'alert-not-found', 'Alert not found', `no alert with id ${id}`, [{ path: 'id', message: `no alert with id ${id}` }]));
}

async function ack(alerts: AlertService, req: Request, res: Response): Promise<void> {
  const id = parseId(res, req.params.id);
  if (id === null) return;
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is(['application/json', 'application/*+json'])) {
    sendProblem(res, problem(415, 'unsupported-media-type', 'Unsupported media type', `send the body as application/json (got ${req.headers['content-type'] ?? 'none'})`));
    return;
  }
  const body: unknown = hasBody ? req.body : {};
  const errors: FieldProblem[] = [];
  let by: string | null = null;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    errors.push({ path: '(body)', message: 'must be a JSON object like {"by": "ana"}' });
  } else {
    for (const key of Object.keys(body)) if (key !== 'by') errors.push({ path: key, message: 'is not a known field (known: by)' });
    const value = (body as Record<string, unknown>).by;
    if (value !== undefined) {
      const malformed = typeof value === 'string' ? malformedTextProblem(value) : null;
      if (typeof value !== 'string' || value.trim() === '') errors.push({ path: 'by', message: 'must be a non-empty string' });
      else if (malformed) errors.push({ path: 'by', message: malformed });
      else if (value.trim().length > MAX_BY) errors.push({ path: 'by', message: `must be at most ${MAX_BY} characters` });
      else by = value.trim();
    }
  }
  if (errors.length > 0) return invalid(res, 'invalid-body', 'Invalid acknowledgement', errors);
  // Without a "by", the acknowledgement is recorded under the API key's name (when keys are in use).
  const alert = await alerts.acknowledge(id, by ?? keyName(res));
  if (!alert) return notFoundAlert(res, id);
  res.json(alert);
}

function keyName(res: Response): string | null {
  try {
    return callerOf(res)?.key?.name ?? null;
  } catch {
    return null;
  }
}

function invalid(res: Response, slug: string, title: string, errors: FieldProblem[]): void {
  sendProblem(res, problem(400, slug, title, errors.map((e) => `${e.path} ${e.message}`).join('; '), errors));
}

export function parseAlertQuery(raw: Record<string, unknown>): { ok: true; filter: AlertFilter } | { ok: false; errors: FieldProblem[] } {
  const errors: FieldProblem[] = [];
  const fail = (path: string, message: string): null => (errors.push({ path, message }), null);
  for (const key of Object.keys(raw)) if (!(KNOWN as readonly string[]).includes(key)) fail(key, `is not a known parameter (known: ${KNOWN.join(', ')})`);
  const text = (key: string): string | null => {
    const v = raw[key];
    if (v === undefined) return null;
    if (typeof v !== 'string') return fail(key, 'must be given once, as text');
    if (v.trim() === '') return fail(key, 'must not be empty');
    return v.trim();
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T | null => {
    const v = text(key);
    if (v === null) return null;
    return (allowed as readonly string[]).includes(v) ? (v as T) : fail(key, `must be one of ${allowed.join(', ')}`);
  };
  const time = (key: string): number | null => {
    const v = text(key);
    if (v === null) return null;
    const parsed = isoWithOffset.safeParse(v);
    return parsed.success ? Date.parse(v) : fail(key, parsed.error.issues[0]?.message ?? 'must be an ISO 8601 timestamp');
  };
  const state = oneOf('state', STATES);
  const kind = oneOf('kind', KINDS);
  const fromMs = time('from');
  const toMs = time('to');
  const standardId = text('standard');
  const site = text('site');
  const limitText = text('limit');
  let limit = DEFAULT_ALERTS;
  if (limitText !== null) {
    if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_ALERTS) fail('limit', `must be a whole number from 1 to ${MAX_ALERTS}`);
    else limit = Number(limitText);
  }
  if (fromMs !== null && toMs !== null && fromMs >= toMs) fail('to', 'must be later than from');
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    filter: {
      limit,
      ...(state !== null ? { state } : {}),
      ...(kind !== null ? { kind } : {}),
      ...(fromMs !== null ? { fromMs } : {}),
      ...(toMs !== null ? { toMs } : {}),
      ...(standardId !== null ? { standardId } : {}),
      ...(site !== null ? { site } : {}),
    },
  };
}

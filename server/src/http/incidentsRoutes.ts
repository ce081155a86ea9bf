// GET /api/v1/incidents (+ /:id), POST /api/v1/incidents/:id/ack and /incidents/ack (several at once); every bad input
// is a problem naming its field. /api/v1/alerts is gone: incidents replaced alerts (docs/alerts.md).
import express, { type Request, type Response } from 'express';
import type { FieldProblem, IncidentList, IncidentWithChanges } from '../protocol';
import { isoWithOffset, malformedTextProblem } from '../protocol';
import type { AlertService } from '../services/alerts/evaluation';
import type { IncidentFilter, StoreReads } from '../store/port';
import { callerOf } from './auth';
import { methodNotAllowed } from './fallbacks';
import { jsonBody } from './jsonBody';
import { problem, sendProblem } from './problems';

const KNOWN = ['state', 'from', 'to', 'standard', 'site', 'limit'] as const;
const STATES = ['open', 'recovered', 'all'] as const;
export const MAX_INCIDENTS = 10_000;
export const DEFAULT_INCIDENTS = 1000;
/** Incidents one bulk acknowledgement may name. */
export const MAX_BULK_ACK = 1000;
const MAX_BY = 200;

export function incidentsRouter(reads: StoreReads, alerts: AlertService): express.Router {
  const router = express.Router();
  router
    .route('/incidents')
    .get(async (req, res) => {
      const parsed = parseIncidentQuery(req.query as Record<string, unknown>);
      if (!parsed.ok) return invalid(res, 'invalid-query', 'Invalid query parameter', parsed.errors);
      const body: IncidentList = { incidents: await reads.incidents.list(parsed.filter) };
      res.json(body);
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/incidents/ack')
    .post(jsonBody({ limit: '64kb', strict: false }), (req, res) => bulkAck(alerts, req, res))
    .all(methodNotAllowed(['POST']));
  router
    .route('/incidents/:id')
    .get(async (req, res) => {
      const id = parseId(res, req.params.id);
      if (id === null) return;
      const incident = await reads.incidents.get(id);
      if (!incident) return notFoundIncident(res, id);
      const body: IncidentWithChanges = { ...incident, changes: await reads.incidents.changes(id) };
      res.json(body);
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/incidents/:id/ack')
    .post(jsonBody({ limit: '16kb', strict: false }), (req, res) => singleAck(alerts, req, res))
    .all(methodNotAllowed(['POST']));
  router.all(['/alerts', '/alerts/*rest'], (req, res) => {
    sendProblem(res, problem(410, 'alerts-replaced', 'Gone', `${req.baseUrl + req.path} was replaced by /api/v1/incidents: one incident per standard and site (docs/alerts.md)`));
  });
  return router;
}

/** The :id path parameter as a positive whole number, or null after answering 400 naming `id`. */
function parseId(res: Response, raw: unknown): number | null {
  const text = String(raw ?? '');
  if (/^[1-9]\d{0,14}$/.test(text)) return Number(text);
  invalid(res, 'invalid-incident-id', 'Invalid incident id', [{ path: 'id', message: `must be a positive whole number (got "${text.slice(0, 40)}")` }]);
  return null;
}

function notFoundIncident(res: Response, id: number): void {
  sendProblem(res, problem(404, 'incident-not-found', 'Incident not found', `no incident with id ${id}`, [{ path: 'id', message: `no incident with id ${id}` }]));
}

/** The JSON object body (an empty body is {}), or null after answering 415 / 400. */
function objectBody(req: Request, res: Response, example: string): Record<string, unknown> | null {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is(['application/json', 'application/*+json'])) {
    sendProblem(res, problem(415, 'unsupported-media-type', 'Unsupported media type', `send the body as application/json (got ${req.headers['content-type'] ?? 'none'})`));
    return null;
  }
  const body: unknown = hasBody ? req.body : {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    invalid(res, 'invalid-body', 'Invalid acknowledgement', [{ path: '(body)', message: `must be a JSON object like ${example}` }]);
    return null;
  }
  return body as Record<string, unknown>;
}

/** `by`: absent, or a non-empty well-formed name. */
function parseBy(value: unknown, errors: FieldProblem[]): string | null {
  if (value === undefined) return null;
  const malformed = typeof value === 'string' ? malformedTextProblem(value) : null;
  if (typeof value !== 'string' || value.trim() === '') errors.push({ path: 'by', message: 'must be a non-empty string' });
  else if (malformed) errors.push({ path: 'by', message: malformed });
  else if (value.trim().length > MAX_BY) errors.push({ path: 'by', message: `must be at most ${MAX_BY} characters` });
  else return value.trim();
  return null;
}

function unknownFields(body: Record<string, unknown>, known: readonly string[], errors: FieldProblem[]): void {
  for (const key of Object.keys(body)) if (!known.includes(key)) errors.push({ path: key, message: `is not a known field (known: ${known.join(', ')})` });
}

async function singleAck(alerts: AlertService, req: Request, res: Response): Promise<void> {
  const id = parseId(res, req.params.id);
  if (id === null) return;
  const body = objectBody(req, res, '{"by": "ana"}');
  if (!body) return;
  const errors: FieldProblem[] = [];
  unknownFields(body, ['by'], errors);
  const by = parseBy(body.by, errors);
  if (errors.length > 0) return invalid(res, 'invalid-body', 'Invalid acknowledgement', errors);
  // Without a "by", the acknowledgement is recorded under the API key's name (when keys are in use).
  const [incident] = await alerts.acknowledge([id], by ?? keyName(res));
  res.json(incident);
}

async function bulkAck(alerts: AlertService, req: Request, res: Response): Promise<void> {
  const body = objectBody(req, res, '{"ids": [1, 2]}');
  if (!body) return;
  const errors: FieldProblem[] = [];
  unknownFields(body, ['ids', 'by'], errors);
  const by = parseBy(body.by, errors);
  const ids = parseIds(body.ids, errors);
  if (errors.length > 0) return invalid(res, 'invalid-body', 'Invalid acknowledgement', errors);
  const incidents = await alerts.acknowledge(ids, by ?? keyName(res));
  const answer: IncidentList = { incidents };
  res.json(answer);
}

function parseIds(value: unknown, errors: FieldProblem[]): number[] {
  if (!Array.isArray(value)) {
    errors.push({ path: 'ids', message: 'must be an array of incident ids' });
    return [];
  }
  if (value.length === 0 || value.length > MAX_BULK_ACK) errors.push({ path: 'ids', message: `must name from 1 to ${MAX_BULK_ACK} incidents` });
  value.forEach((id, i) => {
    if (!Number.isSafeInteger(id) || (id as number) < 1) errors.push({ path: `ids.${i}`, message: 'must be a positive whole number' });
  });
  return value as number[];
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

export function parseIncidentQuery(raw: Record<string, unknown>): { ok: true; filter: IncidentFilter } | { ok: false; errors: FieldProblem[] } {
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
  const time = (key: string): number | null => {
    const v = text(key);
    if (v === null) return null;
    const parsed = isoWithOffset.safeParse(v);
    return parsed.success ? Date.parse(v) : fail(key, parsed.error.issues[0]?.message ?? 'must be an ISO 8601 timestamp');
  };
  const stateText = text('state');
  const state = stateText === null ? null : (STATES as readonly string[]).includes(stateText) ? (stateText as (typeof STATES)[number]) : fail('state', `must be one of ${STATES.join(', ')}`);
  const fromMs = time('from');
  const toMs = time('to');
  const standardId = text('standard');
  const site = text('site');
  const limitText = text('limit');
  let limit = DEFAULT_INCIDENTS;
  if (limitText !== null) {
    if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_INCIDENTS) fail('limit', `must be a whole number from 1 to ${MAX_INCIDENTS}`);
    else limit = Number(limitText);
  }
  if (fromMs !== null && toMs !== null && fromMs >= toMs) fail('to', 'must be later than from');
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    filter: {
      limit,
      ...(state !== null ? { state } : {}),
      ...(fromMs !== null ? { fromMs } : {}),
      ...(toMs !== null ? { toMs } : {}),
      ...(standardId !== null ? { standardId } : {}),
      ...(site !== null ? { site } : {}),
    },
  };
}

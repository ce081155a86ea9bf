// RFC 9457 problem bodies: every 4xx/5xx the API sends goes through here.
import type { Response } from 'express';
import type { FieldProblem, ProblemDetails } from '../protocol';

const TYPE_BASE = 'https://ringside.dev/problems/';

export function problem(status: number, slug: string, title: string, detail: string, errors?: FieldProblem[]): ProblemDetails {
  return { type: TYPE_BASE + slug, title, status, detail, ...(errors ? { errors } : {}) };
}

export function sendProblem(res: Response, p: ProblemDetails): void {
  res.status(p.status).type('application/problem+json').send(JSON.stringify(p));
}

/** "events.3.rings" for a batch, "rings" for a single event, "(body)" for the event as a whole. */
export function fieldPath(prefix: Array<string | number>, path: Array<string | number>): string {
  return [...prefix, ...path].join('.') || '(body)';
}

// The body of POST /events is one event object or {"events": [...]}.
import { LIMITS } from '../protocol';

export type Envelope =
  | { ok: true; mode: 'single' | 'batch'; items: unknown[] }
  | { ok: false; status: 400 | 413; title: string; path: string; message: string };

export function openEnvelope(body: unknown): Envelope {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return invalid('(body)', 'must be an event object or {"events": [...]}');
  }
  if (!('events' in body)) return { ok: true, mode: 'single', items: [body] };
  const { events } = body;
  const extra = Object.keys(body).filter((k) => k !== 'events');
  if (extra.length > 0) return invalid(extra[0]!, 'is not a known field of a batch (only "events")');
  if (!Array.isArray(events)) return invalid('events', 'must be an array of events');
  if (events.length === 0) return invalid('events', 'must contain at least one event');
  if (events.length > LIMITS.maxBatch) {
    return { ok: false, status: 413, title: 'Batch too large', path: 'events', message: `must contain at most ${LIMITS.maxBatch} events (got ${events.length})` };
  }
  return { ok: true, mode: 'batch', items: events };
}

function invalid(path: string, message: string): Envelope {
  return { ok: false, status: 400, title: 'Invalid request body', path, message };
}

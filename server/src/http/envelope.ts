// The body of POST /events is one event object or {"events": [...]}; that of POST /milestones one milestone or
// {"milestones": [...]}. A batch posted to the other route is told where it belongs.
import { LIMITS, openMilestoneEnvelope, type MilestoneEnvelope } from '../protocol';
import { otherIngestRoute } from '../services/ingest/validate';

export type Envelope =
  | { ok: true; mode: 'single' | 'batch'; items: unknown[] }
  | { ok: false; status: 400 | 413; title: string; path: string; message: string };

export function openEnvelope(body: unknown): Envelope {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return invalid('(body)', 'must be an event object or {"events": [...]}');
  }
  if (!('events' in body)) return 'milestones' in body ? otherRoutesBatch('milestones', 'events') : { ok: true, mode: 'single', items: [body] };
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

/** A batch of the other route's items (its key, `milestones` or `events`), refused with where it belongs. */
function otherRoutesBatch(key: string, postedTo: 'events' | 'milestones'): Envelope {
  return invalid(key, `is not a known field of a batch (only "${postedTo}")${otherIngestRoute(key, postedTo)}`);
}

/** The body of POST /milestones (openMilestoneEnvelope), a batch of events refused with where it belongs. */
export function openMilestoneBody(body: unknown): MilestoneEnvelope {
  const eventsBatch = body !== null && typeof body === 'object' && !Array.isArray(body) && 'events' in body && !('milestones' in body);
  return eventsBatch ? otherRoutesBatch('events', 'milestones') : openMilestoneEnvelope(body);
}

// Response of POST /api/v1/events: one result per posted event, in the order posted.
import type { StoredEvent } from './events';
import type { Judgement } from './standards';

export interface IngestResult {
  id: string;
  seq: number;
  /** true when this id was already stored with the same content (an idempotent retry). */
  duplicate: boolean;
  /** The judgements made when the event was first stored. */
  judgements: Judgement[];
  /** The event as stored, including derived fields. */
  event: StoredEvent;
}

/** 201 when at least one event was new, 200 when every event was a duplicate. */
export interface IngestResponse {
  results: IngestResult[];
}

/** GET /api/v1/health (liveness: the process is up) */
export interface HealthResponse {
  status: 'ok';
  version: string;
  serverTime: string;
}

/** GET /api/v1/health/ready, 200 (readiness: the store answers and takes writes); 503 problem details otherwise. */
export interface ReadyResponse {
  status: 'ready';
  version: string;
  serverTime: string;
}

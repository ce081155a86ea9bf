// The `replay` request: a client that reconnects asks for everything after the last event seq and
// alert id it saw, so nothing is missed while it was away. Answers are bounded; `complete: false` means "ask
// again after the last one you got". Input comes from the network: anything malformed gets { ok: false }.
import { REPLAY_MAX_ALERTS, REPLAY_MAX_EVENTS, type ReplayRequest, type ReplayResponse } from '../protocol';
import type { StoreReads } from '../store/port';
import type { LiveServer } from './livePush';

export interface ReplayLimits {
  maxEvents: number;
  maxAlerts: number;
}

const DEFAULT_LIMITS: ReplayLimits = { maxEvents: REPLAY_MAX_EVENTS, maxAlerts: REPLAY_MAX_ALERTS };

/** A cursor is absent, or a whole number ≥ 0 (seq and ids start at 1, so 0 means "from the beginning"). */
function cursor(value: unknown, name: string): number | undefined | string {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return `${name} must be a whole number ≥ 0`;
  return value;
}

export async function answerReplay(reads: StoreReads, request: unknown, limits: ReplayLimits = DEFAULT_LIMITS): Promise<ReplayResponse> {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return { ok: false, error: 'the request must be an object { afterSeq?, afterAlertId? }' };
  const { afterSeq: rawSeq, afterAlertId: rawAlert } = request as ReplayRequest;
  const afterSeq = cursor(rawSeq, 'afterSeq');
  if (typeof afterSeq === 'string') return { ok: false, error: afterSeq };
  const afterAlertId = cursor(rawAlert, 'afterAlertId');
  if (typeof afterAlertId === 'string') return { ok: false, error: afterAlertId };
  // One more than the limit tells whether there is more, without a COUNT over the table.
  const events = afterSeq === undefined ? [] : await reads.events.after(afterSeq, limits.maxEvents + 1);
  const alerts = afterAlertId === undefined ? [] : await reads.alerts.after(afterAlertId, limits.maxAlerts + 1);
  const complete = events.length <= limits.maxEvents && alerts.length <= limits.maxAlerts;
  return {
    ok: true,
    events: events.slice(0, limits.maxEvents),
    alerts: alerts.slice(0, limits.maxAlerts),
    complete,
    headSeq: await reads.events.headSeq(),
    headAlertId: await reads.alerts.headId(),
  };
}

/** Registers the handler on every connecting socket (called from livePush.ts). */
export function handleReplay(io: LiveServer, reads: StoreReads, limits: ReplayLimits = DEFAULT_LIMITS): void {
  io.on('connection', (socket) => {
    socket.on('replay', (request: unknown, ack: unknown) => {
      // Without an ack function there is nobody to answer (a hostile or broken client): ignore.
      if (typeof ack !== 'function') return;
      answerReplay(reads, request, limits).then(
        (response) => (ack as (response: ReplayResponse) => void)(response),
        (error: unknown) => (ack as (response: ReplayResponse) => void)({ ok: false, error: `replay failed: ${(error as Error).message}` }),
      );
    });
  });
}

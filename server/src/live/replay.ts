// The `replay` request: a client that reconnects asks for everything after the last event seq and
// incident change seq it saw, so nothing is missed while it was away. Answers are bounded; `complete: false` means "ask
// again after the last one you got". Input comes from the network: anything malformed gets { ok: false }.
import { REPLAY_MAX_EVENTS, REPLAY_MAX_INCIDENT_CHANGES, type ReplayRequest, type ReplayResponse } from '../protocol';
import { readFailureInWords } from '../domain/errors';
import type { StoreReads } from '../store/port';
import type { LiveServer } from './liveServer';

export interface ReplayLimits {
  maxEvents: number;
  maxIncidentChanges: number;
}

const DEFAULT_LIMITS: ReplayLimits = { maxEvents: REPLAY_MAX_EVENTS, maxIncidentChanges: REPLAY_MAX_INCIDENT_CHANGES };

/** A cursor is absent, or a whole number ≥ 0 (seqs start at 1, so 0 means "from the beginning"). */
function cursor(value: unknown, name: string): number | undefined | string {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return `${name} must be a whole number ≥ 0`;
  return value;
}

const invalid = (error: string): ReplayResponse => ({ ok: false, error, code: 'invalid-replay' });

export async function answerReplay(reads: StoreReads, request: unknown, limits: ReplayLimits = DEFAULT_LIMITS): Promise<ReplayResponse> {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return invalid('the request must be an object { afterSeq?, afterIncidentChange? }');
  // A misspelt cursor (aftreSeq) would otherwise read as "nothing of that kind" and look caught up.
  const unknown = Object.keys(request).find((key) => key !== 'afterSeq' && key !== 'afterIncidentChange');
  if (unknown !== undefined) return invalid(`${JSON.stringify(unknown.slice(0, 50))} is not a known field (afterSeq, afterIncidentChange)`);
  const { afterSeq: rawSeq, afterIncidentChange: rawChange } = request as ReplayRequest;
  const afterSeq = cursor(rawSeq, 'afterSeq');
  if (typeof afterSeq === 'string') return invalid(afterSeq);
  const afterChange = cursor(rawChange, 'afterIncidentChange');
  if (typeof afterChange === 'string') return invalid(afterChange);
  // One more than the limit tells whether there is more, without a COUNT over the table.
  const events = afterSeq === undefined ? [] : await reads.events.after(afterSeq, limits.maxEvents + 1);
  const incidents = afterChange === undefined ? [] : await reads.incidents.after(afterChange, limits.maxIncidentChanges + 1);
  const complete = events.length <= limits.maxEvents && incidents.length <= limits.maxIncidentChanges;
  return {
    ok: true,
    events: events.slice(0, limits.maxEvents),
    incidents: incidents.slice(0, limits.maxIncidentChanges),
    complete,
    headSeq: await reads.events.headSeq(),
    headIncidentChange: await reads.incidents.headSeq(),
  };
}

/** What a replay that failed on the server is about, for its log line (never sent to the client). */
export interface ReplayFailure {
  socketId: string;
  keyId: string | null;
  request: unknown;
}

/**
 * The answer to a replay the server failed to read: stable words and a code, naming the connection its log line
 * names; never the internal error's text, which the log has.
 */
function replayFailed(error: unknown, socketId: string): ReplayResponse {
  return { ok: false, code: 'replay-failed', error: `replay failed on the server (${readFailureInWords(error)}; logged for connection ${socketId}); ask again shortly` };
}

/** Registers the handler on every connecting socket (called from livePush.ts). */
export function handleReplay(io: LiveServer, reads: StoreReads, onError: (error: unknown, failure: ReplayFailure) => void, limits: ReplayLimits = DEFAULT_LIMITS): void {
  io.on('connection', (socket) => {
    socket.on('replay', (...args: unknown[]) => {
      // Socket.IO hands the ack over last. Without one there is nobody to answer (a hostile or broken client): ignore.
      const ack = args.pop();
      if (typeof ack !== 'function') return;
      const answer = ack as (response: ReplayResponse) => void;
      // A request left out (or one too many) is answered, not read as another request: the client would wait forever.
      if (args.length !== 1) return answer(invalid(`replay takes one request { afterSeq?, afterIncidentChange? } before its acknowledgement (got ${args.length})`));
      const request = args[0];
      answerReplay(reads, request, limits).then(answer, (error: unknown) => {
        onError(error, { socketId: socket.id, keyId: socket.data.key?.id ?? null, request });
        answer(replayFailed(error, socket.id));
      });
    });
  });
}

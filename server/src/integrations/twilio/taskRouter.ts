// Twilio TaskRouter event callbacks (form-encoded, one event per request) as open-clock milestones. Pure.
// A voice task is one call waiting for a worker: created → started, a reservation accepted → answered,
// canceled (the caller hung up, or the workflow gave up) → abandoned. Every other event is ignored, and so is every
// event of a task on another channel (chat, sms, a custom one, default): a chat counted as a call would be in the
// phone figures.
import { LIMITS, malformedTextProblem } from '../../protocol';
import { quotedText } from '../../protocol/nearMiss';
import { FEED_TIMES, feedInstantMs, wrongEpochUnit, type EpochUnit } from '../epoch';
import { isoFromEpochMs, MAX_CASE_ID_LENGTH, type MilestoneInput } from '../types';
import type { FormParams } from './signature';

/** The TaskRouter events that move a call's clock, and the milestone each one is. */
const MILESTONE_BY_EVENT: Readonly<Record<string, 'started' | 'answered' | 'abandoned'>> = {
  'task.created': 'started',
  'reservation.accepted': 'answered',
  'task.canceled': 'abandoned',
};

/** A callback that cannot be mapped; `field` is the form parameter at fault. */
export class TaskRouterError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field} ${problem}`);
    this.name = 'TaskRouterError';
  }
}

/** An ignored callback says why (`reason`), as the answer to TaskRouter and to whoever reads its logs. */
export type TaskRouterResult = { kind: 'milestone'; eventType: string; milestone: MilestoneInput } | { kind: 'ignored'; eventType: string; reason: string };

/**
 * The TaskRouter channel of calls: `<Enqueue>` in Programmable Voice (and Flex's voice tasks) put a call's task on it.
 * Twilio names it in lower case; a callback forwarded through an integrator's own middleware may spell it `Voice` or
 * `VOICE`, which is the same channel, so it is compared without case.
 */
const VOICE_CHANNEL = 'voice';

export function mapTaskRouterEvent(params: FormParams, site: string): TaskRouterResult {
  const eventType = param(params, 'EventType');
  if (eventType === undefined || eventType.trim() === '') throw new TaskRouterError('EventType', 'is required');
  // Own keys only: an EventType named like a built-in ("constructor") is an event that moves no clock.
  const milestone = Object.hasOwn(MILESTONE_BY_EVENT, eventType) ? MILESTONE_BY_EVENT[eventType] : undefined;
  if (!milestone) return { kind: 'ignored', eventType, reason: `${eventType} moves no call clock (only ${Object.keys(MILESTONE_BY_EVENT).join(', ')} do)` };
  const notVoice = notAVoiceTask(params);
  if (notVoice) return { kind: 'ignored', eventType, reason: notVoice };
  const caseId = taskSid(params);
  const queue = optionalText(params, 'TaskQueueName');
  const agent = milestone === 'answered' ? optionalText(params, 'WorkerName') : undefined;
  return {
    kind: 'milestone',
    eventType,
    milestone: {
      type: 'call',
      site,
      caseId,
      milestone,
      at: eventTime(params),
      ...(queue === undefined ? {} : { queue }),
      ...(agent === undefined ? {} : { agent }),
      // Twilio retries a callback it got no answer to; the same task and event give the same id.
      id: `tr:${caseId}:${eventType}`,
    },
  };
}

/**
 * Why the task of a callback is not a call, or null when it is: only a task on the voice channel is. TaskRouter names
 * every task's channel in its callbacks; `default` is where it puts a task created without one (through the API, by
 * a script or another product), which may be anything, so it is not taken for a call either. A callback without the
 * parameter is not known to be a call, and is ignored as Amazon Connect's records without a Channel are.
 */
function notAVoiceTask(params: FormParams): string | null {
  const channel = param(params, 'TaskChannelUniqueName')?.trim();
  const only = 'only voice tasks are calls';
  if (!channel) return `TaskChannelUniqueName is missing: ${only} (TaskRouter names the channel of every task)`;
  const named = channel.toLowerCase();
  if (named === VOICE_CHANNEL) return null;
  if (named === 'default') return `TaskChannelUniqueName is ${JSON.stringify(channel)}, the channel of a task created without one: ${only} (a call enqueued with <Enqueue> is on "voice"; create call tasks with TaskChannel=voice)`;
  return `TaskChannelUniqueName is ${quotedText(channel)}: ${only}`;
}

function taskSid(params: FormParams): string {
  const sid = param(params, 'TaskSid')?.trim();
  if (!sid) throw new TaskRouterError('TaskSid', 'is required for a task or reservation event');
  if (sid.length > MAX_CASE_ID_LENGTH) throw new TaskRouterError('TaskSid', `must be at most ${MAX_CASE_ID_LENGTH} characters`);
  return sid;
}

/** TimestampMs (milliseconds since 1970) when sent, else Timestamp (seconds since 1970). */
function eventTime(params: FormParams): string {
  const ms = param(params, 'TimestampMs');
  if (ms !== undefined && ms !== '') return isoFromEpochMs(epochValue('TimestampMs', ms, 'milliseconds'));
  const s = param(params, 'Timestamp');
  if (s !== undefined && s !== '') return isoFromEpochMs(epochValue('Timestamp', s, 'seconds'));
  throw new TaskRouterError('TimestampMs', 'or Timestamp is required');
}

/**
 * The instant of a time parameter. A count in the other unit (seconds in TimestampMs, from a script that filled it
 * with a Unix time) is refused naming it, not read as a time in January 1970 (wrongEpochUnit); so is any other time
 * before 2001 or after 9999 (FEED_TIMES), which TaskRouter never sends.
 */
function epochValue(field: string, text: string, unit: EpochUnit): number {
  if (!/^\d+$/.test(text)) throw new TaskRouterError(field, `must be a whole number (${unit} since 1970), got ${JSON.stringify(text)}`);
  const wrongUnit = wrongEpochUnit(text, unit);
  if (wrongUnit) throw new TaskRouterError(field, wrongUnit);
  const ms = feedInstantMs(Number(text), unit);
  if (ms === null) throw new TaskRouterError(field, `is not a plausible time (${unit} since 1970 from ${new Date(FEED_TIMES.fromMs).toISOString()} to the year 9999), got ${text}`);
  return ms;
}

function optionalText(params: FormParams, name: string): string | undefined {
  const value = param(params, name)?.trim();
  if (!value) return undefined;
  if (value.length > LIMITS.maxTextLength) throw new TaskRouterError(name, `must be at most ${LIMITS.maxTextLength} characters`);
  return value;
}

/** A parameter given once (Twilio never repeats one): a name given twice with different values is refused, not read as either. */
function param(params: FormParams, name: string): string | undefined {
  const given = params instanceof URLSearchParams ? params.getAll(name) : [params[name] ?? []].flat();
  if (new Set(given).size > 1) throw new TaskRouterError(name, `is given ${given.length} times with different values; a callback gives it once`);
  const bad = given[0] === undefined ? null : malformedTextProblem(given[0]);
  if (bad) throw new TaskRouterError(name, bad);
  return given[0];
}

// Asterisk's queue_log (one line per event, written by app_queue) as open-clock milestones. Pure.
//
// Line format: epoch|callid|queuename|agent|event|data1|data2|…  Fields are read by position and extra
// fields are ignored, because newer Asterisk versions append fields. The mapping follows app_queue's own
// counters so that Ringside reproduces Asterisk's service level (docs/integrations/asterisk.md):
//   SL  = callscompletedinsl / callscompleted        (within: holdtime ≤ servicelevel at CONNECT)
//   SL2 = (callsabandonedinsl + callscompletedinsl) / (callsabandoned + callscompleted)
//                                                    (within: waittime ≤ servicelevel at the abandon)
// Every value a line carries is a function of that line and the stay it belongs to (stays.ts: a channel may enter
// the same queue more than once), so lines of one call may arrive in different requests and re-posting a line
// produces exactly the same milestone (same id, same content).
import { LIMITS, malformedTextProblem } from '../../protocol';
import { quotedText } from '../../protocol/nearMiss';
import { stayPartOf, type QueueLogAbandon, type QueueLogCallEnd } from '../../protocol/queueLogEvents';
import {
  countIgnored,
  isoFromEpochMs,
  MAX_CASE_ID_LENGTH,
  type HandleTimeInput,
  type IgnoredCounts,
  type MilestoneInput,
  type WithdrawalInput,
} from '../types';
import { MAX_EPOCH_MS, wrongEpochUnit } from '../epoch';
import { assignStays, NOTHING_LOOKED_UP, STAY_SUFFIX_MAX_LENGTH, type StayRef } from './stays';

/** One queue_log line, split by position. */
export interface QueueLogLine {
  /** 1-based line number in the text it came from. */
  lineNumber: number;
  epoch: number;
  callId: string;
  queue: string;
  agent: string;
  event: string;
  /** data1, data2, … (data[0] is data1). */
  data: string[];
}

export interface QueueLogProblem {
  /** 1-based line number. */
  line: number;
  /** The field at fault, named as in the queue_log format (e.g. "data1 (holdtime)"); absent for the line as a whole. */
  field?: string;
  message: string;
}

/** A body that is not a valid queue_log: every problem found, each with its line number. Nothing is mapped. */
export class QueueLogError extends Error {
  /** `problems`: the first MAX_PROBLEMS by line; `more`: how many the body has beyond them. */
  constructor(
    readonly problems: QueueLogProblem[],
    readonly more = 0,
  ) {
    super(problems.map(describeProblem).join('; ') + (more > 0 ? `; and ${more} more problem${more === 1 ? '' : 's'} (the first ${problems.length} by line are listed)` : ''));
    this.name = 'QueueLogError';
  }
}

/** The error for a body's problems: the first MAX_PROBLEMS by line, and how many more there are. */
function queueLogError(problems: QueueLogProblem[]): QueueLogError {
  const byLine = problems.sort((a, b) => a.line - b.line);
  return new QueueLogError(byLine.slice(0, MAX_PROBLEMS), Math.max(0, byLine.length - MAX_PROBLEMS));
}

interface QueueLogSummary {
  /** Lines read (blank lines are not counted). */
  lines: number;
  answered: number;
  abandoned: number;
  /** Calls that left without being answered or abandoned in Asterisk's terms (EXITWITHKEY). */
  withdrawn: number;
  /**
   * Calls whose CONNECT or abandon carried a negative wait (the PBX's clock stepped back during the wait), with
   * their cases: closed unjudged, like a withdrawal, since how long they waited is unknown.
   */
  unmeasured: { count: number; caseIds: string[] };
  /** Handle times reported (COMPLETEAGENT, COMPLETECALLER and the transfers). */
  handleTimes: number;
  /** Calls started (ENTERQUEUE) in this input whose end is not in this input. */
  openClocks: number;
  /** Those calls' case ids. */
  openCaseIds: string[];
  /** Events read but not used, by event name (an end of a call whose calltime or holdtime went negative among them). */
  ignored: IgnoredCounts;
}

export interface QueueLogMapping {
  milestones: MilestoneInput[];
  handleTimes: HandleTimeInput[];
  withdrawals: WithdrawalInput[];
  summary: QueueLogSummary;
}

/** Problems listed in an answer: enough to fix a file, not a flood (the rest are counted). */
const MAX_PROBLEMS = 50;
/** Latest epoch that still makes an ISO date (9999-12-31T23:59:59Z). */
const MAX_EPOCH = Math.floor(MAX_EPOCH_MS / 1000);

/** The five fields every line has before its data: epoch|callid|queuename|agent|event. */
const FIXED_FIELDS = 5;
/** The fixed fields' names, as the queue_log format and this parser's other problems name them. */
const FIELD_NAMES = ['epoch', 'callid', 'queuename', 'agent', 'event'] as const;

/** Events that end the call as abandoned (app_queue calls record_abandoned for each), with the data field holding the wait. */
const ABANDON_WAIT_FIELD: Readonly<Record<QueueLogAbandon, number | null>> = {
  ABANDON: 3, // position|origposition|waittime
  EXITWITHTIMEOUT: 3, // position|origposition|waittime
  EXITEMPTY: 3, // position|origposition|waittime
  WITHDRAW: 3, // position|origposition|waittime|info (QueueWithdrawCaller; Asterisk 16.25, 18.11 and later)
  SYSCOMPAT: null, // channels could not be bridged; no wait on the line, the server measures from ENTERQUEUE
};

/**
 * Events that end an answered call, with the data field holding its calltime (seconds from the answer to the end):
 * COMPLETEAGENT/COMPLETECALLER holdtime|calltime|origposition; TRANSFER (before Asterisk 12) and BLINDTRANSFER
 * extension|context|holdtime|calltime|origposition. ATTENDEDTRANSFER starts with a description of the transfer
 * whose number of fields depends on its kind (BRIDGE|id, APP|name, LINK|channel|channel) and ends with
 * holdtime|calltime|origposition, so its calltime is read second from the end. app_queue writes one of them per
 * answered call.
 */
const CALLTIME_FIELD: Readonly<Record<QueueLogCallEnd, number | 'second-to-last'>> = { COMPLETEAGENT: 2, COMPLETECALLER: 2, TRANSFER: 4, BLINDTRANSFER: 4, ATTENDEDTRANSFER: 'second-to-last' };

function calltimeField(line: QueueLogLine): number {
  const field = CALLTIME_FIELD[line.event as QueueLogCallEnd];
  return field === 'second-to-last' ? Math.max(1, line.data.length - 1) : field;
}

function describeProblem(p: QueueLogProblem): string {
  return `line ${p.line}: ${p.field ? `${p.field} ` : ''}${p.message}`;
}

/** Split a queue_log body into lines (LF or CRLF; blank lines skipped). Throws QueueLogError. */
export function parseQueueLog(text: string): QueueLogLine[] {
  const { lines, problems } = splitLines(text);
  if (problems.length > 0) throw queueLogError(problems);
  return lines;
}

/**
 * The line a body ends in without its line end, as a problem, or null. A shipper that cuts a file by size sends the
 * start of a line (`CONNECT|1` of `CONNECT|12|…`) which would read as a whole one with other figures.
 */
function unterminatedLine(text: string): QueueLogProblem | null {
  const lastEnd = text.lastIndexOf('\n');
  if (text.slice(lastEnd + 1) === '') return null;
  const line = lastEnd < 0 ? 1 : text.slice(0, lastEnd + 1).split('\n').length;
  return { line, message: 'has no line end: queue_log lines end in LF; a line cut short would be stored with wrong figures — send whole lines' };
}

/** Every line that splits into fields, and the problems of every line (a line may have several). */
function splitLines(text: string): { lines: QueueLogLine[]; problems: QueueLogProblem[]; faulty: ReadonlySet<number> } {
  const lines: QueueLogLine[] = [];
  const problems: QueueLogProblem[] = [];
  const faulty = new Set<number>();
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const content = raw[i]!.endsWith('\r') ? raw[i]!.slice(0, -1) : raw[i]!;
    if (content.trim() === '') continue;
    const parsed = parseLine(content, i + 1);
    problems.push(...parsed.problems);
    if (parsed.problems.length > 0) faulty.add(i + 1);
    if (parsed.line) lines.push(parsed.line);
  }
  return { lines, problems, faulty };
}

/** The line's fields (unless it has too few to be a line) and every problem of its fixed fields. */
function parseLine(content: string, lineNumber: number): { line?: QueueLogLine; problems: QueueLogProblem[] } {
  const fields = content.split('|');
  if (fields.length < FIXED_FIELDS) {
    return { problems: [{ line: lineNumber, message: `has ${fields.length} field${fields.length === 1 ? '' : 's'}; a queue_log line has at least ${FIXED_FIELDS} (epoch|callid|queuename|agent|event|…)` }] };
  }
  const problems: QueueLogProblem[] = [];
  const [epochText, callId, queue, agent, event] = fields as [string, string, string, string, string];
  // The text rule of every other way in (protocol/text.ts), named by the queue_log field that breaks it: a queue or
  // call id with a NUL in it could not be stored by PostgreSQL.
  fields.forEach((f, at) => {
    const message = malformedTextProblem(f);
    if (message) problems.push({ line: lineNumber, field: at < FIXED_FIELDS ? FIELD_NAMES[at]! : `data${at - FIXED_FIELDS + 1}`, message });
  });
  const epochProblem = epochMessage(epochText);
  if (epochProblem) problems.push({ line: lineNumber, field: 'epoch', message: epochProblem });
  if (event.trim() === '') problems.push({ line: lineNumber, field: 'event', message: 'must not be empty' });
  return { line: { lineNumber, epoch: epochProblem ? Number.NaN : Number(epochText), callId, queue, agent, event, data: fields.slice(FIXED_FIELDS) }, problems };
}

/**
 * What a mapped line says, before its case is known: the channel's stays in a queue (`stay.base`, callid@queuename)
 * are told apart by when each began (`stay.startSec`: the ENTERQUEUE's epoch, or an end's epoch less the wait it
 * carries; null when the line gives none), which stays.ts turns into case ids.
 */
export type QueueLogReading =
  | { kind: 'start'; line: QueueLogLine; stay: StayRef }
  | { kind: 'stop'; line: QueueLogLine; stay: StayRef; milestone: 'answered' | 'abandoned'; answerSeconds?: number; agent?: string }
  | { kind: 'withdraw'; line: QueueLogLine; stay: StayRef; unmeasured: boolean }
  | { kind: 'handle'; line: QueueLogLine; stay: StayRef; handleSeconds: number; agent?: string }
  | { kind: 'ignored'; line: QueueLogLine };

/**
 * A queue_log body read line by line. Throws QueueLogError naming every problem of every line; with `wholeLines`
 * (a request's body) also a last line without its line end.
 */
export function readQueueLog(text: string, options: { wholeLines?: boolean } = {}): QueueLogReading[] {
  // The lines that split are read even when others do not, and every field of a line is checked, so one answer
  // names every problem of the body.
  const { lines, problems, faulty } = splitLines(text);
  const cut = options.wholeLines ? unterminatedLine(text) : null;
  if (cut) problems.push(cut);
  const readings: QueueLogReading[] = [];
  for (const line of lines) {
    const found: QueueLogProblem[] = [];
    const reading = readLine(line, (p) => found.push({ line: line.lineNumber, ...p }));
    problems.push(...found);
    if (found.length === 0 && !faulty.has(line.lineNumber)) readings.push(reading);
  }
  if (problems.length > 0) throw queueLogError(problems);
  return readings;
}

/** Map a queue_log text to milestones for `site`, as if nothing were stored (stays.ts). Throws QueueLogError naming every problem. */
export function mapQueueLog(text: string, site: string): QueueLogMapping {
  const readings = readQueueLog(text);
  return mapReadings(readings, assignStays(readings, NOTHING_LOOKED_UP).caseIds, site);
}

/** Map read lines to milestones for `site`, each line of the case `caseIds` gives it (its stay's: stays.ts). */
export function mapReadings(readings: readonly QueueLogReading[], caseIds: ReadonlyArray<string | undefined>, site: string): QueueLogMapping {
  const mapper = new LineMapper(site);
  readings.forEach((r, i) => mapper.map(r, caseIds[i]));
  return mapper.result();
}

type Report = (problem: Omit<QueueLogProblem, 'line'>) => void;

/** Runs `check`; a LineProblem it throws is reported and the value is undefined. */
function checked<T>(report: Report, check: () => T): T | undefined {
  try {
    return check();
  } catch (e) {
    if (!(e instanceof LineProblem)) throw e;
    report(e.problem);
    return undefined;
  }
}

/** What the line says, each of its fields checked (every problem reported); the reading is used only when none was. */
function readLine(line: QueueLogLine, report: Report): QueueLogReading {
  const { event } = line;
  const ignored: QueueLogReading = { kind: 'ignored', line };
  const part = stayPartOf(event);
  if (part === null) return ignored;
  const isStart = part === 'start';
  const ends = part === 'handle';
  const base = checked(report, () => caseIdOf(line));
  const agent = event === 'CONNECT' || ends ? checked(report, () => namedAgent(line)) : undefined;
  const stay = (startSec: number | null): StayRef => ({ base: base ?? '', startSec, epochSec: line.epoch });
  if (isStart) return { kind: 'start', line, stay: stay(line.epoch) };
  if (event === 'EXITWITHKEY') {
    // key|position|origposition|waittime since Asterisk 1.6; older ones write key|position: no start to tell then.
    const wait = line.data[3]?.trim();
    return { kind: 'withdraw', line, stay: stay(wait !== undefined && /^\d+$/.test(wait) ? line.epoch - Number(wait) : null), unmeasured: false };
  }
  if (ends) {
    const field = calltimeField(line);
    // The holdtime the end repeats (the field before its calltime) is checked as the CONNECT's is: a value that is no
    // whole seconds is refused, not passed over, so a line the log garbled is not stored as if whole.
    const hold = field > 1 ? checked(report, () => seconds(line, field - 1, 'holdtime')) : undefined;
    const handleSeconds = checked(report, () => seconds(line, field, 'calltime'));
    // The calltime and the holdtime before it add up to the end less the stay's start (app_queue.c).
    const startSec = typeof handleSeconds === 'number' && typeof hold === 'number' ? line.epoch - handleSeconds - hold : null;
    if (handleSeconds === UNMEASURED || hold === UNMEASURED) return ignored;
    return { kind: 'handle', line, stay: stay(startSec), handleSeconds: handleSeconds ?? 0, ...(agent === undefined ? {} : { agent }) };
  }
  const waitField = event === 'CONNECT' ? 1 : ABANDON_WAIT_FIELD[event as QueueLogAbandon];
  const wait = waitField === null ? undefined : checked(report, () => seconds(line, waitField, event === 'CONNECT' ? 'holdtime' : 'waittime'));
  // A wait that went negative closes the case unjudged, as a withdrawal: judged, it would count as met on a wait never
  // measured; refused, the forwarder would post the same lines again and again and every later call of the feed
  // would wait behind it.
  if (wait === UNMEASURED) return { kind: 'withdraw', line, stay: stay(null), unmeasured: true };
  return {
    kind: 'stop',
    line,
    stay: stay(wait === undefined ? null : line.epoch - wait),
    milestone: event === 'CONNECT' ? 'answered' : 'abandoned',
    ...(wait === undefined ? {} : { answerSeconds: wait }),
    ...(agent === undefined ? {} : { agent }),
  };
}

class LineMapper {
  private readonly milestones: MilestoneInput[] = [];
  private readonly handleTimes: HandleTimeInput[] = [];
  private readonly withdrawals: WithdrawalInput[] = [];
  /** Cases of the withdrawals that are ends with a negative wait, not EXITWITHKEY. */
  private readonly unmeasured: string[] = [];
  private readonly ignored: IgnoredCounts = {};
  private readonly started = new Set<string>();
  private readonly ended = new Set<string>();
  private lines = 0;

  constructor(private readonly site: string) {}

  /** One reading, of the case `caseId` (its stay's; none for an ignored line). */
  map(reading: QueueLogReading, caseId: string | undefined): void {
    this.lines++;
    const { line } = reading;
    if (reading.kind === 'ignored' || caseId === undefined) return countIgnored(this.ignored, line.event);
    if (reading.kind === 'start') {
      this.started.add(caseId);
      this.milestones.push({ ...this.base(line, caseId), milestone: 'started' });
    } else if (reading.kind === 'stop') {
      this.ended.add(caseId);
      const { milestone, answerSeconds, agent } = reading;
      this.milestones.push({ ...this.base(line, caseId), milestone, ...(answerSeconds === undefined ? {} : { answerSeconds }), ...(agent === undefined ? {} : { agent }) });
    } else if (reading.kind === 'withdraw') {
      this.ended.add(caseId);
      if (reading.unmeasured) this.unmeasured.push(caseId);
      this.withdrawals.push({ type: 'call', site: this.site, caseId, at: atOf(line), id: idOf(line, caseId), reason: line.event, queue: queueOf(line) });
    } else {
      const { handleSeconds, agent } = reading;
      this.handleTimes.push({ type: 'call', site: this.site, caseId, at: atOf(line), handleSeconds, id: idOf(line, caseId), queue: queueOf(line), ...(agent === undefined ? {} : { agent }) });
    }
  }

  result(): QueueLogMapping {
    const openCaseIds = [...this.started].filter((c) => !this.ended.has(c));
    const count = (m: string) => this.milestones.filter((x) => x.milestone === m).length;
    return {
      milestones: this.milestones,
      handleTimes: this.handleTimes,
      withdrawals: this.withdrawals,
      summary: {
        lines: this.lines,
        answered: count('answered'),
        abandoned: count('abandoned'),
        withdrawn: this.withdrawals.length - this.unmeasured.length,
        unmeasured: { count: this.unmeasured.length, caseIds: this.unmeasured },
        handleTimes: this.handleTimes.length,
        openClocks: openCaseIds.length,
        openCaseIds,
        ignored: this.ignored,
      },
    };
  }

  private base(line: QueueLogLine, caseId: string): Omit<MilestoneInput, 'milestone'> {
    return { type: 'call', site: this.site, caseId, at: atOf(line), queue: queueOf(line), id: idOf(line, caseId) };
  }
}

/** A problem found while mapping one line; the mapper adds the line number. */
class LineProblem extends Error {
  constructor(readonly problem: Omit<QueueLogProblem, 'line'>) {
    super(problem.message);
  }
}

/**
 * The case of the channel's first stay in the queue (a later stay in the same queue gets a suffix: stays.ts). The
 * queue is part of it because a caller who times out of one queue is often sent on to another (an overflow queue)
 * with the same channel uniqueid, and Asterisk counts the two stays separately, each in its own queue.
 */
function caseIdOf(line: QueueLogLine): string {
  if (line.callId.trim() === '' || line.callId === 'NONE') throw new LineProblem({ field: 'callid', message: `must name the call for ${line.event}, got ${quotedText(line.callId)}` });
  const caseId = `${line.callId}@${queueOf(line)}`;
  if (caseId.length > MAX_CASE_ID_LENGTH - STAY_SUFFIX_MAX_LENGTH) {
    throw new LineProblem({
      field: 'callid',
      message: `and queuename together must be at most ${MAX_CASE_ID_LENGTH - STAY_SUFFIX_MAX_LENGTH - 1} characters (the case id is callid@queuename, and callid@queuename#epoch for a later stay in the same queue)`,
    });
  }
  return caseId;
}

function queueOf(line: QueueLogLine): string {
  const queue = line.queue.trim();
  if (queue === '' || queue === 'NONE') throw new LineProblem({ field: 'queuename', message: `must name the queue for ${line.event}, got ${quotedText(line.queue)}` });
  if (queue.length > LIMITS.maxTextLength) throw new LineProblem({ field: 'queuename', message: `must be at most ${LIMITS.maxTextLength} characters` });
  return queue;
}

/** The member who took the call; Asterisk writes NONE where there is none. */
function namedAgent(line: QueueLogLine): string | undefined {
  const agent = line.agent.trim();
  if (agent === '' || agent === 'NONE') return undefined;
  if (agent.length > LIMITS.maxTextLength) throw new LineProblem({ field: 'agent', message: `must be at most ${LIMITS.maxTextLength} characters` });
  return agent;
}

/** Deterministic from the line and its stay, so posting the same line again is recognised as the same milestone. */
export function idOf(line: QueueLogLine, caseId: string): string {
  return `aq:${caseId}:${line.event}`;
}

function atOf(line: QueueLogLine): string {
  return isoFromEpochMs(line.epoch * 1000);
}

/** A wait or calltime that went negative: how long it took is unknown. */
const UNMEASURED = Symbol('unmeasured');

/**
 * app_queue prints time(NULL) − start with %ld, which goes negative when the system clock steps back during a call.
 * Asterisk's own "≤ servicelevel" test then counts the call within; here how long it took is unknown.
 */
function isNegative(text: string | undefined): boolean {
  return text !== undefined && /^-\d+$/.test(text.trim()) && Number(text.trim()) < 0;
}

/** A data field holding whole seconds, or UNMEASURED for a negative one (isNegative). Throws LineProblem when it is not whole seconds. */
function seconds(line: QueueLogLine, position: number, name: string): number | typeof UNMEASURED {
  const field = `data${position} (${name})`;
  const text = line.data[position - 1];
  if (text === undefined) throw new LineProblem({ field, message: `is missing: ${line.event} carries it in data${position}` });
  if (isNegative(text)) return UNMEASURED;
  if (!/^-?\d+$/.test(text.trim())) throw new LineProblem({ field, message: `must be whole seconds, got ${quotedText(text)}` });
  const value = Math.abs(Number(text.trim())); // not negative (above): "-0" is 0 s
  if (value > LIMITS.maxSeconds) throw new LineProblem({ field, message: `must be at most ${LIMITS.maxSeconds} (one day), got ${value}` });
  return value;
}

/**
 * What is wrong with a line's epoch, or null. Whole seconds beyond the year 9999 are told so, not that they are no
 * whole seconds: a 13-digit value is most likely milliseconds (a realtime queue_log table or a script), said with
 * the instant it would name as milliseconds (wrongEpochUnit, the rule Twilio's times are read by too).
 */
function epochMessage(text: string): string | null {
  if (!/^\d+$/.test(text)) return `must be whole seconds since 1970, got ${quotedText(text)}`;
  if (Number(text) <= MAX_EPOCH) return null;
  return wrongEpochUnit(text, 'seconds') ?? `must be at most ${MAX_EPOCH} (9999-12-31T23:59:59Z), got ${quotedText(text)}`;
}

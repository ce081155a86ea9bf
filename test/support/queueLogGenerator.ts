// A seeded generator of Asterisk queue_log files, following the line formats app_queue writes
// (epoch|callid|queuename|agent|event|data…; see docs/integrations/asterisk.md). The same seed gives the same
// file. Calls overlap in time as in a real queue, so lines of different calls interleave; a file can be cut
// into several (log rotation) in the middle of calls.
import { chance, exponential, pick, seededRandom, type Random } from '../../server/src/demo/random';

type CallEnd = 'CONNECT' | 'ABANDON' | 'EXITWITHTIMEOUT' | 'EXITEMPTY' | 'EXITWITHKEY' | 'WITHDRAW';

export interface QueueLogGeneratorOptions {
  seed: number;
  /** Calls entering the first-choice queues (overflow stays come on top). */
  calls: number;
  /** Epoch of the first line (default 2026-03-02T08:00:00Z). */
  startEpoch?: number;
  queues?: string[];
  agents?: string[];
  /** Mean seconds between two calls entering. */
  meanGapSeconds?: number;
  /** Mean seconds a caller waits before being answered or giving up. */
  meanWaitSeconds?: number;
  /** 'modern' writes BLINDTRANSFER/ATTENDEDTRANSFER (Asterisk 12+), 'legacy' writes TRANSFER. */
  transfers?: 'modern' | 'legacy';
  /** Where some callers go after EXITWITHTIMEOUT, with the same channel uniqueid; absent = nowhere. */
  overflowQueue?: string;
  /** Write WITHDRAW exits (QueueWithdrawCaller; Asterisk 16.25, 18.11 and later). */
  withdrawals?: boolean;
  /** Append fields newer Asterisk versions add (caller name on ENTERQUEUE, an extra trailing field elsewhere). */
  extraFields?: boolean;
}

/** What the generator decided for one stay of a call in a queue (the truth a test can check against). */
interface GeneratedStay {
  callId: string;
  queue: string;
  enteredAt: number;
  end: CallEnd;
  /** Holdtime at CONNECT, or waittime at the exit. */
  waitSeconds: number;
  agent?: string;
  /** How the answered call ended. */
  completion?: 'COMPLETEAGENT' | 'COMPLETECALLER' | 'TRANSFER' | 'BLINDTRANSFER' | 'ATTENDEDTRANSFER';
  talkSeconds?: number;
}

export interface GeneratedQueueLog {
  lines: string[];
  text: string;
  stays: GeneratedStay[];
}

interface TimedLine {
  epoch: number;
  text: string;
  /** The stay whose line this is (absent for queue-wide lines). */
  stay?: GeneratedStay;
}

const DEFAULTS = {
  startEpoch: 1_772_438_400,
  queues: ['support', 'sales'],
  agents: ['PJSIP/1001', 'PJSIP/1002', 'Alice Example', 'Bob Example'],
  meanGapSeconds: 40,
  meanWaitSeconds: 25,
};

export function generateQueueLog(options: QueueLogGeneratorOptions): GeneratedQueueLog {
  const o = { ...DEFAULTS, transfers: 'modern' as const, withdrawals: false, extraFields: false, ...options };
  const random = seededRandom(o.seed);
  const out: TimedLine[] = [{ epoch: o.startEpoch, text: line(o.startEpoch, 'NONE', 'NONE', 'NONE', 'QUEUESTART', ['']) }];
  const stays: GeneratedStay[] = [];
  let t = o.startEpoch + 1;
  for (let i = 0; i < o.calls; i++) {
    t += Math.round(exponential(random, o.meanGapSeconds));
    const callId = `${t}.${i + 1}`;
    writeStay(random, o, out, stays, { callId, queue: pick(random, o.queues), enteredAt: t, overflowAllowed: true });
    if (i === Math.floor(o.calls / 2)) out.push({ epoch: t, text: line(t, 'NONE', 'NONE', 'NONE', 'CONFIGRELOAD', ['']) });
    if (chance(random, 0.05)) writeMemberEvent(random, o, out, t);
  }
  // Stable sort: lines of one stay were written in order, so equal epochs keep that order.
  const lines = out.sort((a, b) => a.epoch - b.epoch).map((l) => l.text);
  return { lines, text: lines.map((l) => `${l}\n`).join(''), stays };
}

type Options = Required<Omit<QueueLogGeneratorOptions, 'overflowQueue'>> & { overflowQueue?: string };

function writeStay(random: Random, o: Options, out: TimedLine[], stays: GeneratedStay[], s: { callId: string; queue: string; enteredAt: number; overflowAllowed: boolean }): void {
  const end = chooseEnd(random, o);
  const wait = end === 'EXITWITHTIMEOUT' ? 60 + Math.floor(random() * 240) : Math.round(exponential(random, o.meanWaitSeconds));
  const stay: GeneratedStay = { callId: s.callId, queue: s.queue, enteredAt: s.enteredAt, end, waitSeconds: wait };
  stays.push(stay);
  const push = (epoch: number, agent: string, event: string, data: string[]) => out.push({ epoch, stay, text: line(epoch, s.callId, s.queue, agent, event, data) });
  const position = 1 + Math.floor(random() * 4);
  push(s.enteredAt, 'NONE', 'ENTERQUEUE', ['', `+4930${1_000_000 + Math.floor(random() * 8_999_999)}`, String(position), ...(o.extraFields ? ['Caller Name'] : [])]);
  writeRings(random, o, push, s.enteredAt, wait);
  const endAt = s.enteredAt + wait;
  if (end === 'CONNECT') return writeAnswered(random, o, push, stay, endAt, position);
  const exitData = end === 'EXITWITHKEY' ? ['1', '1', String(position), String(wait)] : end === 'WITHDRAW' ? ['1', String(position), String(wait), 'moved to callback'] : ['1', String(position), String(wait)];
  push(endAt, 'NONE', end, [...exitData, ...(o.extraFields ? ['x'] : [])]);
  if (end === 'EXITWITHTIMEOUT' && o.overflowQueue && s.overflowAllowed && chance(random, 0.5)) {
    writeStay(random, o, out, stays, { callId: s.callId, queue: o.overflowQueue, enteredAt: endAt, overflowAllowed: false });
  }
}

function chooseEnd(random: Random, o: Options): CallEnd {
  const r = random();
  if (r < 0.68) return 'CONNECT';
  if (r < 0.83) return 'ABANDON';
  if (r < 0.89) return 'EXITWITHTIMEOUT';
  if (r < 0.93) return 'EXITEMPTY';
  if (r < 0.97 || !o.withdrawals) return 'EXITWITHKEY';
  return 'WITHDRAW';
}

type Push = (epoch: number, agent: string, event: string, data: string[]) => void;

/** Members rung in turn while the caller waits; a ring that is not answered is logged in milliseconds. */
function writeRings(random: Random, o: Options, push: Push, enteredAt: number, wait: number): void {
  for (let at = 15; at < wait; at += 15) {
    push(enteredAt + at, pick(random, o.agents), chance(random, 0.8) ? 'RINGNOANSWER' : 'RINGCANCELED', [String(15_000 - Math.floor(random() * 500))]);
  }
}

function writeAnswered(random: Random, o: Options, push: Push, stay: GeneratedStay, connectAt: number, position: number): void {
  const agent = pick(random, o.agents);
  const talk = 20 + Math.round(exponential(random, 180));
  const hold = String(stay.waitSeconds);
  Object.assign(stay, { agent, talkSeconds: talk });
  push(connectAt, agent, 'CONNECT', [hold, `${connectAt}.${Math.floor(random() * 9000) + 1000}`, String(Math.min(stay.waitSeconds, 1 + Math.floor(random() * 10)))]);
  const endAt = connectAt + talk;
  if (chance(random, 0.1)) {
    const completion = o.transfers === 'legacy' ? 'TRANSFER' : chance(random, 0.5) ? 'BLINDTRANSFER' : 'ATTENDEDTRANSFER';
    stay.completion = completion;
    const data = completion === 'ATTENDEDTRANSFER' ? ['BRIDGE', 'b7f2a0c4', hold, String(talk), String(position)] : completion === 'BLINDTRANSFER' ? ['2000', 'from-internal', hold, String(talk), String(position)] : ['2000', 'from-internal', hold, String(talk)];
    return push(endAt, agent, completion, data);
  }
  stay.completion = chance(random, 0.5) ? 'COMPLETEAGENT' : 'COMPLETECALLER';
  push(endAt, agent, stay.completion, [hold, String(talk), String(position), ...(o.extraFields ? ['x'] : [])]);
}

function writeMemberEvent(random: Random, o: Options, out: TimedLine[], t: number): void {
  const event = pick(random, ['PAUSE', 'UNPAUSE', 'ADDMEMBER']);
  out.push({ epoch: t, text: line(t, 'NONE', pick(random, o.queues), pick(random, o.agents), event, ['']) });
}

function line(epoch: number, callId: string, queue: string, agent: string, event: string, data: string[]): string {
  return [String(epoch), callId, queue, agent, event, ...data].join('|');
}

/** Cut lines into consecutive files (as log rotation does) before each given line index. */
export function splitIntoFiles(lines: readonly string[], cutBefore: readonly number[]): string[] {
  const cuts = [...new Set(cutBefore)].filter((c) => c > 0 && c < lines.length).sort((a, b) => a - b);
  const bounds = [0, ...cuts, lines.length];
  return bounds.slice(0, -1).map((from, i) => lines.slice(from, bounds[i + 1]).map((l) => `${l}\n`).join(''));
}

/**
 * Line indexes where a cut falls in the middle of a call: just before the end line (CONNECT or an exit) of a
 * stay whose ENTERQUEUE is earlier, so that stay starts in one file and ends in the next.
 */
export function midCallCuts(lines: readonly string[], count: number, seed: number): number[] {
  const random = seededRandom(seed);
  const entered = new Set<string>();
  const candidates: number[] = [];
  lines.forEach((l, i) => {
    const [, callId, queue, , event] = l.split('|');
    const key = `${callId}@${queue}`;
    if (event === 'ENTERQUEUE') entered.add(key);
    else if (entered.has(key) && ['CONNECT', 'ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY', 'EXITWITHKEY', 'WITHDRAW'].includes(event!)) candidates.push(i);
  });
  const chosen = new Set<number>();
  while (chosen.size < Math.min(count, candidates.length)) chosen.add(pick(random, candidates));
  return [...chosen].sort((a, b) => a - b);
}

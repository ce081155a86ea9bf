// `forward asterisk-queue-log`: follows Asterisk's queue_log (fileFollower.ts: tail -F, rotation, a state file
// saved only after the server acknowledged) and posts each batch of complete lines, as written, to
// POST /api/v1/integrations/asterisk/queue-log. The server maps every line to records with ids derived from the
// line, so a batch posted twice (a crash between acknowledgement and saving the state) changes nothing.
//
// A batch the server refuses naming some of its lines (a malformed line, a record that conflicts with one stored) is
// posted again without them, and they are set aside in the rejects file (rejectsFile.ts) with the server's reasons:
// one bad line must not hold back every call after it, nor be lost. The server stores a request all or nothing, so
// the refused request stored none of the lines, and the lines posted again are stored as they would have been. Only a
// refusal of the lines themselves is so handled (refusalOf): one about the setup or the clocks refuses every line
// after it too, and one naming the end of a stay would leave that stay open, so both stop the forwarder instead.
import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { UsageError, type Io, type Values } from '../usage';
import { FatalSendError, FileFollower, type FollowerEvent, type LineBatch, type OpenReason } from './fileFollower';
import { checkStateWritable, readState, StateFileError } from './stateFile';
import { RejectsFile, RejectsFileError, type RejectEntry } from './rejectsFile';
import { apiUrl, forwarderKey, millisecondsOption, onRefusedOption, postToRingside, serverUrl, setupRefusal, siteOption, type OnRefused, type RefusalProblem } from './ringsideApi';
import { RetryLater } from './retry';
import { stopForwarderOnSignals } from './stopSignals';
import { stayPartOf } from '../../protocol/queueLogEvents';

/** Where the offset is kept unless --state says: systemd's StateDirectory, else the working directory. */
function defaultStatePath(file: string, site: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(process.env.STATE_DIRECTORY?.split(':')[0] ?? process.cwd(), `ringside-forward-${safe(basename(file))}-${safe(site)}.state.json`);
}

/** Where refused lines are set aside unless --rejects says: next to the state file. */
function defaultRejectsPath(statePath: string): string {
  return `${statePath.replace(/\.state\.json$/, '')}.rejected.ndjson`;
}

function startAtOption(values: Values): 'beginning' | 'end' {
  const v = values['start-at'] ?? 'beginning';
  if (v !== 'beginning' && v !== 'end') throw new UsageError(`--start-at must be "beginning" or "end", got "${String(v)}"`);
  return v;
}

export async function forwardQueueLog(values: Values, io: Io): Promise<number> {
  const file = resolve(values.file as string);
  const site = siteOption(values)!; // required
  const key = forwarderKey(values);
  const target = apiUrl(serverUrl(values), '/integrations/asterisk/queue-log');
  target.searchParams.set('site', site);
  const statePath = resolve((values.state as string | undefined) ?? defaultStatePath(file, site));
  const onRefused = onRefusedOption(values);
  const rejects = new RejectsFile(resolve((values.rejects as string | undefined) ?? defaultRejectsPath(statePath)));
  // A state file that cannot be read or written is a configuration error, not a passing fault: say so and stop
  // before the queue_log is read or anything is sent (the follower stops too if it fails later). So is a rejects file.
  try {
    await readState(statePath);
    await checkStateWritable(statePath);
    if (onRefused === 'set-aside') await rejects.checkWritable();
  } catch (e) {
    if (!(e instanceof StateFileError) && !(e instanceof RejectsFileError)) throw e;
    io.err(`ringside forward: ${e.message}\n`);
    return 1;
  }
  const recent = new RecentLines();
  const follower = new FileFollower({
    path: file,
    statePath,
    startAt: startAtOption(values),
    pollIntervalMs: millisecondsOption(values, 'poll-interval', 1000),
    send: (batch) => sendBatch(batch, { target, key, site, onRefused, rejects, recent, io }),
    onEvent: (event) => io.err(`${eventText(event)}\n`),
  });
  io.err(`forwarding ${file} to ${target.href} (state ${statePath}${onRefused === 'set-aside' ? `, rejects ${rejects.path}` : ''})\n`);
  const removeHandlers = stopForwarderOnSignals((signal) => {
    io.err(`${signal}: stopping after the batch in flight\n`);
    void follower.stop();
  });
  try {
    await follower.run();
    return 0;
  } catch (e) {
    io.err(`ringside forward: stopped: ${(e as Error).message}\n`);
    return 1;
  } finally {
    removeHandlers();
  }
}

interface Sending {
  target: URL;
  key: string;
  site: string;
  onRefused: OnRefused;
  rejects: RejectsFile;
  recent: RecentLines;
  io: Io;
}

/**
 * Posts the batch until the server took what it would take. A refusal of some of its lines themselves (refusalOf) sets
 * them aside (the rejects file written and fsynced first) and posts the rest again, until the server takes it or
 * nothing is left; any other refusal stops the forwarder, since posting again cannot help.
 */
async function sendBatch(batch: LineBatch, s: Sending): Promise<void> {
  let posted = batch.lines.map((_, i) => i);
  const where = () => `${posted.length} line(s), bytes ${batch.fromOffset}-${batch.toOffset} of ${batch.path}`;
  while (posted.length > 0) {
    const outcome = await postToRingside(s.target, s.key, `${posted.map((i) => batch.lines[i]).join('\n')}\n`, 'text/plain; charset=utf-8');
    if (outcome.kind === 'retry') throw new RetryLater(outcome.reason, outcome.waitMs);
    if (outcome.kind === 'delivered') {
      s.recent.add(posted.length, false);
      s.io.err(`forwarded ${where()} (${outcome.status})${casesText(outcome.body, 'late', 'late end(s) skipped, their clocks had expired')}${casesText(outcome.body, 'unmeasured', "call(s) closed unjudged, their wait went negative (the PBX's clock stepped back)")}\n`);
      return;
    }
    // One of the setup (setupRefusal) refuses every line after it too: never set aside, and what to fix is said.
    const setup = setupRefusal(outcome.status, outcome.problem, s.target);
    const refusal = setup === null && s.onRefused === 'set-aside' ? refusalOf(outcome.status, outcome.problem, batch, posted, s.recent) : { lines: null, why: setup === null ? '' : `; ${setup}` };
    // Sending the same lines again cannot succeed, nor can setting them aside help: stop with the server's reasons.
    if (!refusal.lines) throw new FatalSendError(`the server refused ${where()} (${outcome.status}): ${refusalReasons(outcome.problem, outcome.detail, batch, posted)}${refusal.why}`);
    const refused = refusal.lines;
    const entries = [...refused].map(([i, errors]): RejectEntry => {
      const text = batch.lines[i]!;
      const stay = stayOf(text, errors);
      return {
        key: `${batch.file.dev}:${batch.file.ino}:${batch.offsets[i]}:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`,
        refusedAt: new Date().toISOString(),
        file: batch.path,
        line: batch.lineNumbers[i],
        offset: batch.offsets[i],
        site: s.site,
        status: outcome.status,
        reason: errors.map((e) => `line ${batch.lineNumbers[i]}${e.rest}: ${e.message}`).join('; '),
        ...stay,
        text,
      };
    });
    const written = await s.rejects.append(entries).catch((e: unknown) => {
      throw new FatalSendError((e as Error).message);
    });
    s.recent.add(entries.length, true);
    const already = entries.length - written;
    s.io.err(`set aside ${entries.length} line(s) of ${batch.path} the server refused (${outcome.status}) in ${s.rejects.path}${already > 0 ? ` (${already} already there: this batch was posted before a restart)` : ''}: ${entries[0]!.reason as string}${entries.length > 1 ? '; …' : ''}\n`);
    posted = posted.filter((i) => !refused.has(i));
  }
}

/**
 * The refusals that are of a line itself, whatever else is written around it: the line could not be read as a
 * queue_log line, or its record conflicts with one stored (integrations.ts). Every other refusal of records (an unknown
 * site, a site that differs from a stored one only in letter case, a time in the future of the server's clock) is of
 * the forwarder's setup or the clocks and would refuse every line after it too: setting lines aside would empty the
 * whole feed into the rejects file.
 */
const LINE_PROBLEMS: ReadonlySet<string> = new Set(['invalid-queue-log', 'record-conflict']);

/** How many of the lines posted last are weighed with a refusal (RecentLines). */
const RECENT_LINES = 100;

/**
 * Whether the last RECENT_LINES lines posted were set aside (true) or taken, oldest first: a refusal that would make
 * more than half of them set aside is taken to be about the feed, not about its lines (a wrong --file, a queue_log
 * format this server does not read), and stops the forwarder rather than empty the file into the rejects file.
 */
class RecentLines {
  private readonly outcomes: boolean[] = [];

  add(count: number, setAside: boolean): void {
    for (let i = 0; i < count; i++) this.outcomes.push(setAside);
    this.outcomes.splice(0, Math.max(0, this.outcomes.length - RECENT_LINES));
  }

  /** Whether setting aside `named` of `posted` lines leaves more than half of them and the lines before them set aside. */
  wouldDrain(named: number, posted: number): boolean {
    const before = this.outcomes.slice(Math.max(0, this.outcomes.length - Math.max(0, RECENT_LINES - posted)));
    return (before.filter(Boolean).length + named) * 2 > before.length + posted;
  }
}

type LineErrors = { rest: string; message: string }[];

/**
 * The lines of the batch (by index) a refusal of 400 or 409 names, with the server's problems for each, when they are
 * the lines' own (LINE_PROBLEMS) and may be set aside; else why not (`why`, added to the stop's reasons; '' when the
 * server's reasons say it). Not: a refusal that names anything that is not a line of what was posted (`(body)`, a
 * record it could not place: `line ?`) or is not of the lines (401/403: the key; 404: no such endpoint; 413, 415: the
 * request); one naming every line posted, or leaving more than half of the recent lines set aside (RecentLines); one
 * naming a line that ends a stay, or whose event cannot be read, since that stay's start, stored, would stay open
 * without it and expire as a breach that never happened.
 */
function refusalOf(status: number, problem: RefusalProblem, batch: LineBatch, posted: readonly number[], recent: RecentLines): { lines: Map<number, LineErrors> | null; why: string } {
  const stop = (why = '') => ({ lines: null, why });
  if ((status !== 400 && status !== 409) || !LINE_PROBLEMS.has(problem.type)) return stop();
  const lines = new Map<number, LineErrors>();
  for (const e of problem.errors) {
    const named = lineOfPath(e.path, posted);
    if (!named) return stop();
    lines.set(named.index, [...(lines.get(named.index) ?? []), { rest: named.rest, message: e.message }]);
  }
  // Problems beyond those listed may each be another line: counted as such.
  const count = lines.size + problem.more;
  if (lines.size === 0) return stop();
  if (posted.length > 1 && count >= posted.length) return stop('; not set aside: it names every line posted, which is a refusal of the feed, not of a line');
  if (recent.wouldDrain(count, posted.length)) return stop(`; not set aside: that would make more than half of the last ${RECENT_LINES} lines posted set aside, which is a refusal of the feed, not of a line`);
  for (const i of lines.keys()) {
    const event = fieldsOf(batch.lines[i]!)?.event;
    const part = event === undefined ? undefined : stayPartOf(event);
    if (part === undefined || part === 'end') {
      const what = event === undefined ? 'has no event to read, so it may be the end of a stay' : `(${event}) ends a caller's stay in the queue`;
      return stop(`; not set aside: line ${batch.lineNumbers[i]} ${what}, and without it the stay's ENTERQUEUE, if stored, would stay open and expire as a breach that never happened (correct the line in the file, then start the forwarder again)`);
    }
  }
  return { lines, why: '' };
}

/** A queue_log line's callid, queuename and event (the 2nd to 5th of its `|`-separated fields), or null when it has fewer. */
function fieldsOf(text: string): { callId: string; queue: string; event: string } | null {
  const fields = text.split('|');
  return fields.length < 5 ? null : { callId: fields[1]!, queue: fields[2]!.trim(), event: fields[4]! };
}

/**
 * The stay a set-aside line is part of (its start, or the end of its answered call), for its rejects entry: the
 * record the server named (`aq:<case>:<event>`, of a conflict) and its case, else callid@queuename as the line says.
 */
function stayOf(text: string, errors: LineErrors): { record?: string; stay?: string } {
  const record = errors.map((e) => /^ \((aq:[^)]*)\)/.exec(e.rest)?.[1]).find((r) => r !== undefined);
  if (record) return { record, stay: record.slice('aq:'.length, record.lastIndexOf(':')) };
  const fields = fieldsOf(text);
  return fields && stayPartOf(fields.event) !== null ? { stay: `${fields.callId}@${fields.queue}` } : {};
}

/** A problem's `line N…` (the Nth line of the body posted) as the batch's line index, and what follows the number. */
function lineOfPath(path: string, posted: readonly number[]): { index: number; rest: string } | null {
  const inBody = /^line (\d+)\b(.*)$/.exec(path);
  const index = inBody ? posted[Number(inBody[1]) - 1] : undefined;
  return index === undefined ? null : { index, rest: inBody![2]! };
}

/**
 * The server's reasons, each once, with the file's line numbers: the server numbers the lines of the body it was
 * sent (line 1 is the first line posted), so `line N` in a named field is the Nth of the lines `posted`, whose file
 * line is in `lineNumbers`. Without named fields, the detail as the server wrote it.
 */
function refusalReasons(problem: RefusalProblem, detail: string, batch: LineBatch, posted: readonly number[]): string {
  if (problem.errors.length === 0) return detail;
  const shown = problem.errors.slice(0, 10).map((e) => {
    const named = lineOfPath(e.path, posted);
    return `${named ? `line ${batch.lineNumbers[named.index]}${named.rest}` : e.path}: ${e.message}`;
  });
  const more = problem.errors.length - shown.length + problem.more;
  return `${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

/**
 * The calls the server took but did not count, named in its answer as `{count, caseIds}`: `late` (ends skipped because
 * their call's clock had already expired) and `unmeasured` (calls whose wait went negative).
 */
function casesText(body: string, member: 'late' | 'unmeasured', what: string): string {
  try {
    const cases = (JSON.parse(body) as Record<string, { count?: unknown; caseIds?: unknown } | undefined>)[member];
    if (typeof cases?.count !== 'number' || cases.count === 0 || !Array.isArray(cases.caseIds)) return '';
    return `; ${cases.count} ${what}: ${cases.caseIds.slice(0, 10).join(', ')}${cases.count > 10 ? ', …' : ''}`;
  } catch {
    return '';
  }
}

/** What an opening whose path is not --file's means: the path named is another file of the folder. */
const OPENED_WHY: Partial<Record<OpenReason, string>> = {
  'copy-of-truncated': ': the lines written before the truncation that were not sent yet; then the truncated file from its start',
  'next-rotated': ': the file was rotated again before the one before it was finished; read whole, then the next one',
};

function eventText(event: FollowerEvent): string {
  switch (event.kind) {
    case 'opened':
      // A copy is read before the file it was made of: say which file that is, since the path named is not --file.
      return `following ${event.path} from byte ${event.offset} (${event.reason}${OPENED_WHY[event.reason] ?? ''})`;
    case 'partial-line-dropped':
      return `${event.path}: dropped an unterminated last line of ${event.bytes} byte(s) (the file was rotated)`;
    case 'retrying':
      // Reading: a queue_log that is not there or not readable yet (permissions fixed, a mount back) is waited for.
      return event.stage === 'delivery' ? `not delivered (${(event.error as Error).message}); retrying in ${event.delayMs} ms` : `cannot read ${event.path}: ${(event.error as Error).message}; retrying in ${event.delayMs} ms`;
  }
}

// `forward asterisk-queue-log`: follows Asterisk's queue_log (fileFollower.ts: tail -F, rotation, a state file
// saved only after the server acknowledged) and posts each batch of complete lines, as written, to
// POST /api/v1/integrations/asterisk/queue-log. The server maps every line to records with ids derived from the
// line, so a batch posted twice (a crash between acknowledgement and saving the state) changes nothing.
//
// A batch the server refuses naming some of its lines (a malformed line, a record that conflicts with one stored) is
// posted again without them, and they are set aside in the rejects file (rejectsFile.ts) with the server's reasons:
// one bad line must not hold back every call after it, nor be lost. The server stores a request all or nothing, so
// the refused request stored none of the lines, and the lines posted again are stored as they would have been.
import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { UsageError, type Io, type Values } from '../usage';
import { FatalSendError, FileFollower, type FollowerEvent, type LineBatch } from './fileFollower';
import { checkStateWritable, readState, StateFileError } from './stateFile';
import { RejectsFile, RejectsFileError, type RejectEntry } from './rejectsFile';
import { apiUrl, forwarderKey, millisecondsOption, onRefusedOption, postToRingside, serverUrl, siteOption, type OnRefused, type RefusalProblem } from './ringsideApi';
import { stopForwarderOnSignals } from './stopSignals';

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
  const follower = new FileFollower({
    path: file,
    statePath,
    startAt: startAtOption(values),
    pollIntervalMs: millisecondsOption(values, 'poll-interval', 1000),
    send: (batch) => sendBatch(batch, { target, key, site, onRefused, rejects, io }),
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
  io: Io;
}

/**
 * Posts the batch until the server took what it would take. A refusal naming lines of the batch sets them aside (the
 * rejects file written and fsynced first) and posts the rest again, until the server takes it or nothing is left;
 * a refusal that names none (a wrong key, a whole-body problem) stops the forwarder, since posting again cannot help.
 */
async function sendBatch(batch: LineBatch, s: Sending): Promise<void> {
  let posted = batch.lines.map((_, i) => i);
  const where = () => `${posted.length} line(s), bytes ${batch.fromOffset}-${batch.toOffset} of ${batch.path}`;
  while (posted.length > 0) {
    const outcome = await postToRingside(s.target, s.key, `${posted.map((i) => batch.lines[i]).join('\n')}\n`, 'text/plain; charset=utf-8');
    if (outcome.kind === 'retry') throw new Error(outcome.reason);
    if (outcome.kind === 'delivered') {
      s.io.err(`forwarded ${where()} (${outcome.status})${casesText(outcome.body, 'late', 'late end(s) skipped, their clocks had expired')}${casesText(outcome.body, 'unmeasured', "call(s) closed unjudged, their wait went negative (the PBX's clock stepped back)")}\n`);
      return;
    }
    const refused = s.onRefused === 'set-aside' ? refusedLines(outcome.status, outcome.problem, posted) : null;
    // Sending the same lines again cannot succeed: stop with the server's reasons rather than skip them.
    if (!refused) throw new FatalSendError(`the server refused ${where()} (${outcome.status}): ${refusalReasons(outcome.problem, outcome.detail, batch, posted)}`);
    const entries = [...refused].map(([i, errors]): RejectEntry => {
      const text = batch.lines[i]!;
      return {
        key: `${batch.file.dev}:${batch.file.ino}:${batch.offsets[i]}:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`,
        refusedAt: new Date().toISOString(),
        file: batch.path,
        line: batch.lineNumbers[i],
        offset: batch.offsets[i],
        site: s.site,
        status: outcome.status,
        reason: errors.map((e) => `line ${batch.lineNumbers[i]}${e.rest}: ${e.message}`).join('; '),
        text,
      };
    });
    const written = await s.rejects.append(entries).catch((e: unknown) => {
      throw new FatalSendError((e as Error).message);
    });
    const already = entries.length - written;
    s.io.err(`set aside ${entries.length} line(s) of ${batch.path} the server refused (${outcome.status}) in ${s.rejects.path}${already > 0 ? ` (${already} already there: this batch was posted before a restart)` : ''}: ${entries[0]!.reason as string}${entries.length > 1 ? '; …' : ''}\n`);
    posted = posted.filter((i) => !refused.has(i));
  }
}

/**
 * The lines of the batch (by index) a refusal names, with the server's problems for each; null when it names none,
 * or names anything that is not a line of what was posted (`(body)`, a record it could not place: `line ?`), or is not
 * a refusal of the lines themselves (401/403: the key; 404: no such endpoint; 413, 415: the request).
 */
function refusedLines(status: number, problem: RefusalProblem, posted: readonly number[]): Map<number, { rest: string; message: string }[]> | null {
  if (status !== 400 && status !== 409 && status !== 422) return null;
  const lines = new Map<number, { rest: string; message: string }[]>();
  for (const e of problem.errors) {
    const named = lineOfPath(e.path, posted);
    if (!named) return null;
    lines.set(named.index, [...(lines.get(named.index) ?? []), { rest: named.rest, message: e.message }]);
  }
  return lines.size > 0 ? lines : null;
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

function eventText(event: FollowerEvent): string {
  switch (event.kind) {
    case 'opened':
      return `following ${event.path} from byte ${event.offset} (${event.reason})`;
    case 'partial-line-dropped':
      return `${event.path}: dropped an unterminated last line of ${event.bytes} byte(s) (the file was rotated)`;
    case 'retrying':
      // Reading: a queue_log that is not there or not readable yet (permissions fixed, a mount back) is waited for.
      return event.stage === 'delivery' ? `not delivered (${(event.error as Error).message}); retrying in ${event.delayMs} ms` : `cannot read ${event.path}: ${(event.error as Error).message}; retrying in ${event.delayMs} ms`;
  }
}

// `forward asterisk-queue-log`: follows Asterisk's queue_log (fileFollower.ts: tail -F, rotation, a state file
// saved only after the server acknowledged) and posts each batch of complete lines, as written, to
// POST /api/v1/integrations/asterisk/queue-log. The server maps every line to records with ids derived from the
// line, so a batch posted twice (a crash between acknowledgement and saving the state) changes nothing.
import { basename, join, resolve } from 'node:path';
import { UsageError, type Io, type Values } from '../usage';
import { FatalSendError, FileFollower, type FollowerEvent, type LineBatch } from './fileFollower';
import { checkStateWritable, readState, StateFileError } from './stateFile';
import { apiUrl, forwarderKey, millisecondsOption, postToRingside, serverUrl, siteOption, type RefusalProblem } from './ringsideApi';
import { stopForwarderOnSignals } from './stopSignals';

/** Where the offset is kept unless --state says: systemd's StateDirectory, else the working directory. */
function defaultStatePath(file: string, site: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(process.env.STATE_DIRECTORY?.split(':')[0] ?? process.cwd(), `ringside-forward-${safe(basename(file))}-${safe(site)}.state.json`);
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
  // A state file that cannot be read or written is a configuration error, not a passing fault: say so and stop
  // before the queue_log is read or anything is sent (the follower stops too if it fails later).
  try {
    await readState(statePath);
    await checkStateWritable(statePath);
  } catch (e) {
    if (!(e instanceof StateFileError)) throw e;
    io.err(`ringside forward: ${e.message}\n`);
    return 1;
  }
  const follower = new FileFollower({
    path: file,
    statePath,
    startAt: startAtOption(values),
    pollIntervalMs: millisecondsOption(values, 'poll-interval', 1000),
    send: (batch) => sendBatch(batch, target, key, io),
    onEvent: (event) => io.err(`${eventText(event)}\n`),
  });
  io.err(`forwarding ${file} to ${target.href} (state ${statePath})\n`);
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

async function sendBatch(batch: LineBatch, target: URL, key: string, io: Io): Promise<void> {
  const outcome = await postToRingside(target, key, `${batch.lines.join('\n')}\n`, 'text/plain; charset=utf-8');
  const where = `${batch.lines.length} line(s), bytes ${batch.fromOffset}-${batch.toOffset} of ${batch.path}`;
  if (outcome.kind === 'retry') throw new Error(outcome.reason);
  // Sending the same lines again cannot succeed: stop with the server's reasons rather than skip them.
  if (outcome.kind === 'refused') throw new FatalSendError(`the server refused ${where} (${outcome.status}): ${refusalReasons(outcome.problem, outcome.detail, batch)}`);
  io.err(`forwarded ${where} (${outcome.status})${casesText(outcome.body, 'late', 'late end(s) skipped, their clocks had expired')}${casesText(outcome.body, 'unmeasured', "call(s) closed unjudged, their wait went negative (the PBX's clock stepped back)")}\n`);
}

/**
 * The server's reasons, each once, with the file's line numbers: the server numbers the lines of the body it was
 * sent (line 1 is the batch's first line), so `line N` in a named field is the batch's Nth line, found in
 * `lineNumbers`. Without named fields, the detail as the server wrote it.
 */
function refusalReasons(problem: RefusalProblem, detail: string, batch: LineBatch): string {
  if (problem.errors.length === 0) return detail;
  const shown = problem.errors.slice(0, 10).map((e) => {
    const inBatch = /^line (\d+)\b(.*)$/.exec(e.path);
    const line = inBatch ? batch.lineNumbers[Number(inBatch[1]) - 1] : undefined;
    return `${inBatch && line !== undefined ? `line ${line}${inBatch[2]}` : e.path}: ${e.message}`;
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

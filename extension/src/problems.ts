// A connection problem as the extension tells it: the shared plain sentence (protocol/pure/serverAddress.ts) plus
// what to do here, in the extension's own commands and settings.
import type { ConnectionState } from '@ringside/server/protocol';
import { describeConnectionProblem, isLoopback, needsApiKey, type ConnectionProblem, type ConnectionProblemKind } from '@ringside/server/protocol/pure';
import { clockTime } from './clockTime';

/**
 * A connection that was up and was lost, while the client brings it back by itself: not "offline". The views keep
 * the last figures, saying since when and as of when.
 */
export interface Reconnecting {
  /** When the connection was lost (epoch ms). */
  since: number;
  /** The server's time of the figures shown (the last snapshot or compliance update), if any arrived. */
  figuresAt: string | undefined;
}

/**
 * What to do for each kind. A connection that was up and was lost comes back by itself: nothing to do, unless the
 * server is the local one this extension started (LOST_LOCAL_SERVER), whose stop or crash no team restarts. A team
 * server's restart or deploy must not read as "start the local server", and neither must a server on this machine
 * that someone started in a terminal (`pnpm start`): "Start Local Server" would start another one, not that one.
 */
const WHAT_TO_DO: Readonly<Record<ConnectionProblemKind, string>> = {
  unreachable: 'Start the local server or check ringside.serverUrl.',
  'needs-key': 'Run "Ringside: Set API Key".',
  'key-refused': 'Run "Ringside: Set API Key" with a valid key.',
  forbidden: 'Run "Ringside: Set API Key" with a key that has scope "read".',
  lost: '',
  disconnected: 'Run "Ringside: Connect to Server" to connect again.',
  'invalid-url': 'Check ringside.serverUrl.',
  other: 'Check ringside.serverUrl, or start the local server.',
};

const LOST_LOCAL_SERVER = 'If the local server stopped, run "Ringside: Start Local Server".';

/**
 * For an address on another machine (a team server) "start the local server" is no way out: it would start a server
 * here, not reach that one. What is left to check is the server, the address and the way there.
 */
const ELSEWHERE: Partial<Record<ConnectionProblemKind, string>> = {
  unreachable: 'Check that it runs and that ringside.serverUrl and the network (VPN, proxy) lead to it.',
  other: 'Check ringside.serverUrl.',
};

function whatToDo(kind: ConnectionProblemKind, serverUrl: string): string {
  const elsewhere = ELSEWHERE[kind];
  return elsewhere !== undefined && !onThisMachine(serverUrl) ? elsewhere : WHAT_TO_DO[kind];
}

function onThisMachine(serverUrl: string): boolean {
  try {
    return isLoopback(new URL(serverUrl).hostname);
  } catch {
    return true; // not an address: told as such (invalid-url)
  }
}

/** A connection problem as the extension tells it. */
export interface ExtensionProblem extends ConnectionProblem {
  /**
   * Whether "Start Local Server" is a way out: the server is the local one this extension started, and no key is at
   * fault. Not for a team server, nor for one someone started in a terminal (WHAT_TO_DO): the command would start
   * another server, not bring that one back.
   */
  startsLocalServer: boolean;
}

/**
 * The problem with its advice, e.g. "Cannot reach … at http://127.0.0.1:4870: is it running? Start the local server
 * or check ringside.serverUrl." `ownLocalServer`: the server is the local one this extension started.
 */
export function extensionProblem(serverUrl: string, error: string, ownLocalServer = false): ExtensionProblem {
  const problem = describeConnectionProblem(serverUrl, error);
  const advice = problem.kind === 'lost' && ownLocalServer ? LOST_LOCAL_SERVER : whatToDo(problem.kind, serverUrl);
  const startsLocalServer = ownLocalServer && !needsApiKey(problem.kind) && problem.kind !== 'invalid-url';
  return { ...problem, text: advice ? `${problem.text} ${advice}` : problem.text, startsLocalServer };
}

/** A problem only another API key solves: none was sent, the one sent was refused, or it may not read. */
export type KeyProblemKind = Extract<ConnectionProblemKind, 'needs-key' | 'key-refused' | 'forbidden'>;

/**
 * The `ringside.keyProblem` context key (commandIds.ts): which key problem keeps the connection down, '' when none.
 * The Sites view's welcome content (package.json viewsWelcome) explains each in its own words: a key refused after
 * "Set API Key" must not read as if none had been given.
 */
export function keyProblemOf(state: ConnectionState, problem: ConnectionProblem | undefined): KeyProblemKind | '' {
  if (state !== 'disconnected' || problem === undefined || !needsApiKey(problem.kind)) return '';
  return problem.kind as KeyProblemKind;
}

/**
 * The Sites view's description while not connected: short, the welcome content below says what to do. A key the
 * server refused is told apart from a missing one: after "Set API Key" with a mistyped or revoked key, "needs an
 * API key" would read as if the key had not been taken at all.
 */
export function shortProblem(kind: ConnectionProblemKind, serverUrl: string, reason?: string): string {
  const host = hostOf(serverUrl);
  if (kind === 'unreachable') return `cannot reach ${host}`;
  if (kind === 'needs-key') return `${host} needs an API key`;
  // The server's reason where it gave one ("it is not recognised"): the welcome content below cannot carry it.
  if (kind === 'key-refused') return `${host} refused the API key${reason ? ` (it is ${reason})` : ''}`;
  if (kind === 'forbidden') return `the API key may not read ${host}`;
  if (kind === 'lost') return `reconnecting to ${host}…`;
  // Not "not connected to 127.0.0.1:4870": an address without http:// would read as a server that is merely down.
  if (kind === 'invalid-url') return `"${serverUrl}" is not an http(s) address`;
  return `not connected to ${host}`;
}

/** "127.0.0.1:4870", "ops.example/ringside": the server as a short description names it. */
function hostOf(serverUrl: string): string {
  try {
    const url = new URL(serverUrl);
    return `${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return serverUrl; // shown as configured
  }
}

/**
 * "as of 14:05", or "as of 5 Dec 17:59" when the figures are not of `now`'s day (an overnight outage, a laptop's
 * sleep): how every view dates the last figures it keeps while reconnecting.
 */
function asOf(serverTime: string, now: number): string {
  return `as of ${clockTime(serverTime, now)}`;
}

/** "figures as of 14:05": the Sites view's description and the status bar's tooltip. */
export function figuresAsOf(serverTime: string, now: number): string {
  return `figures ${asOf(serverTime, now)}`;
}

/**
 * "as of 14:04 (reconnecting)" ("(reconnecting)" before any figures' time arrived): what a list of kept figures or
 * incidents adds to its title while reconnecting, so it does not read as now.
 */
export function keptAsOf(reconnecting: Reconnecting, now: number): string {
  return reconnecting.figuresAt ? `${asOf(reconnecting.figuresAt, now)} (reconnecting)` : '(reconnecting)';
}

/**
 * The Sites view's description: nothing when connected; while reconnecting after a loss, to where and how old the
 * figures it keeps are ("reconnecting to ops.example… figures as of 14:05"); otherwise the short problem.
 */
export function sitesViewDescription(state: ConnectionState, serverUrl: string, problem: ConnectionProblem | undefined, reconnecting: Reconnecting | undefined, now: number): string | undefined {
  if (state === 'connected') return undefined;
  if (reconnecting) return `${shortProblem('lost', serverUrl)}${reconnecting.figuresAt ? ` ${figuresAsOf(reconnecting.figuresAt, now)}` : ''}`;
  if (state === 'connecting') return 'connecting…';
  return problem ? shortProblem(problem.kind, serverUrl, problem.reason) : 'not connected';
}

/** The Alerts view's description: "3 open", while reconnecting "3 open as of 14:04 (reconnecting)"; nothing when none is open. */
export function alertsViewDescription(open: number, reconnecting: Reconnecting | undefined, now: number): string | undefined {
  if (open === 0) return undefined;
  return reconnecting ? `${open} open ${keptAsOf(reconnecting, now)}` : `${open} open`;
}

/**
 * Why Acknowledge is not sent while reconnecting (undefined otherwise): the request can only fail then, and the
 * incidents shown are the last known. The Alerts view hides the action meanwhile; a notification's button or the
 * command from a keybinding still lands here.
 */
export function cannotAcknowledge(serverUrl: string, reconnecting: Reconnecting | undefined, now: number): string | undefined {
  if (!reconnecting) return undefined;
  const shown = reconnecting.figuresAt ? ` The alerts shown are ${asOf(reconnecting.figuresAt, now)}.` : '';
  return `Ringside: cannot acknowledge while reconnecting to ${hostOf(serverUrl)}; try again once it is back.${shown}`;
}

// A connection problem as the extension tells it: the shared plain sentence (protocol/pure/serverAddress.ts) plus
// what to do here, in the extension's own commands and settings.
import { describeConnectionProblem, type ConnectionProblem, type ConnectionProblemKind } from '@ringside/server/protocol/pure';

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

/** The problem with its advice, e.g. "Cannot reach … at http://127.0.0.1:4870: is it running? Start the local server or check ringside.serverUrl." */
export function extensionProblem(serverUrl: string, error: string): ConnectionProblem {
  const problem = describeConnectionProblem(serverUrl, error);
  const advice = WHAT_TO_DO[problem.kind];
  return { kind: problem.kind, text: advice ? `${problem.text} ${advice}` : problem.text };
}

/**
 * The Sites view's description while not connected: short, the welcome content below says what to do. A key the
 * server refused is told apart from a missing one: after "Set API Key" with a mistyped or revoked key, "needs an
 * API key" would read as if the key had not been taken at all.
 */
export function shortProblem(kind: ConnectionProblemKind, serverUrl: string): string {
  let host = serverUrl;
  try {
    const url = new URL(serverUrl);
    host = `${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    // shown as configured
  }
  if (kind === 'unreachable') return `cannot reach ${host}`;
  if (kind === 'needs-key') return `${host} needs an API key`;
  if (kind === 'key-refused') return `${host} refused the API key`;
  if (kind === 'forbidden') return `the API key may not read ${host}`;
  if (kind === 'lost') return `reconnecting to ${host}…`;
  return `not connected to ${host}`;
}

// What the user hears after a connect they asked for (Connect to Server, Set API Key): nothing when it worked, one
// error notification naming the problem, with the button that solves it, when it did not. Without it a mistyped
// key changed only the status bar and the Sites view's heading. Free of the vscode module (its caller passes how to
// show a message and run a command), so the extension host's tests run it against a real server.
import { needsApiKey } from '@ringside/server/protocol/pure';
import { CONNECT_COMMAND, SET_API_KEY_COMMAND, START_LOCAL_SERVER_COMMAND } from './commandIds';
import type { RingsideConnection } from './connection';
import type { ExtensionProblem } from './problems';

/** How long a connect may take before it counts as neither working nor failing (socket.io-client then keeps trying). */
const CONNECT_OUTCOME_TIMEOUT_MS = 15_000;

export interface OutcomeDeps {
  connection: Pick<RingsideConnection, 'state' | 'problem' | 'onMessage'>;
  /** Shows an error with buttons; resolves with the button chosen (Messages.error). */
  showError(text: string, ...actions: string[]): PromiseLike<string | undefined>;
  /** Runs a command by id (vscode.commands.executeCommand). */
  execute(command: string): PromiseLike<unknown>;
}

const BUTTONS: Readonly<Record<string, string>> = {
  'Set API Key': SET_API_KEY_COMMAND,
  'Start Local Server': START_LOCAL_SERVER_COMMAND,
  'Connect to Another Server': CONNECT_COMMAND,
};

/** The first settled outcome: undefined once connected (or still connecting after `timeoutMs`), else the problem. */
function settledProblem(connection: OutcomeDeps['connection'], timeoutMs = CONNECT_OUTCOME_TIMEOUT_MS): Promise<ExtensionProblem | undefined> {
  return new Promise((resolve) => {
    const done = (problem: ExtensionProblem | undefined) => {
      subscription.dispose();
      clearTimeout(timer);
      resolve(problem);
    };
    const check = () => {
      if (connection.state === 'connected') done(undefined);
      else if (connection.state === 'disconnected' && connection.problem) done(connection.problem);
    };
    const subscription = connection.onMessage((m) => m.type === 'connection' && check());
    const timer = setTimeout(() => done(undefined), timeoutMs);
    check();
  });
}

/**
 * The error for a connect that failed: the problem in the server's words (a refused key says why: "it is not
 * recognised", "it is revoked") and what to do, with "Set API Key" for a key problem, else the way to another server
 * and, for the local server this extension started, "Start Local Server" (ExtensionProblem.startsLocalServer).
 */
function outcomeMessage(problem: ExtensionProblem): { text: string; actions: string[] } {
  if (needsApiKey(problem.kind)) return { text: `Ringside: ${problem.text}`, actions: ['Set API Key'] };
  return { text: `Ringside: ${problem.text}`, actions: [...(problem.startsLocalServer ? ['Start Local Server'] : []), 'Connect to Another Server'] };
}

/** Waits for the connect's first outcome and, when it failed, shows its error once; a button runs its command. */
export async function reportConnectOutcome(deps: OutcomeDeps, timeoutMs = CONNECT_OUTCOME_TIMEOUT_MS): Promise<void> {
  const problem = await settledProblem(deps.connection, timeoutMs);
  if (!problem) return;
  const { text, actions } = outcomeMessage(problem);
  const choice = await deps.showError(text, ...actions);
  const command = choice === undefined ? undefined : BUTTONS[choice];
  if (command) await deps.execute(command);
}

// SIGINT and SIGTERM end a forwarder cleanly, with exit 0 and one line saying so, whenever they come. Until it runs
// (Node loading its dependencies, the state file being checked, the server asked for its event types) a forwarder
// has read nothing from its source and sent nothing, so a signal then ends the process at once; once it runs, its
// own stop finishes what is in flight (the batch being posted and its offset saved; an MQTT message being delivered
// is left unacknowledged for the broker to send again). The handlers are installed by entry.ts before anything else
// loads: without them a signal's default action kills the process (exit 143) for the whole of its start-up.

type Stop = (signal: NodeJS.Signals) => void;

/** A second signal within this long of the first is the same stop (see onSignal). */
const SAME_STOP_MS = 1000;

let installed = false;
/** When the first signal came (Date.now()), or null. */
let stoppingSince: number | null = null;
let running: Stop | null = null;
/** A forwarder ran and has ended: its own exit code stands. */
let ended = false;
/**
 * The stop was said to be still going ("send it again to stop now"): from then on a repeated signal ends the process,
 * however soon after the first it comes by the wall clock. The message's timer runs on the event loop's clock, which
 * can be some milliseconds behind Date.now() when the first signal is handled, so a signal sent the moment the message
 * appeared could otherwise still count as the same stop, and be ignored.
 */
let repeatStops = false;

function onSignal(signal: NodeJS.Signals): void {
  if (stoppingSince !== null) {
    // A terminal's Ctrl-C can arrive twice at once (its process group, and a parent that forwards it): the first one
    // counts. A later one is someone asking again because the stop hangs (a source that does not answer, a file on a
    // mount gone away): it ends the process as the signal's default action would have.
    if (!repeatStops && Date.now() - stoppingSince < SAME_STOP_MS) return;
    process.stderr.write(`${signal} again: stopping now, without finishing what is in flight\n`);
    // The signal's own default action, not process.exit(): Node's exit waits for a file read that does not return.
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.kill(process.pid, signal);
    return;
  }
  stoppingSince = Date.now();
  if (running) {
    // A stop still going after the first second is waiting on something: say so, and how to end it now.
    setTimeout(() => {
      repeatStops = true;
      process.stderr.write(`${signal}: still stopping; send it again to stop now, without finishing what is in flight\n`);
    }, SAME_STOP_MS).unref();
    return running(signal);
  }
  if (ended) process.exit();
  process.stderr.write(`${signal}: stopping (nothing is being forwarded)\n`);
  process.exit(0);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Installs the handlers when `argv` runs a forwarder (`forward …`); the server and the other commands keep their own. */
export function catchForwarderSignals(argv: readonly string[]): void {
  if (argv[0] === 'forward') install();
}

/** While the forwarder runs, the first signal calls `stop` rather than ending the process; the returned function ends that. */
export function stopForwarderOnSignals(stop: Stop): () => void {
  install();
  running = stop;
  return () => {
    if (running !== stop) return;
    running = null;
    ended = true;
  };
}

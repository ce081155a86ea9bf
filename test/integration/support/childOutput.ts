// What a child process prints, and event-driven waits for it: a wait ends on the output that proves the
// state (a log line, a listening line), never after a fixed time.
import type { ChildProcess } from 'node:child_process';

type Stream = 'stdout' | 'stderr';

export interface ChildOutput {
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in everything `stream` has printed, once it is there. */
  until(stream: Stream, pattern: RegExp): Promise<RegExpExecArray>;
}

export function watchOutput(child: ChildProcess): ChildOutput {
  const text: Record<Stream, string> = { stdout: '', stderr: '' };
  const waiters = new Set<{ stream: Stream; pattern: RegExp; resolve(m: RegExpExecArray): void; reject(e: Error): void }>();
  const check = () => {
    for (const w of waiters) {
      const match = w.pattern.exec(text[w.stream]);
      if (!match) continue;
      waiters.delete(w);
      w.resolve(match);
    }
  };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.on('data', (chunk: Buffer) => {
      text[stream] += chunk.toString();
      check();
    });
  }
  let closed = false;
  const refuseAll = () => {
    for (const w of waiters) w.reject(new Error(`exited (${child.exitCode ?? child.signalCode}) before printing ${w.pattern} on ${w.stream}; stderr: ${text.stderr}`));
    waiters.clear();
  };
  // 'close', not 'exit': the streams have delivered everything the process printed.
  child.once('close', () => ((closed = true), refuseAll()));
  return {
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    until: (stream, pattern) =>
      new Promise((resolve, reject) => {
        waiters.add({ stream, pattern, resolve, reject });
        check();
        if (closed) refuseAll();
      }),
  };
}

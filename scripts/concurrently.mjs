// Runs independent commands at the same time (the static checks are single-threaded: side by side they use every
// core), each one's output kept together and printed, with its time, as it finishes.
import { spawn } from 'node:child_process';

/**
 * Starts every `{ label, command, args }` at once (cwd: `cwd`) and resolves, once all have ended, with each one's
 * `{ label, ok, seconds }` in the order given. `report(step, ok, seconds)` prints each one's last line.
 */
export function runConcurrently(steps, { cwd, report }) {
  return Promise.all(
    steps.map(({ label, command, args }) => {
      const started = Date.now();
      const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      const output = [];
      child.stdout.on('data', (chunk) => output.push(chunk));
      child.stderr.on('data', (chunk) => output.push(chunk));
      return new Promise((resolve) => {
        const end = (ok) => {
          const seconds = ((Date.now() - started) / 1000).toFixed(1);
          process.stdout.write(Buffer.concat(output));
          report(label, ok, seconds);
          resolve({ label, ok, seconds });
        };
        child.once('error', (error) => (output.push(Buffer.from(`${error.message}\n`)), end(false)));
        child.once('close', (code) => end(code === 0));
      });
    }),
  );
}

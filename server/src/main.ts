// Composition root of the built server: parse the command line, start, print where, stop on signals.
import { resolve } from 'node:path';
import { parseCli, USAGE } from './cli/options';
import { startServer } from './server';

async function main(argv: readonly string[]): Promise<void> {
  const cli = parseCli(argv);
  if (cli.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (cli.kind === 'error') {
    process.stderr.write(`ringside: ${cli.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const options = { ...cli.options, dataDir: resolve(cli.options.dataDir) };
  let server;
  try {
    server = await startServer(options);
  } catch (error) {
    process.stderr.write(`ringside: could not start: ${(error as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const running = server;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A terminal's Ctrl-C reaches us twice under `pnpm start` (the group and the forwarding parent).
    if (stopping) return;
    stopping = true;
    process.stderr.write(`ringside: ${signal}, shutting down\n`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`ringside: error while closing: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  // Handlers first: whoever reads the listening line may signal us at once.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.write(`listening on ${server.url}\ndashboard: ${server.url}/\n`);
}

void main(process.argv.slice(2));

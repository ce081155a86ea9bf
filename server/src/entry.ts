// The built server's entry point (dist/main.js): the forwarders' signal handlers first, then the command line
// (main.ts), loaded only then. Its dependencies (Express, Socket.IO, the database drivers, MQTT) take most of a
// second to load, and a forwarder stopped meanwhile must still stop cleanly (cli/forward/stopSignals.ts); main.ts
// is built into a file of its own (build.mjs) so that none of them loads before these handlers are in place.
import { catchForwarderSignals } from './cli/forward/stopSignals';

catchForwarderSignals(process.argv.slice(2));
await import('./main');

// The CPU an ingest row's target rate would take at the CPU per record measured in the same run, beside what the
// machine has: all its cores for everything (the server, its database's processes where there are any, the load
// generator), and one core for the server's own thread. Where either is exceeded, no change that only moves work
// between threads or cores (a writer thread, a second node) can meet the target: the work per record must shrink.
import { cpus } from 'node:os';
import { fmt } from './common.mjs';

/**
 * `parts`: [{ what, us }] CPU per record of each process measured (the first is the server's); `threadUs`: the
 * server's own. `rate`: the target's records per second in this run.
 */
export function cpuBudget({ unit, rate, parts, threadUs }) {
  const cores = cpus().length;
  const total = parts.reduce((n, p) => n + p.us, 0);
  const coresNeeded = (total * rate) / 1e6;
  const threadCores = (threadUs * rate) / 1e6;
  const measured = `this run's CPU per ${unit}: ${parts.map((p) => `${p.what} ${fmt(p.us, 1)} µs`).join(', ')}: ${fmt(total, 1)} µs in all`;
  const need = `at the target's ${fmt(rate)} ${unit}s/s that is ${coresNeeded.toFixed(2)} of the machine's ${cores} cores, and ${threadCores.toFixed(2)} of one core for the server's single thread`;
  const short = coresNeeded > cores || threadCores > 1;
  const over = [coresNeeded > cores ? `${coresNeeded.toFixed(2)} cores of ${cores}` : '', threadCores > 1 ? `${threadCores.toFixed(2)} × one core for the server's thread` : ''].filter(Boolean).join(' and ');
  return {
    rate,
    cores,
    total,
    coresNeeded,
    threadCores,
    short,
    text: `CPU budget at the target: ${measured}; ${need}${short ? ' — more than the machine has at this CPU per ' + unit : ''}.`,
    verdict: short
      ? `At this run's CPU per ${unit} (${fmt(total, 1)} µs in all) the target's rate would take ${over}: the product's per-${unit} work, not waiting, is what is short${coresNeeded > cores ? ', and moving it to another thread or node would not make room' : ''}.`
      : null,
  };
}

// `forward asterisk-queue-log` and `forward mqtt`: long-running forwarders that feed a Ringside server over its
// API from sources that cannot post themselves (a log file, an MQTT broker). Each action has its own options;
// one given to the other action is bad usage rather than silently ignored.
import { UsageError, type Io, type Subcommand, type Values } from '../usage';
import { forwardMqtt } from './mqttForwarder';
import { forwardQueueLog } from './queueLogForwarder';

const ACTIONS: Record<string, { required: readonly string[]; optional: readonly string[]; run: (values: Values, io: Io) => Promise<number> }> = {
  'asterisk-queue-log': { required: ['file', 'server', 'site'], optional: ['key-file', 'state', 'poll-interval', 'start-at'], run: forwardQueueLog },
  mqtt: { required: ['broker', 'topic', 'server'], optional: ['key-file', 'site', 'type', 'client-id'], run: forwardMqtt },
};

const string = { type: 'string' } as const;

export const forwardCommand: Subcommand = {
  name: 'forward',
  actions: Object.keys(ACTIONS),
  options: Object.fromEntries([...new Set(Object.values(ACTIONS).flatMap((a) => [...a.required, ...a.optional]))].map((o) => [o, string])),
  required: [],
  run: (values, io, action) => {
    const spec = ACTIONS[action!]!;
    const foreign = Object.keys(values).filter((o) => !spec.required.includes(o) && !spec.optional.includes(o));
    if (foreign.length > 0) throw new UsageError(`${foreign.map((o) => `--${o}`).join(', ')} ${foreign.length > 1 ? 'are not options' : 'is not an option'} of forward ${action}`);
    const missing = spec.required.filter((o) => values[o] === undefined || values[o] === '');
    if (missing.length > 0) throw new UsageError(`${action}: ${missing.map((o) => `--${o} ${o.toUpperCase()}`).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required`);
    return spec.run(values, io);
  },
};

// `forward asterisk-queue-log` and `forward mqtt`: long-running forwarders that feed a Ringside server over its
// API from sources that cannot post themselves (a log file, an MQTT broker). Each action has its own options;
// one given to the other action is bad usage rather than silently ignored (cli/dispatch.ts says whose it is).
import type { OptionSpecs, Subcommand } from '../usage';
import { forwardMqtt } from './mqttForwarder';
import { forwardQueueLog } from './queueLogForwarder';

const common = {
  server: { type: 'string', value: 'URL', help: "the Ringside server's base address (the dashboard's), http(s)://host:port;\nwithout /api/v1, which the forwarder adds" },
  'key-file': { type: 'string', value: 'FILE', help: 'a file whose first line is the key (scope ingest); else RINGSIDE_API_KEY' },
} as const satisfies OptionSpecs;

export const forwardCommands: readonly Subcommand[] = [
  {
    name: 'forward asterisk-queue-log',
    summary: "Follows Asterisk's queue_log (like tail -F) and posts its lines to the server; runs until stopped.\nSee docs/integrations/asterisk.md.",
    options: {
      file: { type: 'string', value: 'PATH', help: 'the queue_log to follow' },
      server: common.server,
      site: { type: 'string', value: 'S', help: 'the site every call of this file belongs to' },
      state: { type: 'string', value: 'FILE', help: 'where the offset is kept (default ringside-forward-<file>-<site>.state.json in\n$STATE_DIRECTORY, else the working directory)' },
      'start-at': { type: 'string', value: 'beginning|end', help: 'with no state file yet: from the first line (default) or after the last one' },
      'poll-interval': { type: 'string', value: 'MS', help: 'how often the file is looked at, in milliseconds (default 1000)' },
      'on-refused': { type: 'string', value: 'set-aside|stop', help: "lines the server refuses (400/409 naming them): written with its reasons to the rejects\nfile and the rest posted (default), or stop with exit 1 as before; a refusal naming no\nline (401/403 key, 404, 413, 415) always stops" },
      rejects: { type: 'string', value: 'FILE', help: "where refused lines are set aside, one JSON object a line (default: the state file's\nname with .rejected.ndjson for .state.json)" },
      'key-file': common['key-file'],
    },
    required: ['file', 'server', 'site'],
    run: forwardQueueLog,
  },
  {
    name: 'forward mqtt',
    summary: 'Subscribes to an MQTT broker (QoS 1) and posts each message as milestones; runs until stopped.\nSee docs/integrations/mqtt.md.',
    options: {
      broker: { type: 'string', value: 'URL', help: 'mqtt://, mqtts://, ws:// or wss:// (a user and password go in the URL)' },
      topic: { type: 'string', value: 'T', help: 'the topic filter to subscribe to (QoS 1; +site takes the site from the topic)' },
      server: common.server,
      site: { type: 'string', value: 'S', help: 'the site of milestones when neither the topic nor the message gives one' },
      type: { type: 'string', value: 'T', help: "the event type of milestones that do not say; an unknown one is refused at the start\n(a built-in, else one of the server's GET /event-types when the key may read it)" },
      'client-id': { type: 'string', value: 'ID', help: 'the MQTT client id (default: derived from the broker, topic and server)' },
      'key-file': common['key-file'],
    },
    required: ['broker', 'topic', 'server'],
    run: forwardMqtt,
  },
];

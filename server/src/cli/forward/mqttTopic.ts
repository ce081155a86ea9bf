// The MQTT forwarder's topic and message handling, apart from the connection: which topics it subscribes to,
// which level of a topic names the site, and how one message becomes the body of POST /api/v1/milestones.
//
// Topic syntax: an MQTT topic filter in which one single-level wildcard may be written `+site` instead of `+`.
// It subscribes like `+`, and the level it matches is the site of every milestone in the message (unless the
// message names its own). `reception/+site/button` receives `reception/north/button` as site `north`.
import { isUtf8 } from 'node:buffer';
import { nonUtf8Where } from '../../protocol/utf8';

export interface TopicPattern {
  /** The filter subscribed to (`+site` written as `+`). */
  filter: string;
  /** Index of the level naming the site, if any. */
  siteLevel: number | null;
}

/** The parsed --topic, or a message saying what is wrong with it. */
export function parseTopic(text: string): TopicPattern | string {
  if (text === '') return '--topic must not be empty';
  const levels = text.split('/');
  let siteLevel: number | null = null;
  for (const [i, level] of levels.entries()) {
    if (level === '#' && i !== levels.length - 1) return `--topic: "#" must be the last level, in "${text}"`;
    if (level === '+site') {
      if (siteLevel !== null) return `--topic: "+site" may name only one level, in "${text}"`;
      siteLevel = i;
    } else if (level.startsWith('+') && level !== '+') return `--topic: a level is "+", "+site" or a name without "+", got "${level}"`;
    else if (level !== '#' && level.includes('#')) return `--topic: "#" must be a whole level, got "${level}"`;
  }
  return { filter: levels.map((l) => (l === '+site' ? '+' : l)).join('/'), siteLevel };
}

export interface MessageDefaults {
  /** --site: used when neither the topic nor the message names one. */
  site?: string;
  /** --type: the event type of milestones that do not say. */
  type?: string;
  /** When the message arrived, for milestones without `at`. */
  receivedAt: Date;
}

/**
 * The body to post for one message: a JSON milestone object, an array of them, or {"milestones": [...]}, each
 * completed with the topic's site, --type and the time received where it lacks them. A string: why not (bytes that
 * are not UTF-8 are refused, as the API refuses them, rather than decoded with U+FFFD in their place).
 */
export function milestonesBody(pattern: TopicPattern, topic: string, payload: Buffer, defaults: MessageDefaults): { milestones: Record<string, unknown>[] } | string {
  if (!isUtf8(payload)) return `is not UTF-8: ${nonUtf8Where(payload)}`;
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return 'is not JSON';
  }
  const items = Array.isArray(value) ? value : isObject(value) && Array.isArray(value.milestones) ? (value.milestones as unknown[]) : [value];
  if (items.length === 0) return 'holds no milestone';
  const notObject = items.findIndex((item) => !isObject(item));
  if (notObject !== -1) return `${items.length > 1 ? `item ${notObject}` : 'the message'} is not a JSON object`;
  const site = pattern.siteLevel === null ? defaults.site : topic.split('/')[pattern.siteLevel];
  const completed = (items as Record<string, unknown>[]).map((item) => ({
    ...(site !== undefined ? { site } : {}),
    ...(defaults.type !== undefined ? { type: defaults.type } : {}),
    at: defaults.receivedAt.toISOString(),
    ...item,
  }));
  return { milestones: completed };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// The milestone export: every milestone posted (a call's `started`, a complaint's `acknowledged` …) whose `at` is in
// the range, as stored, each with its chain link, so an auditor can see when each clock started and stopped and
// check every row offline against the chain (as the audit-log export). The events the cases became are in the
// event export (`event_id` case:<type>:<site>:<caseId>).
import { recordsExport, type ExportContext } from './context';
import type { Column, ExportBody } from './format';
import type { ExportQuery } from './query';

const MILESTONE_COLUMNS: readonly Column[] = [
  { key: 'seq', type: 'integer' },
  { key: 'milestone_id', type: 'text' },
  { key: 'type', type: 'text' },
  { key: 'site', type: 'text' },
  { key: 'case_id', type: 'text' },
  { key: 'milestone', type: 'text' },
  { key: 'at', type: 'text' },
  { key: 'at_ms', type: 'integer' },
  { key: 'received_at_ms', type: 'integer' },
  { key: 'agent', type: 'text' },
  { key: 'queue', type: 'text' },
  { key: 'handle_seconds', type: 'number' },
  { key: 'content', type: 'text' },
  { key: 'link_seq', type: 'integer' },
  { key: 'link_prev', type: 'text' },
  { key: 'link_hash', type: 'text' },
];

export function milestonesExport(q: ExportQuery, ctx: ExportContext): Promise<ExportBody<Record<string, unknown>>> {
  const chainHead = ctx.head;
  async function* rows() {
    for await (const m of ctx.snapshot.exports.milestoneRows(q, chainHead.seq)) {
      yield {
        seq: m.seq,
        milestone_id: m.id,
        type: m.type,
        site: m.site,
        case_id: m.caseId,
        milestone: m.milestone,
        at: m.at,
        at_ms: m.atMs,
        received_at_ms: m.receivedAtMs,
        agent: m.agent,
        queue: m.queue,
        handle_seconds: m.handleSeconds,
        content: m.content,
        link_seq: m.link?.seq ?? null,
        link_prev: m.link === null ? null : m.link.prev,
        link_hash: m.link?.hash ?? null,
      };
    }
  }
  return Promise.resolve(recordsExport('milestones', MILESTONE_COLUMNS, q, ctx, chainHead, rows()));
}


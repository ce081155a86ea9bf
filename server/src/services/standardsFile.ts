// The standards file (--standards PATH): YAML or JSON (by extension) with `standards:`, `sites:`, `eventTypes:`
// and `integrations:` (customIntegrations.ts).
// Every problem is reported (path + reason); a file is applied all-or-nothing, so a bad reload keeps the
// last good set.
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument, visit, type Document } from 'yaml';
import { z } from 'zod';
import type { FieldProblem, SiteDefinition, StandardDefinition } from '../protocol';
import { parseInput, siteDefinitionSchema, standardDefinitionSchema } from '../protocol';
import { nonUtf8Where } from '../protocol/utf8';
import { eventTypeListSchema, type EventTypeDefinition } from '../protocol/eventTypes';
import { DomainError, FieldErrors } from '../domain/errors';
import { buildRegistry, redefinedBuiltIns, standardTargetProblems, type EventTypeRegistry } from '../domain/eventTypes';
import { checkIntegrations, type CustomIntegrations, type IntegrationDefinition } from './customIntegrations';
import type { SitesService } from './sites';
import type { StandardsService } from './standards';
import { zodProblems } from './zodProblems';

export interface StandardsConfig {
  /** Event types beyond the built-ins (call, visit, complaint). */
  eventTypes: EventTypeDefinition[];
  standards: StandardDefinition[];
  sites: SiteDefinition[];
  /** Custom webhooks: JSONata mappings, compiled and checked. */
  integrations: IntegrationDefinition[];
}

class ConfigFileError extends Error {
  /** The process exits with this code when the file is refused at start. */
  readonly exitCode = 2;
  constructor(
    readonly file: string,
    readonly problems: FieldProblem[],
  ) {
    super(`${file}: ${problems.length} problem(s):\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigFileError';
  }
}

const topLevelShape = { eventTypes: z.unknown().optional(), standards: z.array(z.unknown()).optional(), sites: z.array(z.unknown()).optional(), integrations: z.array(z.unknown()).optional() };

/** Parses and validates the text of a standards file; `kind` is 'yaml' or 'json'. */
export function parseStandardsConfig(text: string, kind: 'yaml' | 'json'): { ok: true; config: StandardsConfig } | { ok: false; problems: FieldProblem[] } {
  const read = kind === 'json' ? readJson(text) : readYaml(text);
  if (!read.ok) return read;
  const strict = parseInput(z.strictObject(topLevelShape), read.data ?? {});
  // An unknown top-level key (a misspelt `standard:`) is named beside the problems of the rest, not instead of them.
  const top = strict.success ? strict : parseInput(z.object(topLevelShape), read.data ?? {});
  // The file itself (a list, a number) is `(file)`, as its other problems are.
  const topProblems = strict.success ? [] : zodProblems(strict.error).map((p) => (p.path === '(body)' ? { ...p, path: '(file)' } : p));
  if (!top.success) return { ok: false, problems: topProblems };
  const problems: FieldProblem[] = [...topProblems];
  const types = parseInput(eventTypeListSchema, top.data.eventTypes ?? []);
  if (!types.success) problems.push(...zodProblems(types.error, ['eventTypes']));
  const standards: StandardDefinition[] = [];
  const sites: SiteDefinition[] = [];
  const registry = types.success ? buildRegistry(types.data) : null;
  if (registry && !registry.ok) problems.push(...registry.problems);
  if (!types.success && Array.isArray(top.data.eventTypes)) problems.push(...redefinedBuiltIns(top.data.eventTypes));
  (top.data.standards ?? []).forEach((item, i) => {
    const parsed = parseInput(standardDefinitionSchema, item);
    if (parsed.success) standards.push(parsed.data);
    else problems.push(...zodProblems(parsed.error, ['standards', i]));
    // Each standard names a type and measure of the built-ins or of this file's eventTypes.
    if (parsed.success && registry?.ok) {
      problems.push(...standardTargetProblems(registry.registry, parsed.data.eventType, parsed.data.measure, parsed.data.clock).map((p) => ({ path: `standards.${i}.${p.path}`, message: p.message })));
    } else if (registry?.ok) problems.push(...unknownTypeProblem(registry.registry, item, `standards.${i}`, problems));
  });
  (top.data.sites ?? []).forEach((item, i) => {
    const parsed = parseInput(siteDefinitionSchema, item);
    if (parsed.success) sites.push(parsed.data);
    else problems.push(...zodProblems(parsed.error, ['sites', i]));
  });
  duplicates((top.data.standards ?? []) as Array<{ id?: unknown }>, 'standards', problems);
  const integrations = checkIntegrations(top.data.integrations ?? []);
  problems.push(...integrations.problems);
  duplicates((top.data.sites ?? []) as Array<{ id?: unknown }>, 'sites', problems);
  duplicates((top.data.integrations ?? []) as Array<{ id?: unknown }>, 'integrations', problems);
  return problems.length > 0 || !types.success ? { ok: false, problems } : { ok: true, config: { eventTypes: types.data, standards, sites, integrations: integrations.integrations } };
}

/**
 * Where a problem of the file's syntax is: its line and column (1-based, the column in characters) at offset `at`,
 * said as a refused file's bytes are (protocol/utf8.ts nonUtf8Where), and so where the parser stopped when that is the
 * end of the file (a list or a quote left open).
 */
function whereInFile(text: string, at: number): string {
  const before = text.slice(0, at);
  const lineStart = before.lastIndexOf('\n') + 1;
  const where = `at line ${before.split('\n').length}, column ${at - lineStart + 1}`;
  return at >= text.length ? `${where} (the end of the file)` : where;
}

const syntaxProblem = (language: string, text: string, reason: string, at?: number): FieldProblem => ({
  path: '(file)',
  message: `is not valid ${language}: ${reason}${at === undefined ? '' : `, ${whereInFile(text, at)}`}`,
});

type Read = { ok: true; data: unknown } | { ok: false; problems: FieldProblem[] };

/**
 * JSON.parse names where it stopped for some faults ("at position 12") but not others (an unexpected token is
 * quoted with the text around it, line breaks and all), and for input that ends too soon not at all. Every prefix
 * of the text it read without fault is one it refuses only for ending (or takes), so the first prefix it refuses
 * for anything else ends at the fault; a file that is all such a prefix ends too soon.
 */
function readJson(text: string): Read {
  try {
    return { ok: true, data: JSON.parse(text) };
  } catch (error) {
    const reason = (error as Error).message.replace(/(?: in JSON)? at position \d+.*$|, (?:\.\.\.)?"[\s\S]*" is not valid JSON$/, '');
    return { ok: false, problems: [syntaxProblem('JSON', text, reason, jsonFaultAt(text))] };
  }
}

function jsonFaultAt(text: string): number {
  const readsOn = (prefix: string): boolean => {
    try {
      JSON.parse(prefix);
      return true;
    } catch (error) {
      const message = (error as Error).message;
      const at = /at position (\d+)/.exec(message);
      return message.startsWith('Unexpected end of JSON input') || (at !== null && Number(at[1]) >= prefix.length);
    }
  };
  let lo = 0; // text.slice(0, lo) reads on
  let hi = text.length + 1; // text.slice(0, hi) does not (past the end: the end itself is the fault)
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (readsOn(text.slice(0, mid))) lo = mid;
    else hi = mid;
  }
  return hi - 1;
}

/**
 * The yaml library's errors carry their offset in the text (`pos`; `linePos` only when it rewrites the message as
 * a drawing of the line, which a one-line problem cannot hold); an alias to no anchor is found only when the
 * document is turned into values, without an offset, so it is looked for first, by its node's.
 */
function readYaml(text: string): Read {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false, problems: doc.errors.map((e) => syntaxProblem('YAML', text, e.message.split('\n')[0]!, e.pos[0])) };
  const unresolved = unresolvedAliases(doc, text);
  if (unresolved.length > 0) return { ok: false, problems: unresolved };
  try {
    return { ok: true, data: doc.toJS() };
  } catch (error) {
    // Aliases expanding past the yaml library's limit (a "billion laughs" file) are refused here, not parsed: a
    // fault of the file as a whole, at no one place.
    return { ok: false, problems: [syntaxProblem('YAML', text, (error as Error).message)] };
  }
}

function unresolvedAliases(doc: Document, text: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  visit(doc, {
    Alias: (_key, alias) => {
      if (!alias.resolve(doc)) problems.push(syntaxProblem('YAML', text, `alias *${alias.source} names no anchor set before it`, alias.range?.[0]));
    },
  });
  return problems;
}

/** A standard refused for other fields still has its event type checked (every problem is listed at once). */
function unknownTypeProblem(registry: EventTypeRegistry, item: unknown, path: string, found: readonly FieldProblem[]): FieldProblem[] {
  const type = item && typeof item === 'object' ? (item as { eventType?: unknown }).eventType : undefined;
  if (typeof type !== 'string' || registry.get(type) || found.some((p) => p.path === `${path}.eventType`)) return [];
  return standardTargetProblems(registry, type, '').filter((p) => p.path === 'eventType').map((p) => ({ path: `${path}.eventType`, message: p.message }));
}

function duplicates(items: Array<{ id?: unknown }>, list: string, problems: FieldProblem[]): void {
  const seen = new Map<unknown, number>();
  items.forEach((item, i) => {
    const id = item && typeof item === 'object' ? item.id : undefined;
    if (typeof id !== 'string') return;
    if (seen.has(id)) problems.push({ path: `${list}.${i}.id`, message: `duplicates ${list}.${seen.get(id)}.id ("${id}")` });
    else seen.set(id, i);
  });
}

export function readStandardsFile(file: string): StandardsConfig {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new ConfigFileError(file, [{ path: '(file)', message: `cannot be read: ${(error as Error).message}` }]);
  }
  // Decoding would replace invalid bytes with U+FFFD: names would differ from the file's without a word.
  if (!isUtf8(bytes)) throw new ConfigFileError(file, [{ path: '(file)', message: `is not valid UTF-8: ${nonUtf8Where(bytes)}` }]);
  const text = bytes.toString('utf8');
  const ext = extname(file).toLowerCase();
  const kind = ext === '.json' ? 'json' : ext === '.yaml' || ext === '.yml' ? 'yaml' : null;
  if (!kind) throw new ConfigFileError(file, [{ path: '(file)', message: `must end in .yaml, .yml or .json (got "${ext || 'no extension'}")` }]);
  const parsed = parseStandardsConfig(text, kind);
  if (!parsed.ok) throw new ConfigFileError(file, parsed.problems);
  return parsed.config;
}

export interface AppliedConfig {
  /** Ids of standards that got a new version. */
  standards: string[];
  /** Ids of sites created or changed. */
  sites: string[];
  /** Ids of standards in the file that were retired over the API: left retired (re-create them with POST). */
  skipped: string[];
}

/** Where a standards file is applied. */
export interface ConfigTarget {
  standards: StandardsService;
  sites: SitesService;
  /** Where `integrations:` go (absent: the file's integrations are checked but not served). */
  customIntegrations?: CustomIntegrations;
}

/** Applies a validated config (readStandardsFile): standards all-or-nothing first, then sites. */
export async function applyStandardsFile(target: ConfigTarget, file: string, config: StandardsConfig): Promise<AppliedConfig> {
  // Checked before anything is applied, so a refused file changes nothing.
  const twins = await target.sites.caseTwinProblems(config.sites);
  if (twins.length > 0) throw new ConfigFileError(file, twins);
  let results;
  try {
    results = await target.standards.applyAllWithTypes(config.eventTypes, config.standards, config.sites.map((s) => s.id));
  } catch (error) {
    if (error instanceof FieldErrors) throw new ConfigFileError(file, [...error.problems]);
    if (error instanceof DomainError) throw new ConfigFileError(file, [{ path: error.path, message: error.message }]);
    throw error;
  }
  const sites = await target.sites.applyAll(config.sites);
  target.customIntegrations?.apply(config.integrations);
  return {
    standards: results.filter((r) => r.changed).map((r) => r.standard.id),
    sites: sites.filter((r) => r.changed).map((r) => r.site.id),
    skipped: results.filter((r) => r.keptRetired).map((r) => r.standard.id),
  };
}


export type ReloadResult = { ok: true; applied: AppliedConfig } | { ok: false; problems: FieldProblem[] };

/** A reload (SIGHUP): on any problem nothing changes and the last good set stays in force. */
export async function reloadStandardsFile(target: ConfigTarget, file: string): Promise<ReloadResult> {
  try {
    return { ok: true, applied: await applyStandardsFile(target, file, readStandardsFile(file)) };
  } catch (error) {
    if (error instanceof ConfigFileError) return { ok: false, problems: error.problems };
    // The store failed under it (busy, full, its database gone): said like a refused file, so a SIGHUP never takes
    // the server down; what a write had already applied stays applied.
    return { ok: false, problems: [{ path: '(file)', message: `could not be applied: ${(error as Error).message}` }] };
  }
}

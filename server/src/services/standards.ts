// Standards: create, change and retire them (each a new version, by domain/standardVersions.ts), and answer which
// versions are in force. The versions are held in memory (they are few, and read to judge every event); a change
// reloads them inside its write (so the rest of that write, and every later one, judges with them) and puts the
// old ones back if the write fails. A change over the API is written to the audit log in the same transaction.
import type { FieldProblem, Standard, StandardDefinition, StandardPatch, StandardVersion } from '../protocol';
import { parseInput, standardDefinitionSchemaWith, type TargetCheck } from '../protocol';
import { DomainError, FieldErrors, notFoundById, notTheUrlIdMessage } from '../domain/errors';
import { mergePatch } from '../domain/mergePatch';
import { BUILT_IN_REGISTRY, buildRegistry, builtInIdMessage, standardTargetProblems, type EventTypeRegistry } from '../domain/eventTypes';
import { EVENT_TYPE_LIMITS, type EventTypeDefinition } from '../protocol/eventTypes';
import { asStandard, changeOf, checkValidFrom, definitionOf, effectiveNow, highestVersions, inForce, nextVersion, retirementNow, versionsById, withdrawalRefusal, type VersionRecord } from '../domain/standardVersions';
import type { Store, WriteTx } from '../store/port';
import { listCaseTwinProblems, type Actor } from './sites';
import { unknownKeysFirst, zodProblems } from './zodProblems';

/** `keptRetired`: a standards file listed a standard retired over the API, which the file does not revive. */
export type ChangeResult = {
  changed: boolean;
  standard: StandardVersion;
  keptRetired?: true;
  /** The version scheduled ahead that this change replaced (withdrawn, the new one valid from its instant). */
  replaced?: number;
};

/** What the stored versions say beyond those in force: the highest number each id was given, and the withdrawn ones. */
interface Numbering {
  highest: ReadonlyMap<string, number>;
  /** When each withdrawn version (`id@version`) was withdrawn. */
  withdrawn: ReadonlyMap<string, number>;
}

/** The 404 of a standard id no standard has (the service's reads and changes, and the routes that read one). */
export const standardNotFound = (id: string): DomainError => notFoundById('standard', id);

export class StandardsService {
  private byId = new Map<string, StandardVersion[]>();
  private numbering: Numbering = { highest: new Map(), withdrawn: new Map() };
  private registry: EventTypeRegistry = BUILT_IN_REGISTRY;
  /** User event types: the standards file's and those defined over the API (POST/PUT /event-types). */
  private fileTypes: readonly EventTypeDefinition[] = [];
  private apiTypes: readonly EventTypeDefinition[] = [];
  private readonly listeners = new Set<() => void>();
  /** judgingAt's last answer: the versions it read, the span of instants it holds for. */
  private judging: { byId: ReadonlyMap<string, StandardVersion[]>; fromMs: number; toMs: number; standards: readonly Standard[] } | null = null;

  private constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  /** Loads the versions; seeds the default standards of a fresh install. */
  static async open(store: Store, defaults: readonly Standard[], now: () => number): Promise<StandardsService> {
    const service = new StandardsService(store, now);
    await store.write(async (tx) => {
      const known = new Set((await tx.standards.all()).map((v) => v.id));
      for (const s of defaults) {
        if (!known.has(s.id)) await tx.writes.standardVersion({ id: s.id, version: s.version, definition: s, validFromMs: null, retired: false });
      }
      await service.reload(tx);
      service.apiTypes = await tx.standards.eventTypes();
      service.registry = registryOf(service.fileTypes, service.apiTypes);
    });
    return service;
  }

  /** The version in force now of every standard that is not retired, ordered by id. */
  current(): Standard[] {
    return this.inForceAt(this.now());
  }

  /** The non-retired versions in force at `ms` (occurredAt). */
  inForceAt(ms: number): Standard[] {
    return [...this.byId.values()]
      .map((list) => inForce(list, ms))
      .filter((v): v is StandardVersion => v !== undefined && !v.retired)
      .map(asStandard);
  }

  /**
   * inForceAt(ms) for judging, shared and not to be changed: every event is judged with the versions in force when
   * it happened, and those change only at a version's validFrom, so the answer is kept for the span between two
   * validity starts (a batch's events are mostly in one) and for the versions it was computed from.
   */
  judgingAt(ms: number): readonly Standard[] {
    const kept = this.judging;
    if (kept && kept.byId === this.byId && kept.fromMs <= ms && ms < kept.toMs) return kept.standards;
    let fromMs = -Infinity;
    let toMs = Infinity;
    for (const list of this.byId.values()) {
      for (const v of list) {
        if (v.validFrom === null) continue;
        const at = Date.parse(v.validFrom);
        if (at <= ms) fromMs = Math.max(fromMs, at);
        else if (at > ms) toMs = Math.min(toMs, at); // (a validFrom that does not parse is never in force: neither)
      }
    }
    const standards = this.inForceAt(ms);
    this.judging = { byId: this.byId, fromMs, toMs, standards };
    return standards;
  }

  /** The version in force now (retired or not), or undefined for an unknown id. */
  get(id: string): StandardVersion | undefined {
    const list = this.byId.get(id);
    return list ? (inForce(list, this.now()) ?? list[0]) : undefined;
  }

  /** Every version of a standard, oldest first, with validity periods; [] for an unknown id. */
  versions(id: string): StandardVersion[] {
    return this.byId.get(id) ?? [];
  }

  /** Every id ever defined. */
  ids(): string[] {
    return [...this.byId.keys()];
  }

  /** The event types standards and milestones may name: the built-ins, the standards file's `eventTypes:`, the API's. */
  eventTypes(): EventTypeRegistry {
    return this.registry;
  }

  /**
   * The standards file's event types with its standards, all-or-nothing: a standard is checked against the types
   * it is applied with, and its scope against the stored sites with the file's own (`fileSiteIds`, configured after
   * the standards). Problems name `eventTypes.<i>…` and `standards.<i>…`.
   */
  async applyAllWithTypes(types: readonly EventTypeDefinition[], defs: readonly StandardDefinition[], fileSiteIds: readonly string[]): Promise<ChangeResult[]> {
    const built = buildRegistry(types);
    if (!built.ok) throw new DomainError('invalid', built.problems[0]!.path, built.problems[0]!.message);
    const clash = types.findIndex((t) => this.apiTypes.some((a) => a.id === t.id));
    if (clash >= 0) throw new DomainError('invalid', `eventTypes.${clash}.id`, `"${types[clash]!.id}" is an event type defined over the API (PUT /api/v1/event-types/${types[clash]!.id}); choose another id`);
    const before = this.registry;
    this.registry = registryOf(types, this.apiTypes);
    try {
      const results = await this.applyAll(defs, fileSiteIds);
      this.fileTypes = types;
      return results;
    } catch (error) {
      this.registry = before;
      throw error;
    }
  }

  /**
   * Reads the versions again: another node changed a standard (its commit signalled, store/port.ts Coordination).
   * Listeners hear it when something differs; from then on this node judges with what the store holds.
   */
  async refresh(): Promise<boolean> {
    const records = await this.store.reads.standards.all();
    const stored = versionsById(records);
    const apiTypes = await this.store.reads.standards.eventTypes();
    this.numbering = numberingOf(records);
    if (JSON.stringify([...stored]) === JSON.stringify([...this.byId]) && JSON.stringify(apiTypes) === JSON.stringify(this.apiTypes)) return false;
    this.byId = stored;
    this.useApiTypes(apiTypes);
    this.listeners.forEach((l) => l());
    return true;
  }

  /**
   * POST /event-types (no `urlId`) and PUT /event-types/:id: an event type defined over the API, checked as the
   * standards file's are, stored, and written to the audit log; a change may not drop a measure a standard judges.
   */
  defineEventType(def: EventTypeDefinition, actor: { keyId: string }, urlId?: string): Promise<{ eventType: EventTypeDefinition; created: boolean }> {
    return this.store.write(async (tx) => {
      const exists = this.apiTypes.some((t) => t.id === def.id);
      checkDefinable(def, this.registry, exists, urlId);
      if (!exists && this.fileTypes.length + this.apiTypes.length >= EVENT_TYPE_LIMITS.maxEventTypes) {
        throw new DomainError('conflict', 'id', `there are ${EVENT_TYPE_LIMITS.maxEventTypes} event types already, the most a server keeps`);
      }
      const apiTypes = exists ? this.apiTypes.map((t) => (t.id === def.id ? def : t)) : [...this.apiTypes, def];
      const registry = registryOf(this.fileTypes, apiTypes);
      for (const list of this.byId.values()) {
        const latest = list.at(-1);
        if (!latest || latest.retired || latest.eventType !== def.id || standardTargetProblems(registry, latest.eventType, latest.measure).length === 0) continue;
        throw new DomainError('conflict', 'measures', `standard "${latest.id}" judges the measure "${latest.measure}" of a ${def.id}: keep it, or change or retire the standard first`);
      }
      await tx.writes.eventType(def);
      await tx.writes.auditLog({ keyId: actor.keyId, action: `eventType.${exists ? 'update' : 'create'}`, target: def.id, details: { body: def } });
      tx.onCommit(() => {
        this.apiTypes = apiTypes;
        this.registry = registry;
        this.listeners.forEach((l) => l());
      });
      return { eventType: def, created: !exists };
    });
  }

  /**
   * The API's event types as another node stored them. A type this node's standards file defines keeps the file's
   * definition here (the registry cannot hold both); the others are used as stored.
   */
  private useApiTypes(stored: readonly EventTypeDefinition[]): void {
    const apiTypes = stored.filter((t) => !this.fileTypes.some((f) => f.id === t.id));
    this.apiTypes = apiTypes;
    this.registry = registryOf(this.fileTypes, apiTypes);
  }

  /** Called after every change (a file applied all at once: one call). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** POST: a new standard (conflict if one with this id is in force; a retired id is revived as a new version). */
  create(def: StandardDefinition, actor: Actor): Promise<ChangeResult> {
    return this.changing(async (tx) => {
      const latest = this.versions(def.id).at(-1);
      if (latest && !latest.retired) throw new DomainError('conflict', 'id', `standard "${def.id}" already exists (version ${latest.version}); use PUT to change it`);
      return this.logged(tx, await this.change(tx, def.id, def, actor), actor, 'create', { body: def });
    });
  }

  /** PUT: a new version if anything changed. */
  update(id: string, def: StandardDefinition, actor: Actor): Promise<ChangeResult> {
    return this.changing(async (tx) => {
      this.changeable(id, def.id);
      return this.logged(tx, await this.change(tx, id, def, actor), actor, 'update', { body: def });
    });
  }

  /**
   * PATCH: `patch` (a JSON merge patch) merged into the latest version's definition inside the write, so patches of
   * different fields sent at once both hold; the result is checked as a definition is, against the event types too
   * (every problem named in one answer, an `id` other than the URL's among them, nothing written) and then is what a
   * PUT of it would be.
   */
  patch(id: string, patch: StandardPatch, actor: Actor): Promise<ChangeResult> {
    return this.changing(async (tx) => {
      const latest = this.latestOf(id);
      const parsed = parseInput(standardDefinitionSchemaWith(this.targetCheck()), mergePatch(definitionOf(latest), patch));
      const problems = parsed.success ? [] : zodProblems(unknownKeysFirst(parsed.error));
      if (patch.id !== id && !problems.some((p) => p.path === 'id')) problems.unshift({ path: 'id', message: notTheUrlIdMessage('standard', id) });
      if (!parsed.success || problems.length > 0) throw new FieldErrors('invalid', problems);
      return this.logged(tx, await this.change(tx, id, parsed.data, actor), actor, 'update', { method: 'PATCH', body: patch });
    });
  }

  /**
   * What a definition's type, measure and clock are checked against (standardDefinitionSchemaWith): the event types
   * as they are now. The routes check a body with it before the write, which checks again (change).
   */
  targetCheck(): TargetCheck {
    const registry = this.registry;
    return (eventType, measure, clock) => standardTargetProblems(registry, eventType, measure, clock);
  }

  /** The latest version of the standard a change of `id` is about: else not found. */
  private latestOf(id: string): StandardVersion {
    const latest = this.versions(id).at(-1);
    if (!latest) throw standardNotFound(id);
    return latest;
  }

  /** The latest version of the standard a change of `id` is about, whose body names `bodyId`: else not found, or invalid. */
  private changeable(id: string, bodyId: unknown): StandardVersion {
    const latest = this.latestOf(id);
    if (bodyId !== id) throw new DomainError('invalid', 'id', notTheUrlIdMessage('standard', id));
    return latest;
  }

  /** DELETE: a retirement version (history stays), valid from `validFromMs` or else from now. */
  retire(id: string, validFromMs: number | undefined, actor: Actor): Promise<ChangeResult> {
    return this.changing(async (tx) => {
      const latest = this.versions(id).at(-1);
      if (!latest) throw standardNotFound(id);
      if (latest.retired) throw new DomainError('conflict', 'id', `standard "${id}" is already retired (version ${latest.version})`);
      const from = validFromMs ?? retirementNow(tx.nowMs, latest);
      await this.addVersion(tx, id, { ...definitionOf(latest), retired: true }, from, validFromMs === undefined);
      return this.logged(tx, { changed: true, standard: this.versions(id).at(-1)! }, actor, 'retire', { body: validFromMs === undefined ? {} : { validFrom: new Date(validFromMs).toISOString() } });
    });
  }

  /**
   * DELETE /standards/:id/versions/:version: withdraws a version not yet in force (withdrawalRefusal), so a change scheduled
   * ahead can be taken back. Its row stays (a chain record); the withdrawal is stored beside it and written to the
   * audit log in the same transaction. Answers the versions that remain.
   */
  withdraw(id: string, version: number, actor: { keyId: string }): Promise<{ changed: true; versions: StandardVersion[] }> {
    return this.changing(async (tx) => {
      const list = this.versions(id);
      if (list.length === 0) throw standardNotFound(id);
      const v = list.find((x) => x.version === version);
      if (!v) {
        const withdrawnAtMs = this.numbering.withdrawn.get(`${id}@${version}`);
        const was = withdrawnAtMs === undefined ? '' : ` (it was withdrawn at ${new Date(withdrawnAtMs).toISOString()})`;
        throw new DomainError('not-found', 'version', `${version} does not exist for standard "${id}"${was}; GET /api/v1/standards/${id}/versions lists them`);
      }
      const refusal = await withdrawalRefusal(v, tx.nowMs, (fromMs) => tx.standards.judgedSince(id, fromMs));
      if (refusal) throw refusal;
      await this.withdrawVersion(tx, id, v, actor.keyId);
      return { changed: true as const, versions: this.versions(id) };
    });
  }

  /**
   * The standards file: every definition applied all-or-nothing; listeners hear one change. A standard whose latest
   * version is a retirement stays retired (`keptRetired`): retiring is an explicit act over the API, and a file that
   * still lists the standard (as it did when the server started) must not quietly undo it. `fileSiteIds`: the sites
   * the file configures, which a scope is checked against with the stored ones (scopeTwinProblems).
   */
  private applyAll(defs: readonly StandardDefinition[], fileSiteIds: readonly string[]): Promise<ChangeResult[]> {
    return this.changing(async (tx) => {
      const results: ChangeResult[] = [];
      for (const [index, def] of defs.entries()) {
        const latest = this.versions(def.id).at(-1);
        if (latest?.retired) results.push({ changed: false, standard: latest, keptRetired: true });
        else results.push(await this.change(tx, def.id, def, null, fileSiteIds).catch((error: unknown) => {
          const inFile = (p: FieldProblem): FieldProblem => ({ path: `standards.${index}.${p.path}`, message: p.message });
          if (error instanceof FieldErrors) throw new FieldErrors(error.kind, error.problems.map(inFile));
          throw error instanceof DomainError ? new DomainError(error.kind, inFile(error).path, error.message) : error;
        }));
      }
      return results;
    });
  }

  /** Runs a change in one write; the versions in memory follow the store when it commits, and listeners hear once. */
  private async changing<T extends { changed: boolean } | ChangeResult[]>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    const before = this.byId;
    const numberingBefore = this.numbering;
    try {
      return await this.store.write(async (tx) => {
        await this.reload(tx); // another node may have changed a standard since this one last read them
        const result = await fn(tx);
        const changed = Array.isArray(result) ? result.some((r) => r.changed) : result.changed;
        if (changed) tx.onCommit(() => this.listeners.forEach((l) => l()));
        return result;
      });
    } catch (error) {
      this.byId = before; // the write rolled back: forget versions loaded inside it
      this.numbering = numberingBefore;
      throw error;
    }
  }

  /** `fileSiteIds`: the sites a standards file configures beside the standard (applyAll); none over the API. */
  private async change(tx: WriteTx, id: string, def: StandardDefinition, actor: Actor, fileSiteIds: readonly string[] = []): Promise<ChangeResult> {
    const target = standardTargetProblems(this.registry, def.eventType, def.measure, def.clock)[0];
    if (target) throw new DomainError('invalid', target.path, target.message);
    const latest = this.versions(id).at(-1);
    const twins = await scopeTwinProblems(def, latest, async () => [...(await tx.sites.ids()), ...fileSiteIds]);
    if (twins.length > 0) throw new FieldErrors('invalid', twins);
    const change = changeOf(def, latest);
    if (!change.changed) return { changed: false, standard: latest! };
    const replaced = change.echoed && latest?.validFrom ? await this.replaceScheduled(tx, id, latest, change.body, actor) : null;
    if (replaced) return replaced;
    const validFrom = change.validFromMs === 'now' ? effectiveNow(tx.nowMs, latest, await tx.standards.latestJudgedAt(id, tx.nowMs)) : change.validFromMs;
    await this.addVersion(tx, id, change.body, validFrom, false);
    return { changed: true, standard: this.versions(id).at(-1)! };
  }

  /**
   * A change naming the instant of a version scheduled ahead (a standards file editing that version and keeping its
   * date, or a PUT of what GET showed with a field changed) edits that version while it may still be withdrawn (not in
   * force, nothing judged by it; else it is history and the change follows it): it is withdrawn as DELETE
   * …/versions/N does and the new definition takes its place from the same instant. Before, the new version followed
   * 1 ms after, leaving the old one in force for that millisecond. Null when the version may not be withdrawn.
   */
  private async replaceScheduled(tx: WriteTx, id: string, latest: StandardVersion, body: Parameters<typeof nextVersion>[2], actor: Actor): Promise<ChangeResult | null> {
    if (await withdrawalRefusal(latest, tx.nowMs, (fromMs) => tx.standards.judgedSince(id, fromMs))) return null;
    // By the standards file (`system`) when no key asked for it.
    await this.withdrawVersion(tx, id, latest, actor?.keyId ?? 'system');
    await this.addVersion(tx, id, body, Date.parse(latest.validFrom!), false);
    return { changed: true, standard: this.versions(id).at(-1)!, replaced: latest.version };
  }

  /** Withdraws `v` (its row stays; the withdrawal is stored, chained, beside it) and writes it to the audit log. */
  private async withdrawVersion(tx: WriteTx, id: string, v: StandardVersion, keyId: string): Promise<void> {
    await tx.writes.standardWithdrawal(id, v.version);
    await this.reload(tx);
    await tx.writes.auditLog({ keyId, action: 'standard.withdraw', target: id, details: { version: v.version, validFrom: v.validFrom } });
  }

  private async addVersion(tx: WriteTx, id: string, body: Parameters<typeof nextVersion>[2], validFromMs: number | null, keepJudged: boolean): Promise<void> {
    const latest = this.versions(id).at(-1);
    await checkValidFrom({ latest, judgedSince: (fromMs) => tx.standards.judgedSince(id, fromMs) }, validFromMs, keepJudged);
    await tx.writes.standardVersion(nextVersion(id, this.numbering.highest.get(id) ?? 0, body, validFromMs));
    await this.reload(tx);
  }

  private async reload(tx: WriteTx): Promise<void> {
    const records = await tx.standards.all();
    this.byId = versionsById(records);
    this.numbering = numberingOf(records);
  }

  /** The audit entry of a change made (`request`: its body, and for a PATCH the method), with the version it made. */
  private async logged(tx: WriteTx, result: ChangeResult, actor: Actor, verb: 'create' | 'update' | 'retire', request: { method?: 'PATCH'; body: object }): Promise<ChangeResult> {
    if (actor && result.changed) {
      const replaced = result.replaced === undefined ? {} : { replaced: result.replaced };
      await tx.writes.auditLog({ keyId: actor.keyId, action: `standard.${verb}`, target: result.standard.id, details: { version: result.standard.version, ...replaced, ...request } });
    }
    return result;
  }
}

/**
 * The sites of a definition's scope that would be a second site (listCaseTwinProblems, the rule a new site is refused
 * by on every write that names one: events, milestones, POST /sites, a key's sites): one that differs from a stored
 * site only in letter case, whose events are refused, so a standard limited to it could judge none; one that differs
 * so from another site of the scope that is new too, the later of the two, since only one of them could have events.
 * Each is named at `scope.sites.<i>` of the definition as given (a repeat merged later still counts). A site the
 * standard's latest version (`latest`) names already passes, as the stored site pairs do: a standard stored before
 * this rule can still be changed, and a standards file naming it still starts. `storedIds` is read only when the scope
 * names a site new to the standard.
 */
async function scopeTwinProblems(def: StandardDefinition, latest: StandardVersion | undefined, storedIds: () => Promise<readonly string[]>): Promise<FieldProblem[]> {
  const named = new Set(latest?.scope?.sites ?? []);
  const sites = def.scope?.sites ?? [];
  if (sites.every((site) => named.has(site))) return [];
  return listCaseTwinProblems(sites, await storedIds(), 'a standard limited to it could judge nothing', named).map(({ index, message }) => ({ path: `scope.sites.${index}`, message }));
}

function numberingOf(records: readonly VersionRecord[]): Numbering {
  const withdrawn = new Map(records.flatMap((r) => (r.withdrawnAtMs === null ? [] : [[`${r.id}@${r.version}`, r.withdrawnAtMs] as const])));
  return { highest: highestVersions(records), withdrawn };
}

/** The registry of the built-ins with the standards file's types and the API's (checked when each was given). */
function registryOf(fileTypes: readonly EventTypeDefinition[], apiTypes: readonly EventTypeDefinition[]): EventTypeRegistry {
  const built = buildRegistry([...fileTypes, ...apiTypes]);
  if (!built.ok) throw new DomainError('invalid', built.problems[0]!.path, built.problems[0]!.message);
  return built.registry;
}

/**
 * Whether `def` (checked by eventTypeDefinitionSchema, reserved ids included) may be created (no `urlId`) or replace
 * the API's type `urlId`: not a built-in, not the standards file's, the id of the URL.
 */
function checkDefinable(def: EventTypeDefinition, registry: EventTypeRegistry, definedOverApi: boolean, urlId: string | undefined): void {
  if (urlId !== undefined && def.id !== urlId) throw new DomainError('invalid', 'id', notTheUrlIdMessage('event type', urlId));
  const known = registry.get(def.id);
  if (known && !definedOverApi) throw new DomainError('conflict', 'id', builtInIdMessage(def.id) ?? `"${def.id}" is defined in the standards file; change it there`);
  if (urlId !== undefined && !known) throw notFoundById('event type', urlId, ' (POST /api/v1/event-types defines one)');
  if (urlId === undefined && known) throw new DomainError('conflict', 'id', `event type "${def.id}" already exists; use PUT /api/v1/event-types/${def.id} to change it`);
}

// The composition root: opens the store, builds the services over it, puts HTTP and the live push in front, and
// listens. Used by main.ts and by tests.
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import type { Logger } from 'pino';
import { fileURLToPath } from 'node:url';
import { systemClock, type Clock } from './clock';
import { startDemo, withdrawEarlierDemoCases } from './demo/demoDriver';
import { DEFAULT_STANDARDS } from './domain/standards';
import { serverTimeZone } from './domain/zonedTime';
import { createApp, type HttpFront } from './http/app';
import { answerClientError, headerLimitOf } from './http/clientErrors';
import type { IntegrationSettings } from './http/route';
import { drainable } from './http/drain';
import { limitConnectionsPerAddress } from './http/connectionLimit';
import { addressBucket } from './http/caller';
import { tokenBuckets } from './http/rateLimit';
import { serverMetrics } from './http/metrics';
import { attachLive } from './live/livePush';
import { joinNodes } from './live/nodes';
import { buildSnapshot, type LiveSources } from './live/snapshot';
import { requireSocketKey } from './live/socketAuth';
import { guardSockets, packetLimit, type SocketStats } from './live/socketGuard';
import type { ReplayStats } from './live/replay';
import { createLogger } from './logger';
import type { IncidentUpdate } from './protocol';
import { DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, DEFAULT_MAX_SOCKET_MESSAGE_BYTES, DEFAULT_RATE_LIMIT, type ServerOptions } from './options';
import { checkBinding, setUpAccess, StartupRefused, type AccessSetup } from './services/access';
import { AlertService } from './services/alerts/evaluation';
import { AuditService } from './services/audit';
import { ClockService } from './services/clocks';
import { ComplianceReader } from './services/compliance';
import type { Core } from './services/core';
import { ChainWitness } from './services/chainWitness';
import { CorrectionsService } from './services/corrections';
import { refuseIfHeld, removeIfEmpty, takeLock, type DataLock } from './services/dataLock';
import { ExportService } from './services/exports';
import { TimestampAuthority } from './services/timestamps';
import { IngestService } from './services/ingest/ingest';
import { KeysService } from './services/keys';
import { Leadership } from './services/leadership';
import { joinSharedStore, refuseNewStoreBesideNodeFiles } from './services/nodeFiles';
import { startRetention } from './services/retention';
import { checkStoreSigningKey, SigningIdentity } from './services/signing';
import { SitesService } from './services/sites';
import { StorageWatch } from './services/storageWatch';
import { StandardsService } from './services/standards';
import { CustomIntegrations } from './services/customIntegrations';
import { applyStandardsFile, readStandardsFile, reloadStandardsFile, type AppliedConfig, type ReloadResult } from './services/standardsFile';
import { backendFor, databasePath, folderAccessProblem, redactedDatabaseUrl, storeName } from './storeBackend';
import type { NodeSettings, Store } from './store/port';

export type { ServerOptions } from './options';

/** What tests and tools drive in-process, beyond the HTTP and Socket.IO API (docs/development.md "Tests"). */
interface ServerTestApi {
  /** Runs one alert evaluation at the clock's time, as the interval timer would; resolves with the incident changes written. */
  evaluateAlerts(): Promise<IncidentUpdate[]>;
  /** Resolves when no webhook attempt is in flight and none is due at the clock's time. */
  webhooksIdle(): Promise<void>;
  /** Resolves when the open clocks' looks already due (timers fired, cases changed) have run. */
  clocksIdle(): Promise<void>;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Set when this start created <data>/admin.key (a fresh loopback server without keys). */
  adminKeyFile?: string;
  testApi: ServerTestApi;
  /** Re-reads the standards file (SIGHUP); on problems nothing changes. No file → ok with nothing applied. */
  reloadStandards(): Promise<ReloadResult>;
  /** Stops serving and closes the store; `signal`: the signal that asked, logged as the reason. Logs a failure too. */
  close(signal?: NodeJS.Signals): Promise<void>;
}

// This file is server/src/server.ts in source and bundled into server/dist/ (cli-main.js, which dist/main.js loads):
// both sit one level under server/, so the same relative URLs work from either.
export const DEFAULT_WEBVIEW_DIR = fileURLToPath(new URL('../../webview/dist', import.meta.url));
const VERSION = readVersion();
/** On a shared database (PostgreSQL), how often a node reads the open cases other nodes opened or closed. */
const SHARED_CLOCKS_MS = 5_000;

/** The services over one store. */
async function openCore(opened: Store, options: ServerOptions, logger: Logger, clock: Clock): Promise<Core> {
  const now = () => clock.now();
  // Every service reads and writes through the watch: an outage is noticed by whatever meets it first, said once.
  const storage = new StorageWatch(opened, logger.child({ component: 'storage' }), clock);
  const { store, jobFailed } = storage;
  // First, before the signing key is read or made: a joining node missing the first node's files hears of all at once.
  if (options.databaseUrl !== undefined) await joinSharedStore(store, options.dataDir, now());
  const standards = await StandardsService.open(store, DEFAULT_STANDARDS, now);
  const sites = new SitesService(store, serverTimeZone());
  const compliance = new ComplianceReader(store.reads, standards);
  const audit = new AuditService(store, options.dataDir);
  const identity = SigningIdentity.open(options.dataDir, now());
  const storeKeyId = await checkStoreSigningKey(store, identity, options.databaseUrl !== undefined, (message) => logger.error(message));
  await audit.open(options.databaseUrl !== undefined, (message) => logger.error(message));
  const leadership = new Leadership(store.coordination, clock, logger.child({ component: 'nodes' }), { alone: options.databaseUrl === undefined && !options.redisUrl });
  const ingest = new IngestService({ store, standards, now, registry: () => standards.eventTypes(), rejectUnknownSites: options.rejectUnknownSites ?? false, onListenerError: (err) => logger.error({ err }, 'live push failed') });
  if (options.demo) await withdrawEarlierDemoCases({ ingest, logger, openCases: () => store.reads.cases.openMilestones() });
  return {
    store,
    standards,
    sites,
    ingest,
    compliance,
    corrections: new CorrectionsService(store, (id) => standards.versions(id)),
    exports: new ExportService(store, standards, audit, { serverVersion: VERSION, now, identity, organisation: options.organisation ?? null, timestamps: options.tsaUrl ? new TimestampAuthority(options.tsaUrl) : null, logger }),
    audit,
    keys: new KeysService(store, now, options.apiKey ? options.apiKey : undefined),
    alerts: await AlertService.open({ store, standards, compliance, ingest, logger, options: options.alerts, userAgent: `ringside/${VERSION}`, clock, leadership, jobFailed }),
    leadership,
    clocks: await ClockService.open({ store, standards, ingest, clock, timeZone: serverTimeZone(), onError: (err) => jobFailed(err, logger, 'open clocks failed'), ...(options.databaseUrl ? { shareMs: SHARED_CLOCKS_MS } : {}) }),
    customIntegrations: new CustomIntegrations(),
    serverZone: serverTimeZone,
    storeKeyId,
    storage,
  };
}

/**
 * The data folder's lock, the store and services, the standards file applied and access decided; everything closed
 * (and the lock released) again on failure. The refusals come first, creating nothing: a folder this user may not
 * write, a start off loopback without a key on a new store, a second server on the folder, a port another program
 * listens on, a bad standards file open nothing and leave no folder, store, signing key or admin key behind.
 */
async function prepare(options: ServerOptions, host: string, logger: Logger, clock: Clock): Promise<{ core: Core; access: AccessSetup; lock: DataLock; witness: ChainWitness }> {
  const denied = folderAccessProblem(options.dataDir, 'write');
  if (denied) throw new Error(denied);
  refuseIfHeld(options.dataDir);
  await probePort(options.port, host);
  const backend = backendFor(options.databaseUrl, options.databasePoolSize, options.databaseLockTimeoutMs);
  const newStore = async () => !(await backend.exists(options.dataDir));
  if (!options.databaseUrl && (await newStore())) refuseNewStoreBesideNodeFiles(options.dataDir, databasePath(options.dataDir));
  const envKey = options.apiKey ? options.apiKey : undefined;
  // What a refusal for want of a key prints: the database without its password.
  const shown = options.databaseUrl ? { shownDatabaseUrl: redactedDatabaseUrl(options.databaseUrl) } : {};
  await checkBinding({ host, dataDir: options.dataDir, ...shown, noAuth: options.noAuth ?? false, ...(envKey ? { envKey } : {}), newStore });
  // Read and checked before anything is created: a refused file leaves no store or signing key behind.
  const standards = options.standardsFile ? { file: options.standardsFile, config: readStandardsFile(options.standardsFile) } : undefined;
  // A folder this start makes (takeLock) is removed again if the start is refused and nothing was written to it.
  const madeFolder = !existsSync(options.dataDir);
  const lock = takeLock(options.dataDir);
  let store: Store | undefined;
  let core: Core | undefined;
  try {
    store = await backend.open({ dataDir: options.dataDir, now: () => clock.now(), warn: (message) => logger.warn({ dataDir: options.dataDir }, message) });
    // Checked before this start writes anything chained (standards, keys): the head compared is the store's as found.
    const witness = await ChainWitness.open(store, options.dataDir, clock, logger);
    core = await openCore(store, options, logger, clock);
    if (standards) logApplied(logger, standards.file, await applyStandardsFile(core, standards.file, standards.config), 'standards file loaded');
    const access = await setUpAccess({ host, dataDir: options.dataDir, ...shown, keys: core.keys, ...(envKey ? { envKey } : {}), noAuth: options.noAuth ?? false, logger });
    return { core, access, lock, witness };
  } catch (error) {
    await core?.alerts.close();
    await core?.clocks.close();
    await store?.close();
    lock.release();
    if (madeFolder) removeIfEmpty(options.dataDir);
    throw error;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const logger = createLogger(options.logLevel ?? 'info');
  const clock = options.clock ?? systemClock;
  const { core, access, lock, witness } = await prepare(options, host, logger, clock);
  const front = attachFront(core, access, options, logger, clock, witness);
  let nodes: Awaited<ReturnType<typeof joinNodes>> | null = null;
  try {
    if (options.redisUrl) nodes = await joinNodes(front.io, options.redisUrl, core.storeKeyId, logger, front.pushLocalSnapshot);
    await listen(front.httpServer, options.port, host);
  } catch (error) {
    await nodes?.close();
    await front.close();
    await core.alerts.close();
    await core.clocks.close();
    await core.store.close();
    lock.release();
    throw error;
  }
  const port = (front.httpServer.address() as AddressInfo).port;
  const url = `http://${urlHost(host)}:${port}`;
  const retention = await startRetention(core.store, core.audit, options.retainDays, logger, clock, core.storage.jobFailed);
  const unwatchNodes = followOtherNodes(core, logger);
  const unwatchSettings = compareWithOtherNodes(core, { timeZone: serverTimeZone(), organisation: options.organisation ?? null, node: `${hostname()} ${url}` }, logger);
  const chainHead = () => core.store.reads.audit.head();
  await witness.start(chainHead, (err) => core.storage.jobFailed(err, logger, 'the chain witness could not read the chain head; trying again in a minute'));
  await core.leadership.start(); // a lone node (SQLite) leads before it returns
  await core.alerts.start();
  core.clocks.start(); // overdue clocks (a server started after a deadline) are judged at once
  const demo = options.demo ? startDemo({ ingest: core.ingest, siteService: core.sites, logger, clock, isEmpty: async () => (await core.store.reads.events.headSeq()) === 0, seed: options.demoSeed ?? Date.now() % 2 ** 31, ...(options.demoEventsPerSecond ? { eventsPerSecond: options.demoEventsPerSecond } : {}) }) : null;
  logger.info({ port, host, dataDir: options.dataDir, store: storeName(options.databaseUrl, options.dataDir), version: VERSION, auth: access.mode }, 'server started');
  lock.describe(url);
  let closing: Promise<void> | null = null;
  const close = (signal?: NodeJS.Signals) =>
    (closing ??= (async () => {
      logger.info(signal ? { signal } : {}, 'shutting down');
      demo?.stop();
      retention?.stop();
      unwatchNodes();
      unwatchSettings();
      core.leadership.close();
      await front.close(options.drainTimeoutMs); // SIGTERM: in-flight requests finish first
      await nodes?.close();
      await core.alerts.close(); // stops evaluation; a webhook attempt in flight finishes and is recorded
      await core.clocks.close(); // the open cases stay in the store: the next start watches them again
      await core.keys.flush();
      await witness.close(chainHead).catch((err: unknown) => logger.error({ err }, 'the chain witness could not read the chain head at shutdown: the next start checks the store against the head written before'));
      await core.store.close();
      lock.release();
      logger.info('server stopped');
    })().catch((error: unknown) => {
      logger.error({ err: error }, 'error while shutting down');
      throw error;
    }));
  const reloadStandards = () => reload(core, options.standardsFile, logger);
  const testApi: ServerTestApi = { evaluateAlerts: () => core.alerts.evaluateNow(), webhooksIdle: () => core.alerts.webhooksIdle(), clocksIdle: () => core.clocks.idle() };
  return { url, port, ...(access.adminKeyFile ? { adminKeyFile: access.adminKeyFile } : {}), testApi, reloadStandards, close };
}

/**
 * What other nodes on the store commit: a standard they changed is judged with here from then on; a site they
 * configured reaches this node's dashboards (a fresh snapshot) at once.
 */
function followOtherNodes(core: Core, logger: Logger): () => void {
  return core.store.coordination.onSignal((signal) => {
    if (signal === 'sites' || signal === 'resync') core.sites.changedElsewhere();
    if (signal === 'stored' || signal === 'sites') return;
    core.standards.refresh().then(
      (changed) => changed && logger.info('standards changed through another node: judging with them from now on'),
      (err: unknown) => logger.error({ err }, 'could not read the standards another node changed'),
    );
  });
}

/**
 * The settings every node of a store must share but each keeps for itself (not in the store), and what a difference
 * does: the same request answered otherwise on each node behind one load balancer (docs/deployment.md).
 */
const SHARED_SETTINGS: Readonly<Record<string, string>> = {
  timeZone: "the time zone (TZ) is every request's default tz: exports, the report and the figures asked without tz count other days there",
  organisation: 'the organisation (--organisation) is named in every signed export and GET /audit/public-key: the same export is another signed file there',
};

/** Compares this node's shared settings with every other node's on the store, and says each difference once, as an error. */
function compareWithOtherNodes(core: Core, mine: NodeSettings, logger: Logger): () => void {
  const said = new Set<string>();
  return core.store.coordination.compareSettings(mine, (nodeId, theirs) => {
    const differences = Object.keys(SHARED_SETTINGS)
      .filter((name) => (theirs[name] ?? null) !== (mine[name] ?? null))
      .map((setting) => ({ setting, here: mine[setting] ?? null, there: theirs[setting] ?? null }));
    const key = `${nodeId} ${JSON.stringify(differences)}`;
    if (differences.length === 0 || said.has(key)) return;
    said.add(key);
    const what = differences.map((d) => SHARED_SETTINGS[d.setting]).join('; ');
    logger.error({ otherNode: { id: nodeId, node: theirs.node ?? null }, differences }, `another node on this store runs with other settings than this one: ${what}; give every node the same (docs/deployment.md)`);
  });
}

/**
 * The cap on the connections one client address holds open (http/connectionLimit.ts), which leaves the proxies
 * --trust-proxy trusts alone: their clients share them.
 */
function guardConnections(front: HttpFront, httpServer: HttpServer, options: ServerOptions, logger: Logger): void {
  const perAddress = options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
  if (perAddress === 0) return;
  const refused = (ip: string) => logger.warn({ ip, max: perAddress }, `a client address holds ${perAddress} open connections, the most one may (--max-connections-per-address): its next ones are refused until some close`);
  limitConnectionsPerAddress(httpServer, perAddress, front.trustedProxy ?? (() => false), refused);
}

/** GET /stats `live`: the guard's counts and the replays', a refused replay counted once whichever limit refused it. */
function liveStats(sockets: SocketStats, replaying: ReplayStats): SocketStats & Omit<ReplayStats, 'refusedWaiting'> {
  const { refusedWaiting, ...replays } = replaying;
  return { ...sockets, ...replays, refusedReplays: sockets.refusedReplays + refusedWaiting };
}

/** HTTP and the live push in front of the services; `close` ends both (live clients first, then HTTP drains). */
function attachFront(core: Core, access: AccessSetup, options: ServerOptions, logger: Logger, clock: Clock, witness: ChainWitness) {
  const now = () => clock.now();
  let rateLimited = 0;
  let guard: ReturnType<typeof guardSockets> | null = null;
  let replays: (() => ReplayStats) | null = null;
  const rate = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  // One bucket per client address for HTTP and the live feed's refused connection requests alike.
  const buckets = rate === false ? null : tokenBuckets(rate, now);
  const securityAccess = {
    mode: access.mode,
    rateLimit: rate,
    buckets,
    corsOrigins: options.corsOrigins ?? [],
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    onRateLimited: () => (rateLimited += 1),
    stats: () => ({ http: { rateLimited, inFlight: drain.inFlight() }, live: guard && replays ? liveStats(guard.stats(), replays()) : undefined }),
  };
  const metrics = serverMetrics({ version: VERSION, ingest: core.ingest, openCases: () => core.clocks.openCount(), readiness: () => core.storage.readiness(), isLeading: () => core.leadership.isLeading(), pendingWebhooks: () => core.store.reads.incidents.pendingDeliveries(), webhookCounts: () => core.alerts.webhookCounts(), chainRewound: () => witness.rewind !== null, now, front: securityAccess.stats });
  const sources: LiveSources = { reads: core.store.reads, standards: core.standards, compliance: core.compliance, timeZone: core.serverZone, openClocks: () => core.clocks.openClocks() };
  // The dashboard page carries the snapshot its socket would get on connecting (http/firstPaint.ts).
  const snapshot = (nowMs: number) => buildSnapshot(sources, nowMs);
  const front = createApp({ core, logger, webviewDir: options.webviewDir ?? DEFAULT_WEBVIEW_DIR, version: VERSION, now, access: securityAccess, metrics, integrations: integrationSettings(options), snapshot });
  const httpServer = createServer(front.listener);
  guardConnections(front, httpServer, options, logger);
  httpServer.on('clientError', answerClientError(headerLimitOf(httpServer)));
  const drain = drainable(httpServer);
  const live = attachLive({ httpServer, sources, ingest: core.ingest, clock, figuresIntervalMs: options.liveFiguresIntervalMs, allowedOrigins: options.corsOrigins ?? [], maxHttpBufferSize: packetLimit(options.maxSocketMessageBytes ?? DEFAULT_MAX_SOCKET_MESSAGE_BYTES), acrossNodes: Boolean(options.redisUrl), onError: (err) => core.storage.jobFailed(err, logger, 'live push failed'), onReplayError: (err, failure) => logger.error({ err, ...failure }, 'live replay failed') });
  replays = () => live.replays();
  // The guard first: its middleware refuses an oversized connection request before the key is looked at.
  guard = guardSockets(live.io, logger, options.maxSocketMessageBytes ?? DEFAULT_MAX_SOCKET_MESSAGE_BYTES, options.socketGuard, clock);
  const stopSocketKeys = requireSocketKey(live.io, access.mode, core.keys, {
    clock,
    ...(buckets ? { refused: (req) => buckets.take(addressBucket(front.addressOf(req))) } : {}),
    onCheckError: (err) => core.storage.jobFailed(err, logger, "live sockets' keys could not be checked against the store; retrying every second"),
  });
  core.alerts.onIncident((update) => live.io.emit('incident', update));
  const unwatchClocks = core.clocks.onUpdate((update) => {
    // Nobody to tell: a client that connects later gets the open clocks in its snapshot.
    if (live.hasAudience()) live.io.emit('clocks', update);
  });
  // A standard or a site (its display name) added, changed or retired reaches every dashboard as a fresh snapshot.
  const pushSnapshot = () => live.pushSnapshot();
  const unwatchStandards = core.standards.onChange(pushSnapshot);
  // A site's settings time its open cases (their deadlines, as their end will be judged): the open clocks take them
  // first, so the snapshot lists them by the new settings too.
  const unwatchSites = core.sites.onChange(() => void core.clocks.sitesChanged().then(pushSnapshot));
  return {
    httpServer,
    io: live.io,
    // Redis back after an outage: what other nodes pushed meanwhile (events, figures, incidents, clocks) never
    // reached this node's clients, whose connection stayed up; a fresh snapshot is the whole picture again, and after
    // it a client that keeps every event replays from its last one (docs/api.md).
    pushLocalSnapshot: () => live.pushLocalSnapshot(),
    close: async (drainTimeoutMs?: number) => {
      unwatchStandards();
      unwatchSites();
      unwatchClocks();
      metrics.close();
      guard?.stop();
      stopSocketKeys();
      const liveClosed = live.close(drainTimeoutMs); // live clients first: every connection ends now
      const reading = live.snapshotsBeingRead();
      if (reading > 0) logger.info({ snapshots: reading }, 'closing: waiting for live snapshots being read before the store closes');
      const replaying = live.replays().replaysReading;
      if (replaying > 0) logger.info({ replays: replaying }, 'closing: waiting for live replays being read before the store closes');
      await drain.close(drainTimeoutMs);
      await liveClosed;
    },
  };
}

async function reload(core: Core, file: string | undefined, logger: Logger): Promise<ReloadResult> {
  if (!file) {
    // A SIGHUP meant for a standards file that was never given: said, rather than taken without a word.
    logger.warn('nothing to reload: the server was started without --standards');
    return { ok: true, applied: { standards: [], sites: [], skipped: [] } };
  }
  const result = await reloadStandardsFile(core, file);
  if (result.ok) logApplied(logger, file, result.applied, 'standards file reloaded');
  else logger.error({ file, problems: result.problems }, 'standards file refused; keeping the last good set');
  return result;
}

function listen(server: NetServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const refused = (error: NodeJS.ErrnoException) => reject(listenRefusal(error, port, host));
    server.once('error', refused);
    server.listen(port, host, () => {
      server.off('error', refused);
      resolve();
    });
  });
}

/**
 * Why the server cannot listen, in words where the reason is common: a port in use, with what to do about it; a
 * --host that names no address of this machine (exit 2, as a bad option).
 */
function listenRefusal(error: NodeJS.ErrnoException, port: number, host: string): Error {
  if (error.code === 'EADDRINUSE') return new Error(`port ${port} on ${host} is already in use by another program (EADDRINUSE): stop it first, or give this one its own --port (0 picks a free one)`, { cause: error });
  const hostWrong = { ENOTFOUND: 'is a host name the resolver does not know', EAI_AGAIN: 'could not be resolved (the resolver did not answer; try again, or give an address)', EADDRNOTAVAIL: 'is not an address of this machine' }[error.code ?? ''];
  if (hostWrong) return new StartupRefused(`--host ${host} ${hostWrong} (${error.code}): give an address of this machine to listen on, such as 127.0.0.1, 0.0.0.0 (every IPv4 address) or ::`, { cause: error });
  return error;
}

/**
 * Fails as listening would, before anything is created: binds the port and lets it go at once. Port 0 too: any free
 * one will do, but the bind also tries --host (a name that does not resolve, an address this machine lacks).
 * The server binds it again once its store is open; a program that takes the port in between fails the start
 * then, with the same words.
 */
async function probePort(port: number, host: string): Promise<void> {
  const probe = createNetServer();
  await listen(probe, port, host);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function logApplied(logger: Logger, file: string, applied: AppliedConfig, message: string): void {
  logger.info({ file, ...applied }, message);
  for (const id of applied.skipped) {
    logger.warn({ file, standard: id }, `standard "${id}" is in the standards file but was retired over the API; re-create it with POST /api/v1/standards to use it again`);
  }
}

function integrationSettings(options: ServerOptions): IntegrationSettings {
  return { ...(options.twilioAuthToken ? { twilioAuthToken: options.twilioAuthToken } : {}), ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}) };
}

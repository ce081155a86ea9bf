// Layer rules for the product code (docs/architecture.md, "Layers"), checked by dependency-cruiser as part of
// `pnpm lint`. The server's layers point down only:
//   protocol (wire types + zod; protocol/pure zod-free) → domain → store → services
//   → http, live, cli, integrations, demo (adapters) → server.ts (composition root) → main.ts.
// The dashboard and the extension see the server only through its protocol, and at run time only through the
// zod-free protocol/pure (type imports are erased by the build, so they may name any protocol type).
// clock.ts and logger.ts are ports every layer above the domain may use. options.ts (the server's options as
// plain data) and storeBackend.ts (which store backend runs) are the composition's configuration: server.ts and
// main.ts use them, and so does the CLI, which turns the command line into options and whose subcommands (backup,
// keys, verify, …) are small composition roots of their own; no other adapter does.
const S = '^server/src/';
const PROTOCOL = `${S}protocol/`;
const PURE = `${S}protocol/pure/`;
const DOMAIN = `${S}domain/`;
const STORE = `${S}store/`;
const STORE_PORT = `${S}store/(port|records)\\.ts$`;
const SERVICES = `${S}services/`;
const ADAPTERS = `${S}(http|live|integrations|demo)/`;
const PORTS = `${S}(clock|logger)\\.ts$`;
const CONFIGURATION = `${S}(options|storeBackend)\\.ts$`;
const TOP = `${S}(server|main|entry)\\.ts$`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles anywhere: a cycle means two modules are one idea, or a layer points up.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'protocol-pure-imports-nothing',
      severity: 'error',
      comment:
        'protocol/pure is what the dashboard and the extension load at run time: no package (not even zod), nothing ' +
        'of ours outside protocol/pure; types from the rest of protocol are erased by the build and so allowed.',
      from: { path: PURE },
      to: { pathNot: [PURE], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'protocol-pure-no-packages',
      severity: 'error',
      comment: 'protocol/pure depends on no package at all, not even for types.',
      from: { path: PURE },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown', 'core'] },
    },
    {
      name: 'protocol-imports-only-protocol',
      severity: 'error',
      comment: 'The wire types stand alone: protocol imports nothing of ours outside protocol.',
      from: { path: PROTOCOL },
      to: { path: '^(server|webview|extension)/', pathNot: PROTOCOL },
    },
    {
      name: 'domain-over-protocol',
      severity: 'error',
      comment: 'The domain is pure rules over the wire types: it imports only domain and protocol.',
      from: { path: DOMAIN },
      to: { path: '^(server|webview|extension)/', pathNot: [DOMAIN, PROTOCOL] },
    },
    {
      name: 'store-over-domain',
      severity: 'error',
      comment: 'The store persists domain records: it imports only store, domain and protocol.',
      from: { path: STORE },
      to: { path: '^(server|webview|extension)/', pathNot: [STORE, DOMAIN, PROTOCOL] },
    },
    {
      name: 'sqlite-only-in-store',
      severity: 'error',
      comment: 'All SQL lives behind the store port: nothing outside server/src/store imports better-sqlite3.',
      from: { pathNot: STORE },
      to: { path: 'node_modules/.*better-sqlite3/' },
    },
    {
      name: 'services-over-store',
      severity: 'error',
      comment: 'Use cases sit over the store port, the domain and the protocol (and the clock and logger ports).',
      from: { path: SERVICES },
      to: { path: '^(server|webview|extension)/', pathNot: [SERVICES, STORE_PORT, DOMAIN, PROTOCOL, PORTS] },
    },
    {
      name: 'services-not-store-internals',
      severity: 'error',
      comment: 'Services reach the store through its port (store/port.ts, store/records.ts), never a backend.',
      from: { path: SERVICES },
      to: { path: STORE, pathNot: STORE_PORT },
    },
    {
      name: 'adapters-over-services',
      severity: 'error',
      comment:
        'HTTP, live, integrations and the demo translate to service calls: they import services, domain, protocol, ' +
        'the store port types and the clock and logger ports, never store internals, another adapter or the composition. ' +
        'One exception: HTTP serves the integrations (pure readers of other systems\' formats) as endpoints.',
      from: { path: ADAPTERS, pathNot: `${S}http/` },
      to: { path: '^(server|webview|extension)/', pathNot: [`${S}$1/`, SERVICES, STORE_PORT, DOMAIN, PROTOCOL, PORTS] },
    },
    {
      name: 'http-over-services',
      severity: 'error',
      comment: 'HTTP as the other adapters, and it may read the integrations it serves.',
      from: { path: `${S}http/` },
      to: { path: '^(server|webview|extension)/', pathNot: [`${S}(http|integrations)/`, SERVICES, STORE_PORT, DOMAIN, PROTOCOL, PORTS] },
    },
    {
      name: 'integrations-below-http',
      severity: 'error',
      comment: 'The integrations are read by HTTP; they import nothing of HTTP, live or the demo themselves.',
      from: { path: `${S}integrations/` },
      to: { path: `${S}(http|live|demo)/` },
    },
    {
      name: 'cli-over-services',
      severity: 'error',
      comment:
        'The CLI is an adapter over the services too, and may also read the configuration (options.ts, ' +
        'storeBackend.ts): it turns the command line into options, and its subcommands open the store themselves.',
      from: { path: `${S}cli/` },
      to: { path: '^(server|webview|extension)/', pathNot: [`${S}cli/`, SERVICES, STORE_PORT, DOMAIN, PROTOCOL, PORTS, CONFIGURATION] },
    },
    {
      name: 'cli-not-http',
      severity: 'error',
      comment: 'The command line does not go through the HTTP layer.',
      from: { path: `${S}cli/` },
      to: { path: `${S}http/` },
    },
    {
      name: 'ports-low',
      severity: 'error',
      comment: 'The clock and the logger are ports below the services: they import only protocol and domain.',
      from: { path: PORTS },
      to: { path: '^(server|webview|extension)/', pathNot: [PORTS, PROTOCOL, DOMAIN] },
    },
    {
      name: 'configuration-for-composition',
      severity: 'error',
      comment: 'The configuration (options.ts, storeBackend.ts) is read by server.ts, main.ts and the CLI only.',
      from: { path: '^(server|webview|extension)/', pathNot: [TOP, CONFIGURATION, `${S}cli/`] },
      to: { path: CONFIGURATION },
    },
    {
      name: 'composition-on-top',
      severity: 'error',
      comment: 'server.ts is the composition root, imported by main.ts only; main.ts is loaded by entry.ts only; nothing imports entry.ts.',
      from: { path: '^(server|webview|extension)/', pathNot: `${S}(main|entry)\\.ts$` },
      to: { path: TOP },
    },
    {
      name: 'entry-loads-main-only',
      severity: 'error',
      comment: 'entry.ts installs the forwarders\' signal handlers, then loads main.ts: nothing else of the top level.',
      from: { path: `${S}entry\\.ts$` },
      to: { path: TOP, pathNot: `${S}main\\.ts$` },
    },
    {
      name: 'clients-only-protocol',
      severity: 'error',
      comment: 'The dashboard and the extension see the server only through its protocol.',
      from: { path: '^(webview|extension)/src/' },
      to: { path: '^server/', pathNot: PROTOCOL },
    },
    {
      name: 'clients-zod-free-at-run-time',
      severity: 'error',
      comment:
        'At run time the dashboard and the extension load only protocol/pure (the protocol index pulls in zod); ' +
        'types may come from anywhere in protocol.',
      from: { path: '^(webview|extension)/src/' },
      to: { path: PROTOCOL, pathNot: PURE, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'clients-apart',
      severity: 'error',
      comment: 'The dashboard and the extension share code only through the protocol (the extension ships the built dashboard).',
      from: { path: '^webview/src/' },
      to: { path: '^extension/' },
    },
    {
      name: 'extension-not-webview-source',
      severity: 'error',
      comment: 'The extension loads the built dashboard, never its sources.',
      from: { path: '^extension/src/' },
      to: { path: '^webview/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    combinedDependencies: true,
  },
};

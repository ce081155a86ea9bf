// The protocol's values that carry no zod: what the dashboard page (whose bundle size decides its first render)
// and the VS Code extension import at run time. Types come from '@ringside/server/protocol' as before; values
// come from here, so a client never pulls the schemas in. test/unit/protocolPure.test.ts keeps this entry free of
// anything outside this folder.
export * from './bands';
export * from './counted';
export * from './format';
export * from './clock';
export * from './limits';
export * from './dashboard';
export * from './reconnect';
export * from './serverAddress';
export * from './labels';
export * from './incidents';
export * from './groupKey';
export * from './openClocks';
export * from './livePoints';
export * from './idLists';
export * from './fieldProblems';
export * from './textOrder';
export * from './zonedDate';
export * from './calendar';

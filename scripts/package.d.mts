// Types for the plain-ESM script, so the TypeScript e2e test can import it.
/** Builds the dashboard and the extension and packs a .vsix; returns its absolute path. */
export declare function packageExtension(options?: { out?: string; quiet?: boolean }): string;

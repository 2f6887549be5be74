import { createRequire } from 'node:module';

/** The package version, read once from package.json (one level above src/ and dist/). */
export const SIGNPOST_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

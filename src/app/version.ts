import { createRequire } from 'node:module';

/** The package version, read once from package.json, two levels above src/app/, dist/app/ and the CLI bundle in dist/cli-bundle/. */
export const SIGNPOST_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

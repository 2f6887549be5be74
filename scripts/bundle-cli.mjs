/**
 * Bundle the CLI (after tsc has compiled src/ to dist/) into dist/cli-bundle/: main.js with the command
 * table, and one chunk per command's actions (esbuild splits at every dynamic import) plus the
 * chunks they share. Node then reads a handful of files for `signpost resolve` instead of about a
 * thousand modules, each resolved, read and compiled on its own: that resolution is most of the
 * CLI's start-up time (bench/cli measures both builds).
 *
 * Left outside the bundle, loaded from node_modules as usual: the native SQLite addon; the
 * server's packages that read their own files at run time (the Swagger UI's assets, pino's
 * worker-thread transports), which only `signpost serve` loads; and X.509 (@peculiar/x509 with
 * its dependency injection, which finds its classes through the one global reflect-metadata),
 * which only `serve` and `cert` load. e2e tests run every command through this bundle.
 */
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/cli-bundle`;

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: 'dist/cli/main.js' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // A CommonJS package bundled into an ES module still calls require() for Node's own modules.
  banner: { js: "import { createRequire as __signpostCreateRequire } from 'node:module'; const require = __signpostCreateRequire(import.meta.url);" },
  external: ['better-sqlite3', 'fastify', '@fastify/*', 'pino', 'pino-*', 'thread-stream', '@peculiar/*', 'reflect-metadata', 'tsyringe'],
  // Chunks beside main.js: dist/cli-bundle/ is two levels below the root, as dist/app/ is, so version.ts
  // finds ../../package.json from either.
  chunkNames: '[name]-[hash]',
  sourcemap: 'linked',
  logLevel: 'warning',
});

#!/usr/bin/env node
// The CLI runs the bundle in dist/cli-bundle/ (main.js and a chunk per command), built from the compiled
// JavaScript in dist/ by `npm install` (the prepare script: tsc, then scripts/bundle-cli.mjs).
// With --debug a stack trace names the TypeScript sources, through the bundle's source maps.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
const { main } = await import('../dist/cli-bundle/main.js');

await main(process.argv);

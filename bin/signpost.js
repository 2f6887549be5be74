#!/usr/bin/env node
// The CLI runs the compiled JavaScript in dist/, built by `npm install` (the prepare script).
import { main } from '../dist/faces/cli/main.js';

await main(process.argv);

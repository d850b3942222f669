#!/usr/bin/env node
// The `chronos` command. The TypeScript sources are compiled to dist/ by `npm run build`
// (which `npm ci` runs through the prepare script).
import { main } from '../dist/src/server/cli.js';

process.exitCode = await main(process.argv.slice(2));

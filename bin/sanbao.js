#!/usr/bin/env node
// Entry point of the `sanbao` command. TypeScript runs through tsx's loader, so there is no
// build step between a checkout and a running service.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../app/cli.ts');
process.exitCode = await main(process.argv.slice(2));

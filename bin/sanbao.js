#!/usr/bin/env -S node --max-semi-space-size=64
// Entry point of the `sanbao` command. TypeScript runs through tsx's loader, so there is no
// build step between a checkout and a running service.
// --max-semi-space-size=64 (also in package.json's start and demo scripts): a young generation
// large enough that the samples in flight between MQTT and the spool die young instead of being
// copied at every scavenge; measured −3 to −6 % broker CPU per message (bench/RESULTS.md).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../app/cli.ts');
process.exitCode = await main(process.argv.slice(2));

// Baseline (a): plain aedes, no authentication, no ACL, no ingest. Run as its own process so
// its CPU and memory are measured alone: `node --import tsx bench/lib/raw-aedes.ts PORT`.
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const port = Number(process.argv[2]);
const aedes = await Aedes.createBroker();
const server = createServer(aedes.handle);
server.listen(port, '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => aedes.close(() => server.close(() => process.exit(0))));

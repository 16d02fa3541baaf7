import { readFile } from 'node:fs/promises';
import { ConfigError, loadConfig, type Config } from '../core/index.ts';
import { startService } from './service.ts';

const USAGE = `usage: sanbao <command> [options]

commands:
  serve                       run the service (its roles: SANBAO_ROLES) — configured by environment
  demo                        the service plus a simulated fleet of 300 devices with faults
  simulate [options]          run a simulated fleet against a service, or export one (--export DIR)
  warranty evaluate CASE.json evaluate a 三包 case and print the decision
  warranty policy …           check, save and list makers' own 三包 policies
  warranty holidays import F  load a holiday calendar (JSON, CSV or the State Council notice)
  diagnose replay [options]   predict remaining useful life from run-to-failure CSV files
  diagnostics <command>       check or upload diagnostics data files and models, roll back
  report <kind> --out FILE    download a ledger (一台账两清单) or the quarterly report as CSV/XLSX
  help                        show this text

Each command prints its own options with --help. Configuration: see README.md.`;

interface Io {
  stdout(s: string): void;
  stderr(s: string): void;
}

const stdio: Io = {
  stdout: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  stderr: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
};

/** Entry point of the `sanbao` command; returns the exit code. */
export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'serve':
    case undefined:
      return serve(io);
    case 'demo': {
      const config = configOrExit(io);
      if (!config) return 2;
      const { runDemo } = await import('./demo.ts');
      return runDemo(config, io, process.env);
    }
    case 'simulate': {
      const { simulateCli } = await import('../simulators/index.ts');
      return simulateCli(rest, { ...io, env: process.env });
    }
    case 'warranty': {
      const { warrantyCli } = await import('../warranty/index.ts');
      return warrantyCli(rest, { ...io, readFile: (p) => readFile(p, 'utf8'), env: process.env });
    }
    case 'diagnose': {
      const { diagnoseCli } = await import('../diagnostics/index.ts');
      // Progress redraws one stderr line on a terminal: no newline appended there.
      const tty = io === stdio && process.stderr.isTTY;
      return diagnoseCli(
        rest,
        tty ? { ...io, isTTY: true, stderr: (s) => process.stderr.write(s) } : io,
      );
    }
    case 'diagnostics': {
      const { diagnosticsCli } = await import('../diagnostics/index.ts');
      return diagnosticsCli(rest, { ...io, env: process.env });
    }
    case 'report': {
      const { reportCli } = await import('../quality/index.ts');
      return reportCli(rest, { ...io, env: process.env });
    }
    case 'help':
    case '--help':
    case '-h':
      io.stdout(USAGE);
      return 0;
    default:
      io.stderr(`sanbao: unknown command "${cmd}"\n\n${USAGE}`);
      return 2;
  }
}

function configOrExit(io: Io): Config | undefined {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(err.message);
      return undefined;
    }
    throw err;
  }
}

async function serve(io: Io): Promise<number> {
  const config = configOrExit(io);
  if (!config) return 2;
  let service;
  try {
    service = await startService(config);
  } catch (err) {
    const e = err as Error & { code?: string };
    io.stderr(
      e.code === 'BROKER_ERR_PORT_IN_USE'
        ? `sanbao: ${e.message}`
        : `sanbao: could not start: ${e.stack ?? e.message}`,
    );
    return 1;
  }
  const { ports } = service;
  if (service.generatedAdminToken) {
    io.stdout(
      `\nAdmin token (shown once, stored hashed — keep it):\n\n  ${service.generatedAdminToken}\n\n` +
        'Set ADMIN_TOKEN to choose your own.\n',
    );
  }
  io.stdout(
    `sanbao is running (${[...config.roles].join(', ')}): HTTP http://localhost:${ports.http}` +
      (config.roles.has('http') ? ' (API docs /docs)' : ' (/health and /metrics only)') +
      (ports.tcp ? `, MQTT mqtt://localhost:${ports.tcp}` : '') +
      (ports.ws ? `, MQTT/WebSocket ws://localhost:${ports.ws}` : '') +
      (ports.tls ? `, MQTT/TLS mqtts://localhost:${ports.tls}` : '') +
      `; telemetry in ${service.store.name}`,
  );
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      service.log.info({ signal: sig }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await service.close();
  return 0;
}

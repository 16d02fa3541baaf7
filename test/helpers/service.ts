import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Env } from '../../core/index.ts';
import { startService as start, type Service } from '../../app/service.ts';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface RunningService {
  httpUrl: string;
  mqttUrl: string;
  adminToken: string;
  dataDir: string;
  service: Service;
  stop(): Promise<void>;
}

/**
 * Starts the whole service on free ports with its own data folder (PGlite unless
 * DATABASE_URL is given in `env`). Each test file owns its service (docs/style.md §14).
 */
export async function startService(
  env: Env = {},
  opts: Parameters<typeof start>[1] = {},
): Promise<RunningService> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'sanbao-test-'));
  const config = loadConfig({
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    MQTT_HOST: '127.0.0.1',
    MQTT_PORT: '0',
    DATA_DIR: dataDir,
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    INGEST_FLUSH_MS: '10',
    ...(env as Record<string, string>),
  });
  const service = await start(config, opts);
  return {
    httpUrl: `http://127.0.0.1:${service.ports.http}`,
    mqttUrl: `mqtt://127.0.0.1:${service.ports.tcp}`,
    adminToken: TEST_ADMIN_TOKEN,
    dataDir,
    service,
    async stop() {
      await service.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

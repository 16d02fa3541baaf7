import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { claimRedisDb, type TestRedis } from './helpers/redis.ts';
import { startService, type RunningService } from './helpers/service.ts';

const run = promisify(execFile);
const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEPLOY = path.join(ROOT, 'deploy');
const HAPROXY = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';

/** Every `sanbao_*` name (and Prometheus' own `up`) a PromQL expression reads. */
const metricNames = (expr: string) => [...expr.matchAll(/\bsanbao_[a-z0-9_]+/g)].map((m) => m[0]);

/**
 * True when the exposition text declares `name` (`# TYPE`; a labelled counter has no sample
 * before its first count), or is a histogram's `_bucket`, `_sum` or `_count`.
 */
const exposes = (text: string, name: string) =>
  new RegExp(`^# TYPE ${name} `, 'm').test(text) ||
  new RegExp(`^# TYPE ${name.replace(/_(bucket|sum|count)$/, '')} histogram$`, 'm').test(text);

const RulesSchema = z.object({
  groups: z
    .array(
      z.object({
        name: z.string(),
        rules: z
          .array(
            z.object({
              alert: z.string().regex(/^[A-Z][A-Za-z]+$/),
              expr: z.string().min(1),
              for: z
                .string()
                .regex(/^\d+[smh]$/)
                .optional(),
              labels: z.object({ severity: z.enum(['warning', 'critical']) }),
              annotations: z.object({ summary: z.string(), description: z.string().optional() }),
            }),
          )
          .min(1),
      }),
    )
    .min(1),
});

const TargetSchema = z.union([
  z.object({ refId: z.string(), expr: z.string(), legendFormat: z.string() }),
  z.object({ refId: z.string(), query: z.string(), rawQuery: z.literal(true) }),
]);
const DashboardSchema = z.object({
  title: z.string(),
  uid: z.string(),
  templating: z.object({ list: z.array(z.object({ name: z.string(), type: z.string() })) }),
  panels: z.array(
    z.object({
      id: z.number(),
      type: z.string(),
      title: z.string(),
      gridPos: z.object({ h: z.number(), w: z.number(), x: z.number(), y: z.number() }),
      targets: z.array(TargetSchema).optional(),
    }),
  ),
});

/**
 * The operations kit in deploy/: the HAProxy config is valid for HAProxy itself, the systemd
 * unit for systemd, and every metric the Grafana dashboard and the Prometheus rules read is one
 * a cluster node serves on /metrics. HAProxy and systemd-analyze are required (CI installs
 * them): missing, this fails rather than skips.
 */
describe('deploy/: the operations kit', () => {
  let redis: TestRedis;
  let db: TestDatabase;
  let node: RunningService;
  let metrics: string;

  beforeAll(async () => {
    redis = await claimRedisDb();
    db = await createTestDatabase();
    node = await startService({ DATABASE_URL: db.url, REDIS_URL: redis.url });
    metrics = await fetch(`${node.httpUrl}/metrics`).then((r) => r.text());
  }, 60_000);
  afterAll(async () => {
    await node?.stop();
    await db?.drop();
    await redis?.release();
  });

  it('haproxy.cfg passes `haproxy -c`, checks /health on each node and balances MQTT by count', async () => {
    const { stdout, stderr } = await run(HAPROXY, ['-c', '-f', path.join(DEPLOY, 'haproxy.cfg')]);
    expect(`${stdout}${stderr}`).toMatch(/Configuration file is valid/);
    expect(`${stdout}${stderr}`).not.toMatch(/\[WARNING\]|\[ALERT\]/);
    const cfg = await readFile(path.join(DEPLOY, 'haproxy.cfg'), 'utf8');
    const backend = (name: string) =>
      cfg.split(/^backend /m).find((s) => s.startsWith(`${name}\n`)) ?? '';
    const mqtt = backend('sanbao_mqtt');
    expect(mqtt).toMatch(/^\s+mode tcp$/m);
    expect(mqtt).toMatch(/^\s+balance leastconn$/m);
    expect(mqtt).toMatch(/^\s+http-check send meth GET uri \/health$/m);
    const servers = mqtt.match(/^\s+server .*$/gm) ?? [];
    expect(servers.length).toBeGreaterThanOrEqual(2);
    // MQTT servers are checked on their node's HTTP port, where /health is.
    for (const s of servers) expect(s).toMatch(/:1883 check port 8080\b/);
    // … and drained by their agent (MQTT_AGENT_PORT) while they refuse new connections.
    for (const s of servers) expect(s).toMatch(/ agent-check agent-port 1885\b/);
    expect(backend('sanbao_http')).toMatch(/^\s+http-check send meth GET uri \/health$/m);
  });

  it('sanbao@.service is a valid unit that restarts a node on its own DATA_DIR', async () => {
    const unit = await readFile(path.join(DEPLOY, 'systemd', 'sanbao@.service'), 'utf8');
    const keys = unit
      .split('\n')
      .filter((l) => /^[A-Za-z]+=/.test(l))
      .map((l) => l.split('=', 1)[0]! + '=' + l.slice(l.indexOf('=') + 1));
    expect(keys).toContain('Restart=always');
    expect(keys).toContain('EnvironmentFile=/etc/sanbao/%i.env');
    expect(keys).toContain('Environment=DATA_DIR=/var/lib/sanbao/%i');
    expect(keys).toContain('StateDirectory=sanbao/%i');
    expect(keys.find((k) => k.startsWith('ExecStart='))).toMatch(/bin\/sanbao\.js serve$/);
    // systemd-analyze verifies an instance, not a template.
    const dir = await mkdtemp(path.join(tmpdir(), 'sanbao-unit-'));
    try {
      await copyFile(
        path.join(DEPLOY, 'systemd', 'sanbao@.service'),
        path.join(dir, 'sanbao@a.service'),
      );
      const { stdout, stderr } = await run('systemd-analyze', ['verify', 'sanbao@a.service'], {
        cwd: dir,
      });
      expect(`${stdout}${stderr}`.trim()).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('sanbao-rules.yml parses, and every metric its rules read is served by a cluster node', async () => {
    const rules = RulesSchema.parse(
      parseYaml(await readFile(path.join(DEPLOY, 'prometheus', 'sanbao-rules.yml'), 'utf8')),
    );
    const all = rules.groups.flatMap((g) => g.rules);
    expect(all.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'SanbaoNodeDown',
        'SanbaoRedisDown',
        'SanbaoSpoolGrowing',
        'SanbaoStoreWritesSlow',
      ]),
    );
    const names = new Set(all.flatMap((r) => metricNames(r.expr)));
    expect(names.size).toBeGreaterThan(5);
    for (const name of names) expect(exposes(metrics, name), `${name} on /metrics`).toBe(true);
  });

  it('sanbao.json is a dashboard whose Prometheus panels read served metrics and whose InfluxDB panels read the telemetry schema', async () => {
    const dash = DashboardSchema.parse(
      JSON.parse(await readFile(path.join(DEPLOY, 'grafana', 'sanbao.json'), 'utf8')),
    );
    const targets = dash.panels.flatMap((p) => p.targets ?? []);
    const promql = targets.flatMap((t) => ('expr' in t ? [t.expr] : []));
    const influxql = targets.flatMap((t) => ('query' in t ? [t.query] : []));
    const names = new Set(promql.flatMap(metricNames));
    expect(names.size).toBeGreaterThan(10);
    for (const name of names) expect(exposes(metrics, name), `${name} on /metrics`).toBe(true);
    // Every counter and gauge of core/metrics.ts is on the dashboard.
    const own = [...metrics.matchAll(/^# TYPE (sanbao_(?:mqtt|ingest|store|redis)_[a-z_]+) /gm)];
    for (const [, name] of own)
      expect(
        promql.some((q) => q.includes(name!)),
        `${name} on a panel`,
      ).toBe(true);
    // The InfluxDB schema of ingest/stores/influx-schema.ts and docs/influxdb.md.
    expect(influxql.some((q) => /FROM "telemetry"/.test(q))).toBe(true);
    expect(influxql.some((q) => /"device_events"/.test(q))).toBe(true);
    expect(influxql.some((q) => /FROM "rollup_1h"\."telemetry"/.test(q))).toBe(true);
    for (const q of influxql) expect(q).toMatch(/\$timeFilter/);
    // No two panels overlap on the grid.
    const cells = new Set<string>();
    for (const p of dash.panels)
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
  });

  it('a cluster node says whether Redis is up on /metrics; a single node has no such series', async () => {
    expect(metrics).toMatch(/^sanbao_redis_up 1$/m);
    const single = await startService();
    try {
      const text = await fetch(`${single.httpUrl}/metrics`).then((r) => r.text());
      expect(text).toMatch(/^sanbao_mqtt_connections /m);
      expect(text).not.toMatch(/sanbao_redis_up/);
    } finally {
      await single.stop();
    }
  });
});

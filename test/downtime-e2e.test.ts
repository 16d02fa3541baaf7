import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../core/config.ts';
import { api, connectDevice, provision, waitFor, type Provisioned } from './helpers/clients.ts';
import { requireInfluxd, startInfluxd, type InfluxdHandle } from './helpers/influxd.ts';
import { createTestDatabase, probePostgres, type TestDatabase } from './helpers/postgres.ts';
import { describeWithService } from './helpers/require-service.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * Issue 7, "downtime from telemetry", through MQTT and HTTP only: connected cars upload a
 * month of readings (timestamps in the past, as a backlog after a disconnection), repairs are
 * recorded with their drop-off and hand-back, and the service compares each record's days out
 * of service with the device's own silence — then the 三包 repair-day counter uses either source
 * and says which. Run with telemetry in SQL (PGlite) and in a real InfluxDB 1.x (PostgreSQL).
 */
interface RecordDowntime {
  seq: number;
  recordDays: number;
  telemetryDays: number | null;
  telemetryDaysAtLeast: boolean;
  interval: { lastReadingBefore: string | null; firstReadingAfter: string | null } | null;
  operatingHours: number;
  usable: boolean;
  flags: string[];
  note: string;
}
interface UnitDowntime {
  serial: string;
  deviceId: string | null;
  repair: string;
  dayRule: string;
  toleranceDays: number;
  records: RecordDowntime[];
}
interface Status {
  repairDaysSource: string;
  counters: Array<{ key: string; count: number; limit: number }>;
  history: Array<{ seq: number; daysSource: string; daysSourceNote?: string }>;
}
interface ErrorBody {
  error: string;
  details?: Array<{ path: string; message: string }>;
}

const H = 3_600_000;
const D = 24 * H;
/** The repairs start 20 days ago, on an hour boundary (the readings' half-hour grid). */
const BASE = Math.floor(Date.now() / H) * H - 20 * D;
const iso = (ms: number) => new Date(ms).toISOString();
const dropOff = BASE + 10 * 60_000;
const handBack = dropOff + 3 * D; // 72 h: 3 repair days (CAR21 Art. 40)

function downtimeSuite(backend: string, env: () => Env) {
  let svc: RunningService;
  let eng: string;
  let geely: string;
  let byd: string;
  let owner: string;
  const clients: MqttClient[] = [];

  const call = <T>(method: string, url: string, token?: string, body?: unknown) =>
    api<T>(svc.httpUrl, method, url, token, body);

  /**
   * A car sold 200 days ago, its device uploading readings every 30 min from 10 days before
   * BASE to 10 days after, except where `silent(ts)`; `speed(ts)` km/h.
   */
  async function connectedCar(
    silent: (ts: number) => boolean,
    speed: (ts: number) => number = () => 0,
  ): Promise<{ dev: Provisioned; serial: string }> {
    const dev = await provision(svc.httpUrl, svc.adminToken, 'household_car', 'Sedan 1.5T');
    const serial = `CAR-${dev.serial}`;
    await registerCar(serial, dev.id);
    const entries = [];
    for (let ts = BASE - 10 * D; ts < BASE + 10 * D; ts += 30 * 60_000)
      if (!silent(ts))
        entries.push({
          ts,
          metrics: { odometer_km: 20_000 + (ts - BASE) / H, speed_kmh: speed(ts) },
        });
    const mqtt = await connectDevice(svc.mqttUrl, dev);
    clients.push(mqtt);
    await mqtt.publishAsync(`devices/${dev.id}/telemetry`, JSON.stringify(entries), { qos: 1 });
    await waitFor(
      async () => {
        const r = await call<{ points: unknown[] }>(
          'GET',
          `/api/v1/devices/${dev.id}/telemetry?metric=speed_kmh&from=${BASE - 11 * D}&to=${BASE + 11 * D}&limit=100000`,
          svc.adminToken,
        );
        return r.body.points?.length === entries.length;
      },
      20_000,
      `${entries.length} readings stored`,
    );
    await recordRepair(serial);
    return { dev, serial };
  }

  async function registerCar(serial: string, deviceId?: string) {
    const u = await call('POST', '/api/v1/warranty/units', eng, {
      serial,
      category: 'household_car',
      model: 'Sedan 1.5T',
      manufacturer: 'Geely',
      ...(deviceId ? { deviceId } : {}),
      invoiceDate: iso(Date.now() - 200 * D).slice(0, 10),
      priceCNY: 120_000,
      ownerId: 'owner-li',
    });
    expect(u.status, JSON.stringify(u.body)).toBe(201);
  }

  /** A 3-day quality repair of the transmission, drop-off and hand-back as recorded. */
  async function recordRepair(serial: string) {
    const r = await call('POST', `/api/v1/units/${serial}/repairs`, eng, {
      outletId: 'HZ-4S-01',
      droppedOffAt: iso(dropOff),
      handedBackAt: iso(handBack),
      reportedFault: '换挡冲击 — harsh shifting',
      inspectionResult: 'valve body solenoid sticking',
      diagnosis: { faultCode: 'P0700', component: 'transmission', cause: 'quality' },
      workItems: ['replace shift solenoid'],
      signatures: { repairer: 'eng-wang' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }

  const repairDaysCounter = (s: Status) =>
    s.counters.find((c) => c.key === 'cumulative_repair_days')?.count;

  beforeAll(async () => {
    svc = await startService(env());
    const issue = async (role: string, subject: string) =>
      (await call<{ token: string }>('POST', '/api/v1/tokens', svc.adminToken, { role, subject }))
        .body.token;
    eng = await issue('engineer', 'eng-wang');
    geely = await issue('manufacturer', 'Geely');
    byd = await issue('manufacturer', 'BYD');
    owner = await issue('owner', 'owner-li');
  });

  afterAll(async () => {
    for (const c of clients) await c.endAsync();
    await svc?.stop();
  });

  it(`${backend}: [汽车三包 第四十条] silent 5 days around a recorded 3-day repair: telemetry_longer, and the counter can use either`, async () => {
    // Last reading a day before the drop-off, first one a day after the hand-back: 120 h.
    const lastBefore = BASE - D;
    const firstAfter = BASE + 4 * D;
    const { serial, dev } = await connectedCar((ts) => ts > lastBefore && ts < firstAfter);

    const r = await call<UnitDowntime>('GET', `/api/v1/units/${serial}/downtime`, eng);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({
      serial,
      deviceId: dev.id,
      repair: 'drop_off',
      dayRule: 'hours',
      toleranceDays: 1,
    });
    expect(r.body.records).toEqual([
      expect.objectContaining({
        seq: 1,
        recordDays: 3,
        telemetryDays: 5,
        telemetryDaysAtLeast: false,
        interval: {
          lastReadingBefore: iso(lastBefore),
          firstReadingAfter: iso(firstAfter),
          liveHoursInside: 0,
        },
        operatingHours: 0,
        usable: true,
        flags: ['telemetry_longer'],
      }),
    ]);
    // The manufacturer sees its own unit; a wider tolerance accepts the difference.
    const wide = await call<UnitDowntime>(
      'GET',
      `/api/v1/units/${serial}/downtime?toleranceDays=2`,
      geely,
    );
    expect(wide.status).toBe(200);
    expect(wide.body.records[0]?.flags).toEqual([]);

    // The 三包 counter: 3 days from the record by default, 5 from telemetry when asked.
    const byRecords = await call<Status>('GET', `/api/v1/units/${serial}/warranty`, eng);
    expect(byRecords.status, JSON.stringify(byRecords.body)).toBe(200);
    expect(byRecords.body.repairDaysSource).toBe('records');
    expect(repairDaysCounter(byRecords.body)).toBe(3);
    expect(byRecords.body.history).toEqual([
      expect.objectContaining({ seq: 1, daysSource: 'records' }),
    ]);
    expect(byRecords.body.history[0]?.daysSourceNote).toBeUndefined();

    const byTelemetry = await call<Status>(
      'GET',
      `/api/v1/units/${serial}/warranty?repairDays=telemetry`,
      owner,
    );
    expect(byTelemetry.status, JSON.stringify(byTelemetry.body)).toBe(200);
    expect(byTelemetry.body.repairDaysSource).toBe('telemetry');
    expect(repairDaysCounter(byTelemetry.body)).toBe(5);
    expect(byTelemetry.body.history[0]).toMatchObject({ seq: 1, daysSource: 'telemetry' });
    expect(byTelemetry.body.history[0]?.daysSourceNote).toContain(
      `${iso(lastBefore)} → ${iso(firstAfter)}`,
    );
  });

  it(`${backend}: a car driven during its recorded repair: running_while_at_outlet, the counter keeps the record`, async () => {
    // Driven for an hour on the second day at the outlet; never silent.
    const { serial } = await connectedCar(
      () => false,
      (ts) => (ts >= BASE + D && ts < BASE + D + H ? 45 : 0),
    );
    const r = await call<UnitDowntime>('GET', `/api/v1/units/${serial}/downtime`, eng);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.records[0]).toMatchObject({
      recordDays: 3,
      telemetryDays: null,
      operatingHours: 1,
      usable: false,
      flags: ['running_while_at_outlet', 'no_silence'],
    });

    const s = await call<Status>(
      'GET',
      `/api/v1/units/${serial}/warranty?repairDays=telemetry`,
      eng,
    );
    expect(s.status).toBe(200);
    expect(repairDaysCounter(s.body)).toBe(3);
    expect(s.body.history[0]?.daysSource).toBe('records');
    expect(s.body.history[0]?.daysSourceNote).toMatch(
      /telemetry could not measure this repair \(running_while_at_outlet, no_silence\)/,
    );
  });

  it(`${backend}: a unit with no device: no_telemetry, and the counter falls back to the record, saying so`, async () => {
    const serial = `CAR-NODEV-${process.pid}`;
    await registerCar(serial);
    await recordRepair(serial);
    const r = await call<UnitDowntime>('GET', `/api/v1/units/${serial}/downtime`, geely);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.deviceId).toBeNull();
    expect(r.body.records[0]).toMatchObject({
      recordDays: 3,
      telemetryDays: null,
      interval: null,
      flags: ['no_telemetry'],
    });
    const s = await call<Status>(
      'GET',
      `/api/v1/units/${serial}/warranty?repairDays=telemetry`,
      eng,
    );
    expect(s.status).toBe(200);
    expect(repairDaysCounter(s.body)).toBe(3);
    expect(s.body.history[0]).toMatchObject({
      daysSource: 'records',
      daysSourceNote: `unit ${serial} is linked to no device: the record's dates are used`,
    });
  });

  it(`${backend}: bad query values are refused naming the field; tokens and scope are checked`, async () => {
    const serial = `CAR-Q-${process.pid}`;
    await registerCar(serial);
    const bad = async (url: string, field: string) => {
      const r = await call<ErrorBody>('GET', url, eng);
      expect(r.status, url).toBe(400);
      expect(r.body.error).toBe('APP_ERR_VALIDATION');
      expect(r.body.details?.map((d) => d.path)).toEqual([`querystring.${field}`]);
    };
    await bad(`/api/v1/units/${serial}/warranty?repairDays=both`, 'repairDays');
    await bad(`/api/v1/units/${serial}/downtime?toleranceDays=-1`, 'toleranceDays');
    await bad(`/api/v1/units/${serial}/downtime?toleranceDays=soon`, 'toleranceDays');
    await bad(`/api/v1/units/${serial}/downtime?minSilenceHours=0`, 'minSilenceHours');

    expect((await call('GET', `/api/v1/units/${serial}/downtime`)).status).toBe(401);
    expect((await call('GET', `/api/v1/units/${serial}/downtime`, owner)).status).toBe(403);
    const other = await call<ErrorBody>('GET', `/api/v1/units/${serial}/downtime`, byd);
    expect(other.status).toBe(404);
    expect(other.body.error).toBe('WARRANTY_ERR_UNKNOWN_UNIT');
    const unknown = await call<ErrorBody>('GET', '/api/v1/units/NOPE-1/downtime', eng);
    expect(unknown.status).toBe(404);
  });
}

describe('downtime from telemetry on PGlite, telemetry in SQL', () =>
  downtimeSuite('PGlite', () => ({})));

const pgProblem = await probePostgres();
const haveInflux = requireInfluxd('downtime from telemetry in InfluxDB 1.x');
describeWithService(
  'PostgreSQL and influxd',
  pgProblem === undefined && haveInflux,
  pgProblem ?? 'influxd missing',
  'downtime from telemetry on PostgreSQL, telemetry in InfluxDB 1.x',
  () => {
    let db: TestDatabase;
    let influxd: InfluxdHandle;
    beforeAll(async () => {
      [db, influxd] = await Promise.all([createTestDatabase(), startInfluxd()]);
    });
    afterAll(async () => {
      await Promise.all([db?.drop(), influxd?.stop()]);
    });
    downtimeSuite('PostgreSQL + InfluxDB', () => ({
      DATABASE_URL: db.url,
      INFLUX_URL: influxd.url,
      INFLUX_DATABASE: 'sanbao_downtime',
    }));
  },
);

import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../core/db.ts';
import { api, connectDevice, nextMessage, provision, type Provisioned } from './helpers/clients.ts';
import { createTestDatabase, probePostgres, type TestDatabase } from './helpers/postgres.ts';
import { describeWithService } from './helpers/require-service.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * One device's bad record must cost nobody else anything (issue 24, finding 1). Before: an event
 * whose `detail` held U+0000 passed ingest, the SQL store refused the whole write (SQLSTATE
 * 22021) and ingest dead-lettered the whole batch, other devices' events with it. Now invalid
 * text is refused at the MQTT boundary with the reason on devices/{id}/errors; and when the
 * store still refuses a record for good, only that record is dead-lettered (the batch is
 * bisected) and its device is told why. Both on PGlite and on PostgreSQL.
 */
function poisonSuite(backend: string, env: () => Promise<Record<string, string>>) {
  describe(`ingest keeps every other device's data when one record is poison (${backend})`, () => {
    let svc: RunningService;
    beforeAll(async () => {
      // A wide batch window, so the poison and the bystanders' messages share store writes.
      svc = await startService({ ...(await env()), INGEST_FLUSH_MS: '300' });
    });
    afterAll(async () => svc?.stop());

    const since = () => Date.now() - 3_600_000;
    async function events(id: string) {
      const r = await api<{ events: Array<{ code: string; detail?: string }> }>(
        svc.httpUrl,
        'GET',
        `/api/v1/devices/${id}/events?from=${since()}&to=${Date.now() + 60_000}`,
        svc.adminToken,
      );
      expect(r.status).toBe(200);
      return r.body.events;
    }
    async function points(id: string, metric: string) {
      const r = await api<{ points: unknown[] }>(
        svc.httpUrl,
        'GET',
        `/api/v1/devices/${id}/telemetry?metric=${metric}&from=${since()}&to=${Date.now() + 60_000}&limit=10000`,
        svc.adminToken,
      );
      return r.body.points.length;
    }
    const deadLettered = async () =>
      (await svc.service.metrics.deadLettered.get()).values[0]?.value ?? 0;

    /** Bystanders publish events and telemetry (QoS 1) while `attack` runs. */
    async function withBystanders(n: number, attack: () => Promise<void>) {
      const devs: Array<{ dev: Provisioned; c: MqttClient }> = [];
      for (let i = 0; i < n; i++) {
        const dev = await provision(svc.httpUrl, svc.adminToken, 'water_heater_electric', 'JSQ-20');
        devs.push({ dev, c: await connectDevice(svc.mqttUrl, dev) });
      }
      const t0 = Date.now() - 60_000;
      const publish = (from: number, to: number) =>
        devs.flatMap(({ dev, c }, k) =>
          Array.from({ length: to - from }, (_, j) => {
            const i = from + j;
            return [
              c.publishAsync(
                `devices/${dev.id}/events`,
                JSON.stringify({ ts: t0 + i, code: `E${k}_${i}`, detail: `bystander ${i}` }),
                { qos: 1 },
              ),
              c.publishAsync(
                `devices/${dev.id}/telemetry`,
                JSON.stringify({ ts: t0 + i, metrics: { tank_temp_c: 50 } }),
                { qos: 1 },
              ),
            ];
          }).flat(),
        );
      // The attack lands between the bystanders' messages, in the same store batch.
      await Promise.all(publish(0, 10));
      await Promise.all([attack(), ...publish(10, 20)]);
      await svc.service.ingest.flushed();
      for (const { dev, c } of devs) {
        expect((await events(dev.id)).length).toBe(20);
        expect(await points(dev.id, 'tank_temp_c')).toBe(20);
        await c.endAsync();
      }
    }

    it.each([
      ['U+0000 (NUL) in detail', '{"ts":%TS%,"code":"E1","detail":"bad\\u0000text"}', 'detail'],
      ['a lone surrogate in detail', '{"ts":%TS%,"code":"E1","detail":"bad\\ud800"}', 'detail'],
      ['NUL in an ignored key', '{"ts":%TS%,"code":"E1","note\\u0000":1}', 'note'],
    ])(
      'refuses an event with %s at the boundary, telling the device; bystanders lose nothing',
      async (_name, template, path) => {
        const dev = await provision(svc.httpUrl, svc.adminToken, 'water_heater_electric', 'JSQ-20');
        const c = await connectDevice(svc.mqttUrl, dev);
        await c.subscribeAsync(`devices/${dev.id}/errors`);
        const before = await deadLettered();
        await withBystanders(3, async () => {
          const err = nextMessage(c, `devices/${dev.id}/errors`);
          const payload = template.replace('%TS%', String(Date.now() - 30_000));
          await c.publishAsync(`devices/${dev.id}/events`, payload, { qos: 1 });
          const report = JSON.parse((await err).payload.toString()) as {
            reason: string;
            message: string;
            details: Array<{ path: string }>;
          };
          expect(report.reason).toBe('invalid_text');
          expect(report.details[0]?.path).toContain(path);
        });
        expect(await events(dev.id)).toEqual([]);
        expect(await deadLettered()).toBe(before);
        expect(c.connected).toBe(true);
        await c.endAsync();
      },
    );

    it('refuses telemetry with invalid text anywhere in it (fast path declines, schema path refuses)', async () => {
      const dev = await provision(svc.httpUrl, svc.adminToken, 'water_heater_electric', 'JSQ-20');
      const c = await connectDevice(svc.mqttUrl, dev);
      await c.subscribeAsync(`devices/${dev.id}/errors`);
      const err = nextMessage(c, `devices/${dev.id}/errors`);
      await c.publishAsync(
        `devices/${dev.id}/telemetry`,
        `{"ts":${Date.now()},"metrics":{"tank_temp_c":50},"fw":"1.0\\u0000"}`,
        { qos: 1 },
      );
      expect(JSON.parse((await err).payload.toString())).toMatchObject({ reason: 'invalid_text' });
      await svc.service.ingest.flushed();
      expect(await points(dev.id, 'tank_temp_c')).toBe(0);
      await c.endAsync();
    });

    it('dead-letters only the record the store refuses, and tells its device why', async () => {
      // The database itself refuses one record for good (a data exception, as for NUL before):
      // a trigger stands for any refusal the boundary checks cannot foresee.
      const sql: Sql = svc.service.sql;
      await sql.query(`CREATE OR REPLACE FUNCTION poison_refuse() RETURNS trigger AS $$
        BEGIN
          IF NEW.code = 'POISON' THEN
            RAISE EXCEPTION 'poison record' USING ERRCODE = '22021';
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql`);
      await sql.query(`CREATE TRIGGER poison_refuse BEFORE INSERT ON device_events
        FOR EACH ROW EXECUTE FUNCTION poison_refuse()`);
      try {
        const dev = await provision(svc.httpUrl, svc.adminToken, 'water_heater_electric', 'JSQ-20');
        const c = await connectDevice(svc.mqttUrl, dev);
        await c.subscribeAsync(`devices/${dev.id}/errors`);
        const before = await deadLettered();
        const ts = Date.now() - 30_000;
        await withBystanders(3, async () => {
          const err = nextMessage(c, `devices/${dev.id}/errors`, 10_000);
          await c.publishAsync(
            `devices/${dev.id}/events`,
            JSON.stringify([
              { ts, code: 'OK1' },
              { ts: ts + 1, code: 'POISON', detail: 'the store refuses this one' },
            ]),
            { qos: 1 },
          );
          // This message of the same device comes in another record: it is stored.
          await c.publishAsync(`devices/${dev.id}/events`, JSON.stringify({ ts, code: 'OK2' }), {
            qos: 1,
          });
          const report = JSON.parse((await err).payload.toString()) as {
            reason: string;
            topic: string;
            message: string;
          };
          expect(report).toMatchObject({
            reason: 'store_refused',
            topic: `devices/${dev.id}/events`,
          });
          expect(report.message).toContain('2 events');
        });
        // The refused record was one message of two events: both are dead-lettered, nothing else.
        expect(await deadLettered()).toBe(before + 2);
        expect((await events(dev.id)).map((e) => e.code)).toEqual(['OK2']);
        await c.endAsync();
      } finally {
        await sql.query('DROP TRIGGER poison_refuse ON device_events');
      }
    });
  });
}

poisonSuite('PGlite', async () => ({}));

const pgProblem = await probePostgres();
describeWithService('PostgreSQL', pgProblem === undefined, pgProblem ?? '', 'on PostgreSQL', () => {
  let db: TestDatabase | undefined;
  poisonSuite('PostgreSQL', async () => {
    db = await createTestDatabase();
    return { DATABASE_URL: db.url };
  });
  afterAll(async () => db?.drop());
});

import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connectDevice, provision, waitFor, type Provisioned } from './helpers/clients.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * Issue 7, alert → repair order → repair record → telemetry verification, through MQTT and
 * HTTP only: an engineer opens an order from an alert (evidence, component and parts carried
 * over), closing it appends the hash-chained repair record and resolves the alert; the same
 * fault coming back is a repeat failure — the same quality problem for 三包 — escalated at once
 * with the remedy the owner now has; and a repaired device that reports healthy telemetry is
 * verified, one that stays silent is not.
 */
interface Alert {
  id: string;
  deviceId: string;
  modeId: string;
  component: string;
  severity: string;
  status: string;
  parts: string[];
  evidence: unknown[];
  repairRef: string | null;
  comments?: Array<{ author: string; text: string }>;
}
interface Order {
  id: string;
  serial: string;
  status: string;
  alertIds: string[];
  suspectedComponent: string | null;
  partsCalledFor: string[];
  evidence: unknown[];
  recordSeq: number | null;
  verification: string;
  repeatAlertId: string | null;
}

interface RecordBody {
  diagnosis: Record<string, unknown>;
}

const days = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

describe('repair orders from alerts, verified by telemetry (issue 7)', () => {
  let svc: RunningService;
  let eng: string;
  let maker: string;
  const devices: Array<{ dev: Provisioned; mqtt: MqttClient; serial: string }> = [];

  const call = <T>(method: string, url: string, token: string, body?: unknown) =>
    api<T>(svc.httpUrl, method, url, token, body);

  /** A connected air conditioner with its warranty unit (sold 60 days ago). */
  async function unitWithDevice(): Promise<{ dev: Provisioned; mqtt: MqttClient; serial: string }> {
    const dev = await provision(svc.httpUrl, svc.adminToken, 'air_conditioner', 'KFR-35GW');
    const serial = `AC-${dev.serial}`;
    const u = await call('POST', '/api/v1/warranty/units', eng, {
      serial,
      category: 'air_conditioner',
      model: 'KFR-35GW',
      manufacturer: 'Gree',
      deviceId: dev.id,
      invoiceDate: days(-60),
      priceCNY: 3_000,
      productionBatch: 'B-2507',
    });
    expect(u.status, JSON.stringify(u.body)).toBe(201);
    const mqtt = await connectDevice(svc.mqttUrl, dev);
    const d = { dev, mqtt, serial };
    devices.push(d);
    return d;
  }

  // A repeated code within an hour is the same occurrence (fault-code detector): each failure
  // of a device is reported two hours after its previous one, starting a day ago.
  const occurrences = new Map<string, number>();
  /** The device reports fault code F0 (low refrigerant); resolves with the alert it opens. */
  async function faultAlert(d: { dev: Provisioned; mqtt: MqttClient }): Promise<Alert> {
    const k = occurrences.get(d.dev.id) ?? 0;
    occurrences.set(d.dev.id, k + 1);
    const ts = Date.now() - 24 * 3_600_000 + k * 2 * 3_600_000;
    await d.mqtt.publishAsync(
      `devices/${d.dev.id}/events`,
      JSON.stringify({ ts, code: 'F0', severity: 'error', detail: 'low refrigerant' }),
      { qos: 1 },
    );
    let alert: Alert | undefined;
    await waitFor(
      async () => {
        const r = await call<{ alerts: Alert[] }>(
          'GET',
          `/api/v1/alerts?device=${d.dev.id}&status=open`,
          eng,
        );
        alert = r.body.alerts[0];
        return alert !== undefined;
      },
      15_000,
      'alert opened',
    );
    return alert!;
  }

  const closeBody = {
    inspectionResult: '低压管路焊点泄漏 — leak at a brazed joint of the suction line',
    workItems: ['leak repair', 'vacuum and recharge R32'],
    parts: [{ name: 'refrigerant R32', number: 'R32-1KG', genuine: true }],
    charges: { labourHours: 1, labourRateCNY: 0, materialsCNY: 0, towingCNY: 0 },
    signatures: { repairer: 'eng-zhang', consumer: '王女士' },
  };

  beforeAll(async () => {
    svc = await startService({ REPAIR_VERIFY_HOURS: '0.0003' }); // ≈ 1 s window
    const issue = async (role: string, subject: string) =>
      (await call<{ token: string }>('POST', '/api/v1/tokens', svc.adminToken, { role, subject }))
        .body.token;
    eng = await issue('engineer', 'eng-zhang');
    maker = await issue('manufacturer', 'Gree');
    const o = await call('POST', '/api/v1/warranty/outlets', maker, {
      id: 'SJZ-01',
      name: '石家庄格力授权服务站',
      manufacturer: 'Gree',
      servicePhone: '400-836-5315',
      authorizedFrom: days(-365),
    });
    expect(o.status).toBe(201);
    const t = await call('POST', '/api/v1/warranty/technicians', maker, {
      certificate: 'CERT-ZHANG',
      name: '张工',
      outletId: 'SJZ-01',
      validFrom: days(-365),
    });
    expect(t.status).toBe(201);
  });

  afterAll(async () => {
    for (const d of devices) await d.mqtt.endAsync();
    await svc?.stop();
  });

  it('opens an order from an alert, closes it into the hash chain, escalates the repeat failure', async () => {
    const d = await unitWithDevice();
    const first = await faultAlert(d);

    const opened = await call<Order>('POST', '/api/v1/repair-orders', eng, {
      alertIds: [first.id],
      outletId: 'SJZ-01',
      technicianCertificate: 'CERT-ZHANG',
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    expect(opened.body).toMatchObject({
      serial: d.serial,
      status: 'open',
      alertIds: [first.id],
      suspectedComponent: first.component,
      partsCalledFor: first.parts,
      verification: 'pending',
    });
    expect(opened.body.evidence).toEqual(first.evidence);
    const acked = await call<Alert>('GET', `/api/v1/alerts/${first.id}`, eng);
    expect(acked.body.status).toBe('acknowledged');
    expect(acked.body.comments?.some((c) => c.text.includes(opened.body.id))).toBe(true);

    // The same alert cannot be answered by a second open order.
    const twice = await call<{ error: string }>('POST', '/api/v1/repair-orders', eng, {
      alertIds: [first.id],
      outletId: 'SJZ-01',
    });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toBe('QUALITY_ERR_ALERT_TAKEN');

    const closed = await call<{
      order: Order;
      record: { seq: number; body: RecordBody };
      checks: unknown[];
    }>('POST', `/api/v1/repair-orders/${opened.body.id}/close`, eng, closeBody);
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body.order).toMatchObject({
      status: 'closed',
      recordSeq: 1,
      verification: 'verifying',
    });
    expect(closed.body.record.body.diagnosis).toMatchObject({
      alertId: first.id,
      component: first.component,
      faultCode: first.modeId,
      cause: 'quality',
      partsCalledFor: first.parts,
    });
    const resolved = await call<Alert>('GET', `/api/v1/alerts/${first.id}`, eng);
    expect(resolved.body).toMatchObject({ status: 'resolved', repairRef: `${opened.body.id}#1` });
    const chain = await call<{ ok: boolean; count: number }>(
      'GET',
      `/api/v1/units/${d.serial}/repairs/verify`,
      eng,
    );
    expect(chain.body).toEqual(expect.objectContaining({ ok: true, count: 1 }));
    // Closing twice is refused and appends nothing.
    const again = await call<{ error: string }>(
      'POST',
      `/api/v1/repair-orders/${opened.body.id}/close`,
      eng,
      closeBody,
    );
    expect(again.status).toBe(409);
    expect(
      (await call<unknown[]>('GET', `/api/v1/units/${d.serial}/repairs`, eng)).body,
    ).toHaveLength(1);

    // The fault comes back: the new alert is a repeat failure, escalated to critical at once.
    const repeat = await faultAlert(d);
    expect(repeat.id).not.toBe(first.id);
    await waitFor(
      async () =>
        (await call<Order>('GET', `/api/v1/repair-orders/${opened.body.id}`, eng)).body
          .verification === 'repeat_failure',
      10_000,
      'order marked repeat_failure',
    );
    const order = await call<Order>('GET', `/api/v1/repair-orders/${opened.body.id}`, eng);
    expect(order.body.repeatAlertId).toBe(repeat.id);
    const escalated = await call<Alert>('GET', `/api/v1/alerts/${repeat.id}`, eng);
    expect(escalated.body.severity).toBe('critical');
    const why = escalated.body.comments?.find((c) => c.text.startsWith('Repeat failure'));
    expect(why?.text).toContain(opened.body.id);
    expect(why?.text).toContain('Remedy the owner has now: repair');

    // Second repair of the same problem: the record carries the same fault code, so 三包 counts it.
    const second = await call<Order>('POST', '/api/v1/repair-orders', eng, {
      alertIds: [repeat.id],
      outletId: 'SJZ-01',
    });
    expect(second.status).toBe(201);
    const closed2 = await call<{ record: { seq: number; body: RecordBody } }>(
      'POST',
      `/api/v1/repair-orders/${second.body.id}/close`,
      eng,
      closeBody,
    );
    expect(closed2.status).toBe(200);
    expect(closed2.body.record.seq).toBe(2);
    expect(closed2.body.record.body.diagnosis.faultCode).toBe(first.modeId);

    // Third failure after two repairs of the same problem: P95 Art. 13 — exchange or return.
    const third = await faultAlert(d);
    await waitFor(
      async () =>
        (await call<Order>('GET', `/api/v1/repair-orders/${second.body.id}`, eng)).body
          .verification === 'repeat_failure',
      10_000,
      'second order marked repeat_failure',
    );
    const third2 = await call<Alert>('GET', `/api/v1/alerts/${third.id}`, eng);
    const text = third2.body.comments?.find((c) => c.text.startsWith('Repeat failure'))?.text;
    expect(text).toMatch(/Remedy the owner has now: (exchange|return)/);
  });

  it('verifies a repair from telemetry: healthy readings → verified; silence → no_telemetry', async () => {
    const healthy = await unitWithDevice();
    const silent = await unitWithDevice();
    const orders: Record<string, string> = {};
    for (const [name, d] of [
      ['healthy', healthy],
      ['silent', silent],
    ] as const) {
      const a = await faultAlert(d);
      const o = await call<Order>('POST', '/api/v1/repair-orders', eng, {
        alertIds: [a.id],
        outletId: 'SJZ-01',
      });
      expect(o.status).toBe(201);
      const c = await call('POST', `/api/v1/repair-orders/${o.body.id}/close`, eng, closeBody);
      expect(c.status).toBe(200);
      orders[name] = o.body.id;
    }
    // After hand-back the repaired unit runs normally.
    const t0 = Date.now() + 100;
    const readings = Array.from({ length: 5 }, (_, i) => ({
      ts: t0 + i * 1000,
      metrics: {
        indoor_temp_c: 25,
        outdoor_temp_c: 32,
        setpoint_c: 24,
        supply_air_temp_c: 13,
        compressor_current_a: 6.5,
        compressor_freq_hz: 60,
        discharge_temp_c: 75,
        evaporator_temp_c: 8,
        condenser_temp_c: 45,
        suction_pressure_kpa: 950,
        fan_rpm: 1100,
        power_w: 1200,
      },
    }));
    await new Promise((r) => setTimeout(r, 150));
    await healthy.mqtt.publishAsync(
      `devices/${healthy.dev.id}/telemetry`,
      JSON.stringify(readings),
      {
        qos: 1,
      },
    );
    await waitFor(
      () => (svc.service.diagnostics.engine.health(healthy.dev.id)?.ts ?? 0) >= t0,
      10_000,
      'readings reach diagnostics',
    );
    await new Promise((r) => setTimeout(r, 1_200)); // the verification window (≈ 1 s) passes
    await svc.service.quality.tick();
    const v = async (id: string) =>
      (await call<Order>('GET', `/api/v1/repair-orders/${id}`, eng)).body.verification;
    expect(await v(orders.healthy!)).toBe('verified');
    expect(await v(orders.silent!)).toBe('no_telemetry');
    const listed = await call<{ orders: Order[]; total: number }>(
      'GET',
      '/api/v1/repair-orders?verification=verified',
      maker,
    );
    expect(listed.body.orders.map((o) => o.id)).toContain(orders.healthy);
  });

  it('refuses what it cannot do, naming why', async () => {
    const lone = await provision(svc.httpUrl, svc.adminToken, 'air_conditioner', 'KFR-35GW');
    const mqtt = await connectDevice(svc.mqttUrl, lone);
    devices.push({ dev: lone, mqtt, serial: '' });
    const a = await faultAlert({ dev: lone, mqtt });
    const noUnit = await call<{ error: string; message: string }>(
      'POST',
      '/api/v1/repair-orders',
      eng,
      {
        alertIds: [a.id],
        outletId: 'SJZ-01',
      },
    );
    expect(noUnit.status).toBe(409);
    expect(noUnit.body.error).toBe('QUALITY_ERR_NO_UNIT');
    expect(noUnit.body.message).toContain(lone.id);

    const unknown = await call<{ error: string }>('POST', '/api/v1/repair-orders', eng, {
      alertIds: ['al_nope'],
      outletId: 'SJZ-01',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('QUALITY_ERR_UNKNOWN_ALERT');

    const bad = await call<{ error: string; details: unknown }>(
      'POST',
      '/api/v1/repair-orders',
      eng,
      {
        alertIds: [],
        outletId: 'SJZ-01',
      },
    );
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.details)).toContain('alertIds');

    // A manufacturer reads orders but does not open them.
    const forbidden = await call('POST', '/api/v1/repair-orders', maker, {
      alertIds: [a.id],
      outletId: 'SJZ-01',
    });
    expect(forbidden.status).toBe(403);
  });
});

import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitWeibull, lifeDataFromTimes } from '../quality/stats/index.ts';
import { FAILURE_MODES } from '../simulators/failure-modes.ts';
import { Rng } from '../simulators/prng.ts';
import { PRC_HOLIDAYS } from '../warranty/holidays.ts';
import { api, connectDevice, provision, waitFor, type Provisioned } from './helpers/clients.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * Issue 7's scenario, end to end through MQTT and HTTP: a production batch of air conditioners
 * whose compressors fail sooner (Weibull scale 500 days instead of 1,500) → a connected unit of
 * that batch reports the compressor-wear code the simulators' failure mode defines → predictive
 * alert → repair order opened from it and closed → the same fault comes back twice: the second
 * repeat finds the owner entitled to an exchange (P95: repaired twice and still failing) →
 * analytics flags the batch as a recall candidate with Weibull parameters apart from the good
 * batches' → the rectification ledger lists the repairs.
 *
 * The fleet history (units sold over the last 900 days, first compressor failures drawn from
 * each batch's Weibull) goes in through the public API as repair records; the test keeps its own
 * copy and checks the service's rates and fits against fits computed here from that copy.
 */
const day = 86_400_000;
const chinaDate = (msAgo: number) =>
  new Date(Date.now() + 8 * 3_600_000 - msAgo).toISOString().slice(0, 10);

const BATCHES = [
  { id: 'B2401', scale: 1_500 },
  { id: 'B2402', scale: 1_500 },
  { id: 'B2403-BAD', scale: 500 },
];
const SHAPE = 2;
const PER_BATCH = 80;

interface Alert {
  id: string;
  modeId: string;
  component: string;
  severity: string;
  comments?: Array<{ text: string }>;
}

describe('closing the loop: bad compressor batch → alerts → orders → exchange → recall flag → ledger', () => {
  let svc: RunningService;
  let eng: string;
  let maker: string;
  let device: Provisioned;
  let mqtt: MqttClient;
  const SERIAL = 'LOOP-LIVE-1';
  // The test's own copy of the history: per batch, failure ages and censoring ages (days).
  const truth = new Map<string, { failed: number[]; censored: number[] }>();
  const wear = FAILURE_MODES.find((m) => m.id === 'compressor_wear')!;
  const predictiveCode = wear.codes.find((c) => c.atProgress < 1)!.code;
  const call = <T>(method: string, url: string, token: string, body?: unknown) =>
    api<T>(svc.httpUrl, method, url, token, body);

  beforeAll(async () => {
    svc = await startService();
    const issue = async (role: string, subject: string) =>
      (await call<{ token: string }>('POST', '/api/v1/tokens', svc.adminToken, { role, subject }))
        .body.token;
    eng = await issue('engineer', 'eng-wang');
    maker = await issue('manufacturer', 'Gree');
    expect(
      (
        await call('POST', '/api/v1/warranty/outlets', maker, {
          id: 'LOOP-O1',
          name: '格力授权服务站',
          manufacturer: 'Gree',
          authorizedFrom: chinaDate(2_000 * day),
        })
      ).status,
    ).toBe(201);

    const rng = new Rng(20261123);
    for (const b of BATCHES) {
      const t = { failed: [] as number[], censored: [] as number[] };
      truth.set(b.id, t);
      for (let i = 0; i < PER_BATCH; i++) {
        const age = 60 + rng.int(840);
        const serial = `LOOP-${b.id}-${i}`;
        const unit = await call('POST', '/api/v1/warranty/units', eng, {
          serial,
          category: 'air_conditioner',
          model: 'KFR-35GW',
          manufacturer: 'Gree',
          invoiceDate: chinaDate(age * day),
          priceCNY: 3_200,
          productionBatch: b.id,
          components: [{ component: 'compressor', supplier: b.id.endsWith('BAD') ? 'S-X' : 'S-A' }],
        });
        expect(unit.status).toBe(201);
        // Weibull by inversion: t = η (−ln U)^(1/β), whole days.
        const life = Math.floor(b.scale * Math.pow(-Math.log(1 - rng.next()), 1 / SHAPE));
        if (life >= age) {
          t.censored.push(age);
          continue;
        }
        t.failed.push(life + 0.5); // the service's convention: somewhere within that day
        const r = await call('POST', `/api/v1/units/${serial}/repairs`, eng, {
          outletId: 'LOOP-O1',
          droppedOffAt: chinaDate((age - life) * day),
          handedBackAt: chinaDate((age - life - 1) * day),
          reportedFault: '不制冷 — not cooling',
          diagnosis: {
            faultCode: 'E5',
            component: 'compressor',
            cause: 'quality',
            isMainPart: true,
          },
          parts: [{ name: 'compressor', number: 'QXA-B141', genuine: true, isMainPart: true }],
          signatures: { repairer: 'history' },
        });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
      }
    }
    // One connected unit of the bad batch, sold 60 days ago.
    device = await provision(svc.httpUrl, svc.adminToken, 'air_conditioner', 'KFR-35GW');
    expect(
      (
        await call('POST', '/api/v1/warranty/units', eng, {
          serial: SERIAL,
          category: 'air_conditioner',
          model: 'KFR-35GW',
          manufacturer: 'Gree',
          deviceId: device.id,
          invoiceDate: chinaDate(60 * day),
          priceCNY: 3_200,
          productionBatch: 'B2403-BAD',
          components: [{ component: 'compressor', supplier: 'S-X' }],
        })
      ).status,
    ).toBe(201);
    truth.get('B2403-BAD')!.censored.push(60); // censored until its first failure below
    mqtt = await connectDevice(svc.mqttUrl, device);
  }, 120_000);

  afterAll(async () => {
    await mqtt?.endAsync();
    await svc?.stop();
  });

  let occurrence = 0;
  /** The unit reports the predictive compressor-wear code; resolves with the alert. */
  async function compressorAlert(): Promise<Alert> {
    // A repeated code within an hour is one occurrence: failures are two hours apart.
    const ts = Date.now() - 12 * 3_600_000 + occurrence++ * 2 * 3_600_000;
    await mqtt.publishAsync(
      `devices/${device.id}/events`,
      JSON.stringify({ ts, code: predictiveCode, severity: 'warning' }),
      { qos: 1 },
    );
    let alert: Alert | undefined;
    await waitFor(
      async () => {
        const r = await call<{ alerts: Alert[] }>(
          'GET',
          `/api/v1/alerts?device=${device.id}&status=open`,
          eng,
        );
        alert = r.body.alerts[0];
        return alert !== undefined;
      },
      15_000,
      'compressor alert',
    );
    return alert!;
  }

  async function repairFrom(alert: Alert, remedyGranted?: 'exchange'): Promise<string> {
    const o = await call<{ id: string; suspectedComponent: string }>(
      'POST',
      '/api/v1/repair-orders',
      eng,
      { alertIds: [alert.id], outletId: 'LOOP-O1' },
    );
    expect(o.status, JSON.stringify(o.body)).toBe(201);
    expect(o.body.suspectedComponent).toBe('compressor');
    const c = await call('POST', `/api/v1/repair-orders/${o.body.id}/close`, eng, {
      inspectionResult: '压缩机磨损 — compressor worn',
      diagnosis: { isMainPart: true },
      parts: [{ name: 'compressor', number: 'QXA-B141', genuine: true, isMainPart: true }],
      ...(remedyGranted ? { remedyGranted } : {}),
      signatures: { repairer: 'eng-wang' },
    });
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    return o.body.id;
  }

  const repeatNote = async (alert: Alert) => {
    let text: string | undefined;
    await waitFor(
      async () => {
        const a = await call<Alert>('GET', `/api/v1/alerts/${alert.id}`, eng);
        text = a.body.comments?.find((c) => c.text.startsWith('Repeat failure'))?.text;
        return text !== undefined && a.body.severity === 'critical';
      },
      10_000,
      'repeat-failure escalation',
    );
    return text!;
  };

  const orders: string[] = [];

  it('predictive alerts become repair orders; the second repeat moves the owner from repair to exchange', async () => {
    const first = await compressorAlert();
    expect(first).toMatchObject({ modeId: 'compressor_wear', component: 'compressor' });
    orders.push(await repairFrom(first));

    const second = await compressorAlert();
    expect(await repeatNote(second)).toContain('Remedy the owner has now: repair');
    orders.push(await repairFrom(second));

    const third = await compressorAlert();
    expect(await repeatNote(third)).toMatch(/Remedy the owner has now: (exchange|return)/);
    orders.push(await repairFrom(third, 'exchange'));

    const status = await call<{ counters: Array<{ count: number }>; history: unknown[] }>(
      'GET',
      `/api/v1/units/${SERIAL}/warranty`,
      eng,
    );
    expect(status.body.history).toHaveLength(3);
  });

  it('analytics flags the bad batch; its Weibull fit differs from the good batches and matches an independent fit', async () => {
    // The live unit's first failure happened today at age 60.
    const bad = truth.get('B2403-BAD')!;
    bad.censored.pop();
    bad.failed.push(60.5);
    const r = await call<{
      groups: Array<{
        id: string;
        units: number;
        failedUnits: number;
        repairs: number;
        unitYears: number;
        weibull: {
          ok: boolean;
          shape: number;
          scale: number;
          scaleCi: { lower: number; upper: number };
        };
        vsRest: { sameDistributionP: number } | null;
        outlier: { flagged: boolean };
      }>;
      recallCandidates: Array<{ id: string; why: string }>;
    }>(
      'GET',
      '/api/v1/fleet/reliability?category=air_conditioner&component=compressor&by=batch',
      maker,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const byId = Object.fromEntries(r.body.groups.map((g) => [g.id, g]));
    expect(Object.keys(byId).sort()).toEqual(BATCHES.map((b) => b.id).sort());

    for (const b of BATCHES) {
      const t = truth.get(b.id)!;
      const g = byId[b.id]!;
      expect(g.units).toBe(t.failed.length + t.censored.length);
      expect(g.failedUnits).toBe(t.failed.length);
      // The live unit was repaired three times: every repair counts in the rate.
      expect(g.repairs).toBe(t.failed.length + (b.id === 'B2403-BAD' ? 2 : 0));
      const independent = fitWeibull(lifeDataFromTimes(t.failed, t.censored));
      // With this seed every batch has enough failures for a fit (good ones a handful).
      expect(independent.ok && g.weibull.ok).toBe(true);
      if (!independent.ok) continue;
      expect(g.weibull.shape).toBeCloseTo(independent.fit.shape, 6);
      expect(g.weibull.scale).toBeCloseTo(independent.fit.scale, 3);
    }
    expect(r.body.recallCandidates.map((c) => c.id)).toEqual(['B2403-BAD']);
    expect(r.body.recallCandidates[0]!.why).toMatch(
      /units with a compressor failure where .* were expected/,
    );
    const badFit = byId['B2403-BAD']!;
    expect(badFit.vsRest!.sameDistributionP).toBeLessThan(0.001);
    for (const good of ['B2401', 'B2402']) {
      expect(byId[good]!.outlier.flagged).toBe(false);
      expect(badFit.weibull.scaleCi.upper).toBeLessThan(byId[good]!.weibull.scaleCi.lower);
    }
    // The same split by supplier: the bad batch's supplier stands out.
    const s = await call<{ recallCandidates: Array<{ id: string }> }>(
      'GET',
      '/api/v1/fleet/reliability?category=air_conditioner&component=compressor&by=supplier',
      maker,
    );
    expect(s.body.recallCandidates.map((c) => c.id)).toEqual(['S-X']);
  });

  it('forecasts the exchanges and returns ahead: the repeatedly repaired unit and a new one are at risk', async () => {
    const sold = chinaDate(3 * day);
    expect(
      (
        await call('POST', '/api/v1/warranty/units', eng, {
          serial: 'LOOP-NEW',
          category: 'air_conditioner',
          model: 'KFR-35GW',
          manufacturer: 'Gree',
          invoiceDate: sold,
          priceCNY: 3_200,
          productionBatch: 'B2403-BAD',
        })
      ).status,
    ).toBe(201);
    const r = await call<{
      weibull: { ok: boolean; shape: number; scale: number };
      unitsAtRisk: number;
      horizons: Array<{
        days: number;
        expected: number;
        interval: { lower: number; upper: number };
      }>;
      units: Array<{
        serial: string;
        remedy: string;
        windowEnds: string;
        ageDays: number;
        probability: number;
      }>;
    }>('GET', '/api/v1/fleet/exposure?category=air_conditioner&component=compressor', maker);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.weibull.ok).toBe(true);
    const at = Object.fromEntries(r.body.units.map((u) => [u.serial, u]));
    expect(Object.keys(at).sort()).toEqual(['LOOP-LIVE-1', 'LOOP-NEW']);
    // P95 Art. 11: exchange within 15 days of the sale (the sale day not counted); a last day
    // on a rest day moves to the next working day (Civil Code Art. 203).
    const rest = (d: string) => {
      const wd = new Date(`${d}T00:00:00Z`).getUTCDay();
      const weekend = (wd === 0 || wd === 6) && !PRC_HOLIDAYS.workdays.includes(d);
      return weekend || PRC_HOLIDAYS.holidays.some((h) => h.from <= d && d <= h.to);
    };
    let end = new Date(Date.parse(`${sold}T00:00:00Z`) + 15 * day).toISOString().slice(0, 10);
    while (rest(end))
      end = new Date(Date.parse(`${end}T00:00:00Z`) + day).toISOString().slice(0, 10);
    expect(at['LOOP-NEW']!.windowEnds).toBe(end);
    // Repaired three times: the next failure of the compressor gives an exchange or a return
    // for the rest of the 三包 period — beyond the 90-day horizon.
    expect(at['LOOP-LIVE-1']!.remedy).toMatch(/^(exchange|return)$/);
    // Expected counts: Σ over the units of 1 − S(a + m)/S(a), computed here from the fit.
    const { shape, scale } = r.body.weibull;
    const H = (t: number) => Math.pow(t / scale, shape);
    const windowLeft = (u: { windowEnds: string }) =>
      (Date.parse(`${u.windowEnds}T00:00:00Z`) - Date.parse(`${chinaDate(0)}T00:00:00Z`)) / day + 1;
    for (const h of r.body.horizons) {
      const expected = r.body.units.reduce((s, u) => {
        const m = Math.min(h.days, windowLeft(u));
        return s + -Math.expm1(-(H(u.ageDays + m) - H(u.ageDays)));
      }, 0);
      expect(h.expected).toBeCloseTo(expected, 6);
      expect(h.interval.lower).toBeLessThanOrEqual(h.expected);
    }
    expect(r.body.horizons.map((h) => h.days)).toEqual([30, 90]);
    expect(r.body.horizons[1]!.expected).toBeGreaterThan(r.body.horizons[0]!.expected);
    const bad = await call<{ details: unknown }>(
      'GET',
      '/api/v1/fleet/exposure?category=air_conditioner&component=compressor&horizons=0,90',
      maker,
    );
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.details)).toContain('horizons');
  });

  it('confirmed repairs score the alerts: precision, recall, lead time per model and mode', async () => {
    /** A connected unit of the model; optionally an alert that a person dismisses. */
    const connected = async (serial: string, falseAlarm: boolean) => {
      const dev = await provision(svc.httpUrl, svc.adminToken, 'air_conditioner', 'KFR-35GW');
      const u = await call('POST', '/api/v1/warranty/units', eng, {
        serial,
        category: 'air_conditioner',
        model: 'KFR-35GW',
        manufacturer: 'Gree',
        deviceId: dev.id,
        invoiceDate: chinaDate(200 * day),
      });
      expect(u.status).toBe(201);
      if (!falseAlarm) return;
      const c = await connectDevice(svc.mqttUrl, dev);
      try {
        await c.publishAsync(
          `devices/${dev.id}/events`,
          JSON.stringify({ ts: Date.now() - 3_600_000, code: predictiveCode, severity: 'warning' }),
          { qos: 1 },
        );
        let id: string | undefined;
        await waitFor(
          async () => {
            const r = await call<{ alerts: Alert[] }>(
              'GET',
              `/api/v1/alerts?device=${dev.id}`,
              eng,
            );
            id = r.body.alerts[0]?.id;
            return id !== undefined;
          },
          15_000,
          'alert',
        );
        const d = await call('POST', `/api/v1/alerts/${id}/dismiss`, eng, {
          reason: 'inspected: no wear',
        });
        expect(d.status).toBe(200);
      } finally {
        await c.endAsync();
      }
    };
    const compressorRepair = async (serial: string) =>
      expect(
        (
          await call('POST', `/api/v1/units/${serial}/repairs`, eng, {
            outletId: 'LOOP-O1',
            droppedOffAt: chinaDate(0),
            reportedFault: '不制冷',
            diagnosis: { faultCode: 'E5', component: 'compressor', cause: 'quality' },
            signatures: { repairer: 'eng-wang' },
          })
        ).status,
      ).toBe(201);
    await connected('LOOP-DISMISSED-WRONGLY', true); // dismissed, then the compressor failed
    await compressorRepair('LOOP-DISMISSED-WRONGLY');
    await connected('LOOP-FALSE-ALARM', true); // dismissed, and nothing failed
    await connected('LOOP-MISSED', false); // failed without an alert
    await compressorRepair('LOOP-MISSED');

    const r = await call<{
      rows: Array<Record<string, number | string | null>>;
      overall: Record<string, number | null>;
    }>('GET', '/api/v1/fleet/alert-accuracy?category=air_conditioner', maker);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // Live unit: three alerts, each followed by its repair. The false alarm is pending until the
    // horizon passes — unless a person dismissed it, as here. History records are on units
    // without a device: no labels for alerts.
    expect(r.body.rows).toEqual([
      expect.objectContaining({
        model: 'KFR-35GW',
        mode: 'compressor_wear',
        alerts: 5,
        right: 4,
        wrong: 1,
        pending: 0,
        dismissedThenConfirmed: 1,
        precision: 0.8,
        failures: 5,
        announced: 4,
        recall: 0.8,
      }),
    ]);
    expect(r.body.overall).toMatchObject({ precision: 0.8, recall: 0.8, failures: 5 });
    expect(r.body.rows[0]!.leadDaysMedian).toBeGreaterThanOrEqual(0);
    expect(r.body.rows[0]!.leadDaysMedian).toBeLessThan(1);
  });

  it('the rectification ledger lists the repairs made from the orders, verified or not', async () => {
    const from = chinaDate(1_000 * day);
    const to = chinaDate(-2 * day);
    const r = await call<{ rows: Array<Record<string, unknown>> }>(
      'GET',
      `/api/v1/reports/rectifications?from=${from}&to=${to}`,
      maker,
    );
    expect(r.status).toBe(200);
    const live = r.body.rows.filter((x) => x.serial === SERIAL);
    expect(live.map((x) => x.orderId)).toEqual(orders);
    expect(live.map((x) => x.remedy)).toEqual(['repair', 'repair', 'exchange']);
    expect(live.slice(0, 2).map((x) => x.verification)).toEqual([
      'repeat_failure',
      'repeat_failure',
    ]);
    const problems = await call<{ rows: Array<Record<string, unknown>> }>(
      'GET',
      `/api/v1/reports/problems?from=${from}&to=${to}`,
      maker,
    );
    expect(problems.body.rows.find((x) => x.serial === SERIAL)).toMatchObject({
      repairsTotal: 3,
      repeat: true,
      remedyReached: 'exchange',
      productionBatch: 'B2403-BAD',
    });
  });

  it("recalibrates compressor wear from the fleet's confirmed failures: the readings before each repair", async () => {
    // Three connected units whose compressors drew 50 % more current per Hz by the time they
    // were repaired (the profile assumes 35 %), readings every 12 hours for 30 days.
    const end = Date.now() - 2 * day;
    for (let k = 0; k < 3; k++) {
      const dev = await provision(svc.httpUrl, svc.adminToken, 'air_conditioner', 'KFR-35GW');
      const serial = `LOOP-CAL-${k}`;
      expect(
        (
          await call('POST', '/api/v1/warranty/units', eng, {
            serial,
            category: 'air_conditioner',
            model: 'KFR-35GW',
            manufacturer: 'Gree',
            deviceId: dev.id,
            invoiceDate: chinaDate(300 * day),
          })
        ).status,
      ).toBe(201);
      const readings = Array.from({ length: 60 }, (_, i) => ({
        ts: end - (60 - i) * 12 * 3_600_000,
        metrics: {
          compressor_freq_hz: 60,
          compressor_current_a:
            Math.round((6 * (1 + (0.5 * i) / 59) + 0.02 * Math.sin(i * 7 + k)) * 1000) / 1000,
          power_w: 1_300 + 5 * Math.sin(i + k),
          outdoor_temp_c: 30,
          indoor_temp_c: 26,
          setpoint_c: 24,
          discharge_temp_c: 75 + 0.3 * Math.sin(i * 3 + k),
        },
      }));
      const c = await connectDevice(svc.mqttUrl, dev);
      await c.publishAsync(`devices/${dev.id}/telemetry`, JSON.stringify(readings), { qos: 1 });
      await c.endAsync();
      await waitFor(
        async () =>
          (
            await call<{ points: unknown[] }>(
              'GET',
              `/api/v1/devices/${dev.id}/telemetry?metric=compressor_current_a&from=${end - 40 * day}&to=${end + day}`,
              eng,
            )
          ).body.points?.length === 60,
        15_000,
        'readings stored',
      );
      expect(
        (
          await call('POST', `/api/v1/units/${serial}/repairs`, eng, {
            outletId: 'LOOP-O1',
            droppedOffAt: chinaDate(day),
            reportedFault: '噪音大、耗电高 — noisy, high power draw',
            diagnosis: { faultCode: 'H3', component: 'compressor', cause: 'quality' },
            signatures: { repairer: 'eng-wang' },
          })
        ).status,
      ).toBe(201);
    }
    const r = await call<{
      failures: number;
      runs: number;
      indicators: Array<{
        metric: string;
        before: number;
        after: number;
        units: number;
        note?: string;
      }>;
      proposedMode: { id: string; indicators: Array<{ metric: string; failureRel?: number }> };
    }>('POST', '/api/v1/fleet/recalibrate', maker, {
      category: 'air_conditioner',
      mode: 'compressor_wear',
      lookbackDays: 40,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // Every confirmed compressor failure on a connected unit; only the three have readings.
    expect(r.body.runs).toBe(3);
    expect(r.body.failures).toBeGreaterThanOrEqual(3);
    const current = r.body.indicators.find((i) => i.metric === 'compressor_current_a')!;
    expect(current).toMatchObject({ before: 0.35, units: 3 });
    // Head (first 20 %) ≈ +5 % of 6 A, tail (last 5 %) ≈ +49 %: a move of ≈ 0.42 of the head.
    expect(current.after).toBeGreaterThan(0.38);
    expect(current.after).toBeLessThan(0.46);
    const power = r.body.indicators.find((i) => i.metric === 'power_w')!;
    expect(power.after).toBe(power.before); // flat: no clear move, kept
    expect(power.note).toBeDefined();
    expect(
      r.body.proposedMode.indicators.find((i) => i.metric === 'compressor_current_a')!.failureRel,
    ).toBe(current.after);
    const unknown = await call<{ error: string }>('POST', '/api/v1/fleet/recalibrate', maker, {
      category: 'air_conditioner',
      mode: 'no_such_mode',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('QUALITY_ERR_UNKNOWN_MODE');
  });

  it('applies the recalibration to the maker’s own model, audited, and rolls it back', async () => {
    const body = {
      category: 'air_conditioner',
      mode: 'compressor_wear',
      lookbackDays: 40,
      model: 'KFR-35GW',
      apply: true,
    };
    // A maker confined to its own models may not apply to a whole category, nor to a model
    // the registry does not list as its own.
    const whole = await call<{ error: string }>('POST', '/api/v1/fleet/recalibrate', maker, {
      ...body,
      model: null,
    });
    expect(whole).toMatchObject({ status: 403, body: { error: 'DIAGNOSTICS_ERR_NOT_YOUR_MODEL' } });
    const unregistered = await call<{ error: string }>(
      'POST',
      '/api/v1/fleet/recalibrate',
      maker,
      body,
    );
    expect(unregistered.body.error).toBe('DIAGNOSTICS_ERR_NOT_YOUR_MODEL');
    expect(
      (
        await call('POST', '/api/v1/warranty/models', maker, {
          manufacturer: 'Gree',
          category: 'air_conditioner',
          model: 'KFR-35GW',
          mainParts: ['compressor'],
        })
      ).status,
    ).toBe(201);
    const inForce = async () =>
      (
        await call<{
          documents: string;
          profile: {
            modes: Array<{
              id: string;
              indicators: Array<{ metric: string; failureRel?: number }>;
            }>;
          };
        }>('GET', '/api/v1/diagnostics/profiles/air_conditioner?model=KFR-35GW', maker)
      ).body;
    const current = async () =>
      (await inForce()).profile.modes
        .find((m) => m.id === 'compressor_wear')!
        .indicators.find((i) => i.metric === 'compressor_current_a')!.failureRel;
    expect(await current()).toBe(0.35);
    const r = await call<{
      indicators: Array<{ metric: string; after: number }>;
      applied: { kind: string; key: string; version: number; replaced: number | null };
    }>('POST', '/api/v1/fleet/recalibrate', maker, body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.applied).toEqual({
      kind: 'calibration',
      key: 'air_conditioner/KFR-35GW/compressor_wear',
      version: 1,
      replaced: null,
    });
    const after = r.body.indicators.find((i) => i.metric === 'compressor_current_a')!.after;
    // In force for this model now (the running engine's profile), not for the category.
    expect(await current()).toBe(after);
    expect((await inForce()).documents).toBe(
      'calibration:air_conditioner/KFR-35GW/compressor_wear@1',
    );
    const category = await call<{
      profile: {
        modes: Array<{ id: string; indicators: Array<{ metric: string; failureRel?: number }> }>;
      };
    }>('GET', '/api/v1/diagnostics/profiles/air_conditioner', maker);
    expect(
      category.body.profile.modes
        .find((m) => m.id === 'compressor_wear')!
        .indicators.find((i) => i.metric === 'compressor_current_a')!.failureRel,
    ).toBe(0.35);
    const back = await call('POST', '/api/v1/diagnostics/data/rollback', maker, {
      kind: 'calibration',
      key: 'air_conditioner/KFR-35GW/compressor_wear',
      reason: 'alerts came too late after the change',
    });
    expect(back).toMatchObject({ status: 200, body: { from: 1, to: null } });
    expect(await current()).toBe(0.35);
    const audit = await call<{
      entries: Array<{ action: string; reason: string | null; toVersion: number | null }>;
    }>('GET', '/api/v1/diagnostics/data/audit?kind=calibration', svc.adminToken);
    expect(audit.body.entries.map((e) => [e.action, e.toVersion, e.reason])).toEqual([
      ['rollback', null, 'alerts came too late after the change'],
      ['upload', 1, 'recalibrated from 3 confirmed failures'],
    ]);
    const stored = await call<{ body: { source: { runs: number; changed: unknown[] } } }>(
      'GET',
      '/api/v1/diagnostics/data/version?kind=calibration&key=air_conditioner/KFR-35GW/compressor_wear&version=1',
      maker,
    );
    expect(stored.body.body.source).toMatchObject({ runs: 3 });
    expect(stored.body.body.source.changed.length).toBeGreaterThan(0);
  });
});

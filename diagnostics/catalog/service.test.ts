import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openPglite, type Sql } from '../../core/db.ts';
import type { DeviceEvent, Sample } from '../../core/sample.ts';
import { createDiagnosticsEngine, type DiagnosticsEngine } from '../engine.ts';
import { PROFILES } from '../profiles/index.ts';
import { createSqlCatalogStore } from '../stores/sql-catalog.ts';
import { gauss, MINUTE, rng, T0 } from '../testing.ts';
import type { CatalogStore } from './store.ts';
import { createCatalog, type Catalog, type CatalogPrincipal } from './service.ts';

const admin: CatalogPrincipal = { tokenId: 'tadmin', role: 'admin', subject: null };
const gree: CatalogPrincipal = { tokenId: 'tgree', role: 'manufacturer', subject: 'Gree' };
const MAKERS: Record<string, string> = { 'KFR-35GW': 'Gree', 'KFR-26GW': 'Midea' };

const event = (code: string, minutes: number, deviceId = 'ac-1'): DeviceEvent => ({
  deviceId,
  category: 'air_conditioner',
  model: 'KFR-35GW',
  ts: T0 + minutes * MINUTE,
  code,
  severity: 'warning',
});

/** An air conditioner cooling, healthy, with noise. */
function cooling(i: number, g: () => number, deviceId = 'ac-1', model = 'KFR-35GW'): Sample {
  const freq = 50 + 2 * g();
  return {
    deviceId,
    category: 'air_conditioner',
    model,
    ts: T0 + i * MINUTE,
    metrics: {
      indoor_temp_c: 25 + 0.1 * g(),
      outdoor_temp_c: 32 + 0.2 * g(),
      setpoint_c: 25,
      supply_air_temp_c: 13.5 + 0.3 * g(),
      compressor_current_a: 0.075 * freq + 0.08 * g(),
      compressor_freq_hz: freq,
      discharge_temp_c: 55 + 0.23 * freq + 0.5 * g(),
      evaporator_temp_c: 7.5 + 0.3 * g(),
      condenser_temp_c: 44 + 0.4 * g(),
      suction_pressure_kpa: 862 + 10 * g(),
      fan_rpm: 1050 + 12 * g(),
      power_w: 0.075 * freq * 209 + 40 + 12 * g(),
    },
  };
}

const TABLE = (severity = 'critical') => `kind: fault-codes
category: air_conditioner
system: vendor
table: gree_kfr
codes:
  - code: E9
    mode: compressor_wear
    severity: ${severity}
    description: { zh: 压缩机过流保护, en: Compressor over-current protection }
  - code: F0
    mode: refrigerant_leak
`;

describe('diagnostics catalogue: validate, store, run, roll back', () => {
  let sql: Sql;
  let store: CatalogStore;
  let engine: DiagnosticsEngine;
  let catalog: Catalog;
  let clock = T0;

  beforeAll(async () => {
    sql = await openPglite();
    await migrate(sql);
    store = createSqlCatalogStore(sql);
    engine = createDiagnosticsEngine({ profiles: PROFILES, warmupSamples: 50 });
    catalog = createCatalog({
      store,
      builtin: PROFILES,
      engine,
      clock: () => clock,
      manufacturerOf: async (_category, model) => MAKERS[model],
    });
    await catalog.load();
  }, 60_000);
  afterAll(() => sql.close());

  it('a fault-code table uploaded as a data file maps its codes from the next event on', async () => {
    const before = engine.processEvent(event('E9', 0));
    expect(before.map((c) => c.modeId)).toEqual(['unmapped_fault_code']);
    engine.close('ac-1', 'unmapped_fault_code');
    const r = await catalog.upload({ text: TABLE() }, admin);
    expect(r).toMatchObject({
      replaced: null,
      version: { kind: 'fault-codes', key: 'air_conditioner/*/gree_kfr', version: 1, active: true },
    });
    const [c] = engine.processEvent(event('e9', 10)); // codes compare without case
    expect(c).toMatchObject({ modeId: 'compressor_wear', severity: 'critical' });
    expect(c!.evidence[0]!.message).toContain('E9'.toLowerCase());
    expect(c!.evidence[0]!.message).toContain('Compressor over-current protection');
    expect(catalog.effective('air_conditioner', 'KFR-35GW').documents).toBe(
      'fault-codes:air_conditioner/*/gree_kfr@1',
    );
  });

  it('refuses a table whose code names no mode: field and line, nothing stored, nothing run', async () => {
    const bad = TABLE().replace('mode: refrigerant_leak', 'mode: refrigerant_lake');
    const err = await catalog.upload({ text: bad }, admin).then(
      () => undefined,
      (e: { code: string; details: unknown }) => e,
    );
    expect(err?.code).toBe('DIAGNOSTICS_ERR_INVALID_DOCUMENT');
    expect(err?.details).toEqual([
      expect.objectContaining({
        path: 'codes[1].mode',
        line: 11,
        message: expect.stringMatching(/no failure mode refrigerant_lake/),
      }),
    ]);
    expect((await store.list({ key: 'air_conditioner/*/gree_kfr' })).map((v) => v.version)).toEqual(
      [1],
    );
    expect(catalog.effective('air_conditioner', '*').documents).toBe(
      'fault-codes:air_conditioner/*/gree_kfr@1',
    );
  });

  it('a new version replaces the old, a rollback brings it back, then the built-in mapping', async () => {
    const v2 = await catalog.upload({ text: TABLE('minor') }, admin);
    expect(v2).toMatchObject({ replaced: 1, version: { version: 2 } });
    engine.close('ac-1', 'compressor_wear');
    expect(engine.processEvent(event('E9', 200))[0]).toMatchObject({ severity: 'minor' });
    engine.close('ac-1', 'compressor_wear');
    expect(
      await catalog.rollback(
        'fault-codes',
        'air_conditioner/*/gree_kfr',
        undefined,
        admin,
        'v2 too lenient',
      ),
    ).toEqual({
      kind: 'fault-codes',
      key: 'air_conditioner/*/gree_kfr',
      from: 2,
      to: 1,
    });
    expect(engine.processEvent(event('E9', 400))[0]).toMatchObject({ severity: 'critical' });
    engine.close('ac-1', 'compressor_wear');
    await catalog.rollback(
      'fault-codes',
      'air_conditioner/*/gree_kfr',
      undefined,
      admin,
      'back to built-in',
    );
    expect(engine.processEvent(event('E9', 600))[0]!.modeId).toBe('unmapped_fault_code');
    const audit = await catalog.audit({ key: 'air_conditioner/*/gree_kfr' }, admin);
    expect(audit.map((a) => [a.action, a.fromVersion, a.toVersion, a.reason])).toEqual([
      ['rollback', 1, null, 'back to built-in'],
      ['rollback', 2, 1, 'v2 too lenient'],
      ['upload', 1, 2, null],
      ['upload', null, 1, null],
    ]);
    await expect(
      catalog.rollback('fault-codes', 'air_conditioner/*/gree_kfr', undefined, admin, 'again'),
    ).rejects.toMatchObject({
      code: 'DIAGNOSTICS_ERR_CATALOG_CONFLICT',
    });
  });

  it('a manufacturer changes its own registered models only, never a whole category', async () => {
    const forModel = (model: string) => ({
      value: {
        kind: 'fault-codes',
        category: 'air_conditioner',
        model,
        system: 'vendor',
        codes: [{ code: 'H9', mode: 'compressor_wear' }],
      },
    });
    await expect(catalog.upload(forModel('KFR-35GW'), gree)).resolves.toMatchObject({
      version: { key: 'air_conditioner/KFR-35GW/default' },
    });
    await expect(catalog.upload(forModel('KFR-26GW'), gree)).rejects.toMatchObject({
      code: 'DIAGNOSTICS_ERR_NOT_YOUR_MODEL',
      message: expect.stringContaining("Midea's"),
    });
    await expect(catalog.upload({ text: TABLE() }, gree)).rejects.toMatchObject({
      code: 'DIAGNOSTICS_ERR_NOT_YOUR_MODEL',
    });
    // The model's own table applies to that model only.
    expect(engine.processEvent({ ...event('H9', 700, 'ac-g'), model: 'KFR-35GW' })[0]!.modeId).toBe(
      'compressor_wear',
    );
    expect(engine.processEvent({ ...event('H9', 700, 'ac-m'), model: 'KFR-26GW' })[0]!.modeId).toBe(
      'unmapped_fault_code',
    );
    expect((await catalog.list({}, gree)).every((v) => v.model !== 'KFR-26GW')).toBe(true);
    // A Midea model's document, uploaded by an admin, stays out of Gree's audit log.
    await catalog.upload(forModel('KFR-26GW'), admin);
    const keys = (await catalog.audit({}, gree)).map((e) => e.key);
    expect(keys).toContain('air_conditioner/KFR-35GW/default');
    expect(keys).not.toContain('air_conditioner/KFR-26GW/default');
    expect((await catalog.audit({}, admin)).map((e) => e.key)).toContain(
      'air_conditioner/KFR-26GW/default',
    );
  });

  it('a rollback that would strand another document is refused with the clash named', async () => {
    const base = PROFILES.find((p) => p.category === 'excavator')!;
    const extra = {
      ...base.modes.find((m) => m.id === 'coolant_sensor_open_circuit')!,
      id: 'fan_belt_slip',
      name: { zh: '风扇皮带打滑', en: 'Fan belt slip' },
      faultCodes: [],
    };
    await catalog.upload(
      { value: { kind: 'profile', profile: { ...base, modes: [...base.modes, extra] } } },
      admin,
    );
    await catalog.upload(
      {
        value: {
          kind: 'fault-codes',
          category: 'excavator',
          system: 'j1939',
          codes: [{ code: 'SPN3-FMI7', mode: 'fan_belt_slip' }],
        },
      },
      admin,
    );
    const err = await catalog.rollback('profile', 'excavator/*', undefined, admin, 'undo').then(
      () => undefined,
      (e: { code: string; details: Array<{ message: string }> }) => e,
    );
    expect(err?.code).toBe('DIAGNOSTICS_ERR_CATALOG_CONFLICT');
    expect(err?.details[0]!.message).toMatch(
      /fault-codes excavator\/\*\/default .*codes\[0\]\.mode.*fan_belt_slip/,
    );
    expect(
      catalog.effective('excavator', '*').profile!.modes.some((m) => m.id === 'fan_belt_slip'),
    ).toBe(true);
  });

  it('a calibration changes failure moves in force; devices keep the baselines they learnt', async () => {
    const g = gauss(rng(5));
    for (let i = 0; i < 80; i++) engine.process(cooling(i, g, 'ac-cal'));
    const learnt = engine.baselines('ac-cal');
    expect(learnt.length).toBeGreaterThan(5);
    const mode = catalog
      .effective('air_conditioner', '*')
      .profile!.modes.find((m) => m.id === 'refrigerant_leak')!;
    const indicators = mode.indicators.map((ind) =>
      ind.metric === 'suction_pressure_kpa' && ind.when === 'cooling'
        ? { ...ind, failureRel: 0.3 }
        : ind,
    );
    const r = await catalog.upload(
      {
        value: {
          kind: 'calibration',
          category: 'air_conditioner',
          mode: 'refrigerant_leak',
          indicators,
          source: { runs: 12 },
        },
      },
      admin,
    );
    expect(r.version.summary).toMatchObject({
      mode: 'refrigerant_leak',
      indicators: 7,
      source: { runs: 12 },
    });
    const now = catalog
      .effective('air_conditioner', '*')
      .profile!.modes.find((m) => m.id === 'refrigerant_leak')!;
    expect(now.indicators[0]!.failureRel).toBe(0.3);
    engine.process(cooling(80, g, 'ac-cal'));
    expect(engine.baselines('ac-cal')).toEqual(learnt);
    // A calibration may not change what an indicator reads.
    const moved = indicators.map((ind, k) =>
      k === 2 ? { ...ind, metric: 'evaporator_temp_c' } : ind,
    );
    await expect(
      catalog.upload(
        {
          value: {
            kind: 'calibration',
            category: 'air_conditioner',
            mode: 'refrigerant_leak',
            indicators: moved,
          },
        },
        admin,
      ),
    ).rejects.toMatchObject({
      details: [expect.objectContaining({ path: 'indicators[2].metric' })],
    });
  });

  it('an uploaded profile may name only metrics the category reports', async () => {
    const base = PROFILES.find((p) => p.category === 'tv')!;
    const err = await catalog
      .upload(
        {
          value: {
            kind: 'profile',
            profile: { ...base, watch: [...base.watch, 'brightnes_nits'] },
          },
        },
        admin,
      )
      .then(
        () => undefined,
        (e: { details: Array<{ path: string; message: string }> }) => e,
      );
    expect(err?.details).toEqual([
      expect.objectContaining({
        path: `profile.watch[${base.watch.length}]`,
        message: expect.stringMatching(/^unknown metric brightnes_nits for tv/),
      }),
    ]);
  });

  it('at start, a document in force that no longer composes is left out and said, not fatal', async () => {
    const problems: string[] = [];
    const restarted = createCatalog({
      store,
      builtin: PROFILES,
      engine,
      manufacturerOf: async () => undefined,
      onProblems: (ps) => problems.push(...ps.map((p) => `${p.key} ${p.path.join('.')}`)),
    });
    // Written as a release that still had the mode would have accepted it.
    await store.append({
      kind: 'fault-codes',
      key: 'washing_machine/*/old',
      category: 'washing_machine',
      model: null,
      modeId: null,
      body: {
        kind: 'fault-codes',
        category: 'washing_machine',
        model: null,
        note: null,
        table: 'old',
        system: 'vendor',
        codes: [
          { code: 'XE', mode: 'door_lock_failure' },
          { code: 'dE', mode: 'drain_pump_clogging' },
        ],
      },
      summary: {},
      actor: 'tadmin',
      note: null,
      at: T0,
    });
    await restarted.load();
    expect(problems).toEqual(['washing_machine/*/old codes.0.mode']);
    const wm = (code: string) =>
      engine.processEvent({
        ...event(code, 900, 'wm-9'),
        category: 'washing_machine',
        model: 'TG100V88WMUIADY5',
      })[0]!.modeId;
    expect(wm('dE')).toBe('drain_pump_clogging');
    expect(wm('XE')).toBe('unmapped_fault_code');
    await restarted.rollback('fault-codes', 'washing_machine/*/old', null, admin, 'stale');
  });

  it('uploaded references judge a unit that arrives degraded, in a fleet of one', async () => {
    const doc = {
      kind: 'references',
      category: 'air_conditioner',
      model: 'KFR-35GW',
      references: [
        {
          mode: 'refrigerant_leak',
          metric: 'suction_pressure_kpa',
          condition: 'cooling',
          mean: 862,
          sd: 12,
          n: 40,
        },
      ],
    };
    await catalog.upload({ value: doc }, gree);
    const g = gauss(rng(9));
    for (let i = 0; i < 80; i++) {
      const s = cooling(i, g, 'ac-leaky');
      s.metrics.suction_pressure_kpa = 862 * (1 - 0.45 * 0.6) + 10 * g();
      engine.process(s);
    }
    const suction = engine
      .baselines('ac-leaky')
      .find((b) => b.metric === 'suction_pressure_kpa' && b.condition === 'cooling');
    // The prior (40 units at 862) pooled with the fleet's one healthy unit so far.
    expect(suction?.baseline).toBeCloseTo(862, 0);
    const bad = { ...doc, references: [{ ...doc.references[0]!, metric: 'fan_rpm' }] };
    await expect(catalog.upload({ value: bad }, gree)).rejects.toMatchObject({
      details: [
        expect.objectContaining({
          path: 'references[0].metric',
          message: expect.stringMatching(/no indicator fan_rpm while cooling/),
        }),
      ],
    });
    clock += 1;
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../app/cli.ts';
import { api, connectDevice, provision, waitFor, type Provisioned } from './helpers/clients.ts';
import { startService, type RunningService } from './helpers/service.ts';

interface AlertOut {
  id: string;
  modeId: string;
  severity: string;
  status: string;
  evidence: Array<{ detector: string; message: string }>;
}

/** A J1939 table a maker would load for its excavators: one new code, one remapped. */
const TABLE = `# SANY SY215C engine controller, J1939 DM1 codes
kind: fault-codes
category: excavator
system: j1939
table: sany_ecu
codes:
  - code: SPN111-FMI1
    mode: radiator_clogging
    severity: critical
    description: { zh: 冷却液液位过低, en: Coolant level low }
  - code: SPN3509-FMI4
    mode: coolant_sensor_open_circuit
`;

describe('diagnostics data files through the CLI and the API, picked up by the running engine', () => {
  let svc: RunningService;
  let dir: string;
  let dev: Provisioned;
  let device: MqttClient;
  let maker: string;
  const out: string[] = [];
  const err: string[] = [];
  const cli = (...args: string[]) =>
    main(['diagnostics', ...args, '--api', svc.httpUrl, '--token', svc.adminToken], {
      stdout: (s) => out.push(s),
      stderr: (s) => err.push(s),
    });
  const alerts = async () =>
    (
      await api<{ alerts: AlertOut[] }>(
        svc.httpUrl,
        'GET',
        `/api/v1/alerts?device=${dev.id}&status=open`,
        svc.adminToken,
      )
    ).body.alerts;
  const report = (code: string) =>
    device.publishAsync(
      `devices/${dev.id}/events`,
      JSON.stringify({ ts: Date.now(), code, severity: 'warning' }),
      { qos: 1 },
    );

  beforeAll(async () => {
    svc = await startService();
    dir = await mkdtemp(path.join(tmpdir(), 'sanbao-catalog-'));
    dev = await provision(svc.httpUrl, svc.adminToken, 'excavator', 'SY215C');
    device = await connectDevice(svc.mqttUrl, dev);
    maker = (
      await api<{ token: string }>(svc.httpUrl, 'POST', '/api/v1/tokens', svc.adminToken, {
        role: 'manufacturer',
        subject: 'SANY',
      })
    ).body.token;
  }, 60_000);
  afterAll(async () => {
    await device?.endAsync();
    await svc?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('`check` names the file line of each problem and exits 2; a valid file passes', async () => {
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, TABLE.replace('mode: radiator_clogging', 'mode: radiator_clog'));
    expect(await cli('check', bad)).toBe(2);
    expect(err.join('\n')).toContain(`${bad}:8: codes[0].mode: no failure mode radiator_clog`);
    const good = path.join(dir, 'table.yaml');
    await writeFile(good, TABLE);
    expect(await cli('check', good)).toBe(0);
  });

  it('a code unknown to the built-in profile is an unmapped code before the upload', async () => {
    await report('SPN111-FMI1');
    await waitFor(async () => (await alerts()).length === 1, 15_000, 'the unmapped-code alert');
    const [a] = await alerts();
    expect(a).toMatchObject({ modeId: 'unmapped_fault_code' });
    expect(
      (
        await api(svc.httpUrl, 'POST', `/api/v1/alerts/${a!.id}/dismiss`, svc.adminToken, {
          reason: 'mapped below',
        })
      ).status,
    ).toBe(200);
  });

  it('a fault-code table uploaded as a data file raises its alert when the device reports the code over MQTT', async () => {
    out.length = 0;
    expect(await cli('upload', path.join(dir, 'table.yaml'))).toBe(0);
    expect(out.join('\n')).toContain(
      'fault-codes excavator/*/sany_ecu: version 1 in force (before: none)',
    );
    await report('SPN111-FMI1');
    await waitFor(
      async () => (await alerts()).some((a) => a.modeId === 'radiator_clogging'),
      15_000,
      'the radiator alert',
    );
    const a = (await alerts()).find((x) => x.modeId === 'radiator_clogging')!;
    expect(a.severity).toBe('critical');
    expect(a.evidence[0]).toMatchObject({ detector: 'fault-code' });
    expect(a.evidence[0]!.message).toContain('SPN111-FMI1 (Coolant level low)');
    const versions = await api<{
      versions: Array<{
        key: string;
        version: number;
        active: boolean;
        summary: { codes: number };
      }>;
    }>(svc.httpUrl, 'GET', '/api/v1/diagnostics/data?kind=fault-codes', svc.adminToken);
    expect(versions.body.versions).toEqual([
      expect.objectContaining({
        key: 'excavator/*/sany_ecu',
        version: 1,
        active: true,
        summary: expect.objectContaining({ codes: 2 }),
      }),
    ]);
  });

  it('the API refuses an invalid file with the field and line, and stores nothing', async () => {
    const res = await fetch(`${svc.httpUrl}/api/v1/diagnostics/data`, {
      method: 'POST',
      headers: { authorization: `Bearer ${svc.adminToken}`, 'content-type': 'application/yaml' },
      body: TABLE.replace('SPN3509-FMI4', 'SPN3509-FMI44').replace(
        'table: sany_ecu',
        'table: sany_ecu_v2',
      ),
    });
    const body = (await res.json()) as {
      error: string;
      details: Array<{ path: string; line: number }>;
    };
    expect(res.status).toBe(400);
    expect(body).toMatchObject({
      error: 'DIAGNOSTICS_ERR_INVALID_DOCUMENT',
      details: [{ path: 'codes[1].code', line: 11 }],
    });
    const all = await api<{ versions: unknown[] }>(
      svc.httpUrl,
      'GET',
      '/api/v1/diagnostics/data',
      svc.adminToken,
    );
    expect(all.body.versions).toHaveLength(1);
  });

  it('names modes, components and parts in both languages, without a token (the owner page has none)', async () => {
    const r = await api<{
      modes: Record<string, Record<string, { zh: string; en: string }>>;
      components: Record<string, { zh: string }>;
      parts: Record<string, { zh: string }>;
    }>(svc.httpUrl, 'GET', '/api/v1/diagnostics/names');
    expect(r.status).toBe(200);
    expect(r.body.modes.excavator!.radiator_clogging).toEqual({
      zh: '散热器堵塞',
      en: 'Radiator clogging',
    });
    expect(r.body.modes.excavator!.unmapped_fault_code!.zh).toBe('未识别的故障码');
    expect(r.body.components.cooling_system!.zh).toBe('冷却系统');
    expect(r.body.parts['slewing ring bearing']!.zh).toBe('回转支承');
  });

  it('a confined manufacturer may not change a whole category; an engineer may not upload', async () => {
    const r = await api<{ error: string }>(svc.httpUrl, 'POST', '/api/v1/diagnostics/data', maker, {
      kind: 'fault-codes',
      category: 'excavator',
      system: 'j1939',
      codes: [{ code: 'SPN1-FMI1', mode: 'radiator_clogging' }],
    });
    expect(r).toMatchObject({ status: 403, body: { error: 'DIAGNOSTICS_ERR_NOT_YOUR_MODEL' } });
    const eng = (
      await api<{ token: string }>(svc.httpUrl, 'POST', '/api/v1/tokens', svc.adminToken, {
        role: 'engineer',
      })
    ).body.token;
    expect(
      (await api(svc.httpUrl, 'POST', '/api/v1/diagnostics/data', eng, { kind: 'profile' })).status,
    ).toBe(403);
  });

  it('a rollback through the CLI takes the table out of force, with its audit record', async () => {
    const open = (await alerts()).find((x) => x.modeId === 'radiator_clogging')!;
    await api(svc.httpUrl, 'POST', `/api/v1/alerts/${open.id}/dismiss`, svc.adminToken, {
      reason: 'test',
    });
    out.length = 0;
    expect(
      await cli(
        'rollback',
        '--kind',
        'fault-codes',
        '--key',
        'excavator/*/sany_ecu',
        '--reason',
        'wrong table',
      ),
    ).toBe(0);
    expect(out.join('\n')).toContain('version 1 → none (built-in)');
    await report('SPN111-FMI1');
    await waitFor(
      async () => (await alerts()).some((a) => a.modeId === 'unmapped_fault_code'),
      15_000,
      'the code unmapped again',
    );
    const audit = await api<{
      entries: Array<{ action: string; reason: string | null; actor: string }>;
    }>(
      svc.httpUrl,
      'GET',
      '/api/v1/diagnostics/data/audit?key=excavator/*/sany_ecu',
      svc.adminToken,
    );
    expect(audit.body.entries.map((e) => [e.action, e.reason])).toEqual([
      ['rollback', 'wrong table'],
      ['upload', null],
    ]);
    expect(audit.body.entries[0]!.actor).toBe('admin-env');
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoStaff, registerUnitsAsDevicesAppear } from '../app/demo.ts';
import { runServiceDesk, type DeskStats } from '../app/demo-desk.ts';
import { runFleet } from '../simulators/runner.ts';
import { api } from './helpers/clients.ts';
import { startService, type RunningService } from './helpers/service.ts';

interface Order {
  id: string;
  serial: string;
  deviceId: string;
  status: string;
  alertIds: string[];
  recordSeq: number | null;
}

/**
 * `npm run demo`'s service desk against the running service and a simulated fleet, all through
 * HTTP and MQTT: it opens repair orders for major and critical alerts, has the simulated unit
 * repaired by command, and closes the order, which writes the 三包 repair record and resolves
 * the alert; the device's command log shows the repair found and cleared the fault.
 */
describe('demo service desk', () => {
  let svc: RunningService;
  let dir: string;
  let engineer: string;
  let stats: DeskStats;
  const lines: string[] = [];
  const errors: unknown[] = [];
  const codes = new Map<string, string>();

  beforeAll(async () => {
    svc = await startService();
    dir = await mkdtemp(path.join(tmpdir(), 'sanbao-desk-'));
    engineer = (await demoStaff(svc.service, svc.httpUrl, svc.adminToken)).engineer;
    const stop = new AbortController();
    const units = registerUnitsAsDevicesAppear(
      svc.httpUrl,
      svc.adminToken,
      stop.signal,
      (e) => errors.push(e),
      (serial, code) => void codes.set(serial, code),
    );
    const desk = runServiceDesk({
      api: svc.httpUrl,
      token: engineer,
      outletId: 'DEMO-OUTLET',
      signal: stop.signal,
      pollMs: 300,
      repairAfterMs: 1_000,
      maxOpen: 4,
      say: (l) => lines.push(l),
      onError: (e) => errors.push(e),
    });
    // A week of a small fleet with faults (as in the engineer-page test), replayed in ~15 s
    // and then on in real time for the desk's last repairs.
    const run = await runFleet({
      api: svc.httpUrl,
      mqtt: svc.mqttUrl,
      token: svc.adminToken,
      devices: 6,
      mix: { air_conditioner: 3, refrigerator: 2, washing_machine: 1 },
      faults: 0.5,
      start: Date.now() - 7 * 86_400_000,
      speed: 40_000,
      seed: 62,
      durationMs: 25_000,
      intervalS: 240,
      credentialsFile: path.join(dir, 'creds.json'),
      stderr: () => undefined,
    });
    expect(run.drained).toBe(true);
    stop.abort();
    [stats] = await Promise.all([desk, units]);
  }, 90_000);

  afterAll(async () => {
    await svc?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('[issue 24, finding 5] gives every demo unit its own server-made verification code', async () => {
    expect(codes.size).toBeGreaterThanOrEqual(2);
    expect(new Set(codes.values()).size).toBe(codes.size);
    for (const code of codes.values()) expect(code).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    const [[serial, code], [other]] = [...codes.entries()] as [[string, string], [string]];
    const status = (s: string) =>
      fetch(`${svc.httpUrl}/api/v1/units/${s}/warranty`, {
        headers: { 'x-verification-code': code },
      }).then((r) => r.status);
    expect(await status(serial)).toBe(200);
    expect(await status(other)).toBe(401);
  });

  it('works the queue without errors and says what it did', () => {
    expect(errors).toEqual([]);
    expect(stats.opened).toBeGreaterThan(0);
    expect(stats.closed).toBeGreaterThan(0);
    expect(stats.closed + stats.cancelled).toBeLessThanOrEqual(stats.opened);
    expect(lines.filter((l) => /^desk: order \S+ opened for DEMO-/.test(l))).toHaveLength(
      stats.opened,
    );
    expect(
      lines.filter((l) => / closed: .* replaced, repair record #\d+ of /.test(l)),
    ).toHaveLength(stats.closed);
  });

  it('a closed order left a genuine-parts repair record, a resolved alert and a repaired device', async () => {
    const listed = await api<{ orders: Order[] }>(
      svc.httpUrl,
      'GET',
      '/api/v1/repair-orders?status=closed',
      engineer,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.orders).toHaveLength(stats.closed);
    for (const order of listed.body.orders) {
      const repairs = await api<
        Array<{
          seq: number;
          body: {
            outletId: string;
            parts: Array<{ genuine: boolean; number: string }>;
            diagnosis: { alertId?: string };
            charges: { labourRateCNY: number; materialsCNY: number };
          };
        }>
      >(svc.httpUrl, 'GET', `/api/v1/units/${order.serial}/repairs`, engineer);
      const rec = repairs.body.find((r) => r.seq === order.recordSeq);
      expect(rec?.body.outletId).toBe('DEMO-OUTLET');
      expect(rec?.body.parts.length).toBeGreaterThan(0);
      expect(rec?.body.parts.every((p) => p.genuine && p.number.startsWith('DEMO-'))).toBe(true);
      expect(rec?.body.charges).toMatchObject({ labourRateCNY: 0, materialsCNY: 0 });
      for (const id of order.alertIds) {
        const alert = await api<{ status: string; repairRef: string | null }>(
          svc.httpUrl,
          'GET',
          `/api/v1/alerts/${id}`,
          engineer,
        );
        expect(alert.body).toMatchObject({
          status: 'resolved',
          repairRef: `${order.id}#${order.recordSeq}`,
        });
      }
      // The technician's visit was the simulator's repair command, and it found the fault.
      const cmds = await api<{
        commands: Array<{ name: string; status: string; result: unknown }>;
      }>(svc.httpUrl, 'GET', `/api/v1/devices/${order.deviceId}/commands`, engineer);
      expect(cmds.body.commands).toContainEqual(
        expect.objectContaining({
          name: 'repair',
          status: 'ok',
          result: { repaired: expect.objectContaining({ component: expect.any(String) }) },
        }),
      );
    }
    const chain = await api<{ ok: boolean }>(
      svc.httpUrl,
      'GET',
      `/api/v1/units/${listed.body.orders[0]!.serial}/repairs/verify`,
      engineer,
    );
    expect(chain.body.ok).toBe(true);
  });
});

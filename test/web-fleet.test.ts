import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runFleet } from '../simulators/runner.ts';
import type { FleetOverview } from '../web/src/api-types.ts';
import { dictionaries } from '../web/src/i18n.ts';
import { api, connectDevice } from './helpers/clients.ts';
import { describeWithService } from './helpers/require-service.ts';
import { startService, type RunningService } from './helpers/service.ts';
import {
  CHROMIUM,
  ensureBuilt,
  launchChromium,
  lowContrastText,
  openPage,
  SHOTS,
  unlabelledControls,
} from './web-browser.ts';

/**
 * The manufacturer overview in Debian's chromium against the running service and a simulated
 * fleet (issue 6): every number the page shows — devices, health distribution, open alerts by
 * mode and severity, failure rates by model and component, remedies granted — is the API's
 * (`GET /api/v1/fleet/overview`), for the whole fleet and for one category; a device drills
 * down to the engineer's device page. Screenshots at desktop and phone sizes.
 */
const MAKER = 'Gree';

/** Civil date `days` from today in China. */
const chinaDate = (days: number): string =>
  new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);

/** How the page writes a number with at most `digits` decimals (English pages). */
const en = (n: number | null, digits = 2) =>
  n === null ? '—' : n.toLocaleString('en', { maximumFractionDigits: digits });

describeWithService(
  'chromium',
  existsSync(CHROMIUM),
  `${CHROMIUM} missing (apt-get install chromium)`,
  'manufacturer overview in a real browser',
  () => {
    let svc: RunningService;
    let browser: Browser;
    let dir: string;
    let maker: string;
    const connected: MqttClient[] = [];

    const overview = async (q = ''): Promise<FleetOverview> => {
      const r = await api<FleetOverview>(svc.httpUrl, 'GET', `/api/v1/fleet/overview${q}`, maker);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body;
    };

    beforeAll(async () => {
      await ensureBuilt('fleet.html');
      dir = await mkdtemp(path.join(tmpdir(), 'sanbao-web-fleet-'));
      [svc, browser] = await Promise.all([startService(), launchChromium()]);
      const issued = await api<{ token: string }>(
        svc.httpUrl,
        'POST',
        '/api/v1/tokens',
        svc.adminToken,
        {
          role: 'manufacturer',
          subject: MAKER,
        },
      );
      maker = issued.body.token;

      // Six days of a small fleet with faults, replayed in about 8 s (readings every 4 min).
      const credentialsFile = path.join(dir, 'creds.json');
      const run = await runFleet({
        api: svc.httpUrl,
        mqtt: svc.mqttUrl,
        token: svc.adminToken,
        devices: 7,
        mix: { air_conditioner: 3, refrigerator: 2, washing_machine: 2 },
        faults: 0.5,
        start: Date.now() - 6 * 86_400_000,
        speed: 64_800,
        seed: 62,
        durationMs: 12_000,
        intervalS: 240,
        credentialsFile,
        stderr: () => undefined,
      });
      expect(run.drained).toBe(true);
      await svc.service.ingest.flushed();
      await svc.service.diagnostics.alerts.idle();

      // Every simulated device is a registered Gree unit; two of them are back online.
      const creds = Object.entries(
        JSON.parse(await readFile(credentialsFile, 'utf8')) as Record<
          string,
          { id: string; secret: string }
        >,
      ).sort(([a], [b]) => a.localeCompare(b));
      const post = async (url: string, body: unknown) => {
        const r = await api(svc.httpUrl, 'POST', url, svc.adminToken, body);
        expect(r.status, `${url}: ${JSON.stringify(r.body)}`).toBe(201);
      };
      await post('/api/v1/warranty/outlets', {
        id: 'WEB-FLEET-O1',
        name: '珠海格力授权服务中心',
        servicePhone: '400-836-5315',
        authorizedFrom: '2024-01-01',
      });
      const devices = (
        await api<{
          devices: Array<{ id: string; serial: string; category: string; model: string }>;
        }>(svc.httpUrl, 'GET', '/api/v1/devices?limit=100', svc.adminToken)
      ).body.devices;
      for (const [i, d] of devices.entries())
        await post('/api/v1/warranty/units', {
          serial: d.serial,
          category: d.category,
          model: d.model,
          manufacturer: MAKER,
          deviceId: d.id,
          invoiceDate: chinaDate(-400 + i * 30),
          priceCNY: 3000 + i * 500,
        });
      // Another maker's unit: not in Gree's figures.
      await post('/api/v1/warranty/units', {
        serial: 'MD-OTHER-0001',
        category: 'air_conditioner',
        model: 'KFR-26GW',
        manufacturer: 'Midea',
        invoiceDate: chinaDate(-300),
        priceCNY: 2599,
      });
      const repair = (
        serial: string,
        days: number,
        component: string,
        extra: Record<string, unknown> = {},
      ) =>
        post(`/api/v1/units/${serial}/repairs`, {
          outletId: 'WEB-FLEET-O1',
          droppedOffAt: `${chinaDate(days)}T10:00:00+08:00`,
          handedBackAt: `${chinaDate(days)}T16:00:00+08:00`,
          reportedFault: 'fault reported by the owner',
          diagnosis: { faultCode: 'E5', component, cause: 'quality' },
          charges: { materialsCNY: 180, labourHours: 2, labourRateCNY: 60 },
          signatures: { repairer: '刘工' },
          ...extra,
        });
      const bySerial = (part: string) => devices.filter((d) => d.serial.includes(part));
      const [ac1, ac2] = bySerial('-AC-');
      const [wm1] = bySerial('-WM-').length ? bySerial('-WM-') : bySerial('-WASH');
      await repair(ac1!.serial, -90, 'compressor');
      await repair(ac1!.serial, -40, 'compressor');
      await repair(ac2!.serial, -20, 'compressor', { remedyGranted: 'exchange' });
      if (wm1) await repair(wm1.serial, -10, 'drum_bearing');
      await repair('MD-OTHER-0001', -15, 'compressor', { remedyGranted: 'return' });

      for (const [serial, c] of creds.slice(0, 2)) {
        const client = await connectDevice(svc.mqttUrl, { id: c.id, secret: c.secret, serial });
        await client.publishAsync(`devices/${c.id}/status`, 'online', { qos: 1, retain: true });
        connected.push(client);
      }
      await mkdir(SHOTS, { recursive: true });
    }, 180_000);

    afterAll(async () => {
      for (const c of connected) await c.endAsync();
      await browser?.close();
      await svc?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const text = async (page: Page, sel: string) =>
      ((await page.locator(sel).textContent()) ?? '').trim();

    /** Every figure of the overview on the page against the API's answer. */
    async function expectPageShows(page: Page, o: FleetOverview): Promise<void> {
      for (const k of ['total', 'online', 'offline', 'disabled'] as const)
        expect(await text(page, `#count-${k}`), k).toBe(en(o.devices[k], 0));
      expect(await page.locator('#health-table tbody tr').count()).toBe(o.health.buckets.length);
      for (const b of o.health.buckets)
        expect(await text(page, `#health-table tr[data-from="${b.from}"] td.num`)).toBe(
          en(b.count, 0),
        );
      expect(await text(page, '#health')).toContain(en(o.health.scored, 0));
      expect(await text(page, '#alerts-open')).toBe(en(o.alerts.open, 0));
      const modes = new Set(o.alerts.byModeSeverity.map((r) => `${r.category}/${r.mode}`));
      expect(await page.locator('#alerts-table tbody tr').count()).toBe(modes.size);
      for (const key of modes) {
        const [category, mode] = key.split('/');
        for (const sev of ['critical', 'major', 'minor', 'info']) {
          const n = o.alerts.byModeSeverity
            .filter((r) => r.category === category && r.mode === mode && r.severity === sev)
            .reduce((a, r) => a + r.count, 0);
          expect(
            await text(
              page,
              `#alerts-table tr[data-category="${category}"][data-mode="${mode}"] td[data-severity="${sev}"]`,
            ),
            `${key} ${sev}`,
          ).toBe(en(n, 0));
        }
      }
      expect(await page.locator('#models-table tbody tr').count()).toBe(o.failures.byModel.length);
      for (const m of o.failures.byModel) {
        const row = `#models-table tr[data-category="${m.category}"][data-model="${m.model}"]`;
        const cell = (f: string) => text(page, `${row} td[data-field="${f}"]`);
        expect(await cell('units')).toBe(en(m.units, 0));
        expect(await cell('failedUnits')).toBe(en(m.failedUnits, 0));
        expect(await cell('repairs')).toBe(en(m.repairs, 0));
        expect(await cell('unitYears')).toBe(en(m.unitYears));
        expect(await cell('ratePerUnitYear')).toBe(en(m.ratePerUnitYear));
        expect(await cell('mtbfDays')).toBe(en(m.mtbfDays, 0));
      }
      expect(await page.locator('#components-table tbody tr').count()).toBe(
        o.failures.byComponent.length,
      );
      for (const c of o.failures.byComponent) {
        const row = `#components-table tr[data-category="${c.category}"][data-component="${c.component}"]`;
        expect(await text(page, `${row} td[data-field="failedUnits"]`)).toBe(en(c.failedUnits, 0));
        expect(await text(page, `${row} td[data-field="repairs"]`)).toBe(en(c.repairs, 0));
        expect(await text(page, `${row} td[data-field="ratePerUnitYear"]`)).toBe(
          en(c.ratePerUnitYear),
        );
      }
      expect(await page.locator('#remedies-table tbody tr').count()).toBe(o.remedies.length);
      for (const r of o.remedies) {
        const row = `#remedies-table tr[data-remedy="${r.remedy}"]`;
        expect(await text(page, `${row} td[data-field="granted"]`)).toBe(en(r.count, 0));
        expect(
          Number(await page.locator(`${row} td[data-field="costCNY"]`).getAttribute('data-value')),
        ).toBe(r.costCNY);
        expect(await text(page, `${row} td[data-field="costCNY"]`)).toContain(
          en(r.costCNY).split('.')[0],
        );
      }
    }

    it('desktop, English: every figure is the API’s, for the whole fleet and for one category; a device drills down to its engineer page', async () => {
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/fleet.html`,
        'en-US',
        {
          width: 1280,
          height: 900,
        },
      );
      await page.getByRole('textbox', { name: 'API token' }).fill(maker);
      await page.getByRole('button', { name: dictionaries.en.useToken }).click();
      await page.locator('#count-total').waitFor();
      const all = await overview();
      // The simulated fleet made this a real overview, not a page of zeros.
      expect(all.devices.total).toBe(7);
      expect(all.devices.online).toBe(2);
      expect(all.health.scored).toBeGreaterThan(0);
      expect(all.failures.byModel.some((m) => m.failedUnits > 0)).toBe(true);
      expect(all.remedies.map((r) => r.remedy)).toContain('exchange');
      expect(all.remedies.map((r) => r.remedy)).not.toContain('return'); // Midea's, not Gree's
      await expectPageShows(page, all);
      expect(await page.locator('#health-chart canvas').count()).toBe(1);
      await page.screenshot({ path: `${SHOTS}fleet-desktop.png`, fullPage: true });

      await page
        .getByLabel(dictionaries.en.category, { exact: true })
        .selectOption('air_conditioner');
      const acs = await overview('?category=air_conditioner');
      expect(acs.devices.total).toBe(3);
      await expect.poll(() => text(page, '#count-total')).toBe('3');
      await expectPageShows(page, acs);

      // Drill down: a device of the list opens the engineer's page for it, same token.
      const first = page.locator('#devices-table tbody tr').first();
      const id = await first.getAttribute('data-device');
      await first.getByRole('link').click();
      await page.waitForURL(/engineer\.html\?device=/);
      await expect.poll(() => page.locator('#device-id').textContent()).toBe(id);
      await page.locator('#health-score').waitFor();
      expect(errors).toEqual([]);
      await close();
    });

    it('phone, Chinese: fits the screen, labelled, readable', async () => {
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/fleet.html`,
        'zh-CN',
        {
          width: 390,
          height: 844,
        },
      );
      await page.getByRole('textbox', { name: 'API 令牌' }).fill(maker);
      await page.getByRole('textbox', { name: 'API 令牌' }).press('Enter');
      await page.locator('#count-total').waitFor();
      expect(await text(page, '#devices-h')).toBe(dictionaries.zh.devices);
      // Failure modes by their Chinese names (issue 19), not their identifiers.
      const names = (
        await api<{ modes: Record<string, Record<string, { zh: string }>> }>(
          svc.httpUrl,
          'GET',
          '/api/v1/diagnostics/names',
        )
      ).body;
      const row = (await overview()).alerts.byModeSeverity[0]!;
      await expect
        .poll(() =>
          text(
            page,
            `#alerts-table tr[data-category="${row.category}"][data-mode="${row.mode}"] a`,
          ),
        )
        .toBe(names.modes[row.category]![row.mode]!.zh);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        390,
      );
      expect(await unlabelledControls(page)).toEqual([]);
      expect(await lowContrastText(page)).toEqual([]);
      await page.locator('#devices-h').evaluate((e) => e.scrollIntoView());
      await page.screenshot({ path: `${SHOTS}fleet-phone.png` });
      expect(errors).toEqual([]);
      await close();
    });
  },
);

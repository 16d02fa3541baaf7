import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Alert } from '../diagnostics/alert-schemas.ts';
import { runFleet } from '../simulators/runner.ts';
import { dictionaries } from '../web/src/i18n.ts';
import { api, connectDevice, waitFor } from './helpers/clients.ts';
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
 * The engineer page in Debian's chromium against the running service and a simulated fleet
 * (issue 6): a new alert arrives in the queue over the live stream without a reload, and is
 * acknowledged, assigned and dismissed from the page, as the API then shows; the device page
 * shows the API's health score, the alert's evidence over live telemetry, the unit's repair
 * history, and a remote self-test's reply. Screenshots at desktop and phone sizes.
 */
const ENGINEER = 'eng-wang';
/** Air-conditioner codes and the modes they open (simulators/README.md, "Failure modes"). */
const AC_CODES: Array<[code: string, mode: string]> = [
  ['H6', 'indoor_fan_motor_seizure'],
  ['F1', 'indoor_temp_sensor_open_circuit'],
  ['H3', 'compressor_wear'],
  ['CL', 'air_filter_clogging'],
  ['F0', 'refrigerant_leak'],
];

/** How long an alert's evidence covers, ms (a reported code covers an instant). */
const span = (a: Alert): number =>
  Math.max(0, ...a.evidence.map((e) => Date.parse(e.windowEnd) - Date.parse(e.windowStart)));

/** Civil date `days` from today in China. */
const chinaDate = (days: number): string =>
  new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);

describeWithService(
  'chromium',
  existsSync(CHROMIUM),
  `${CHROMIUM} missing (apt-get install chromium)`,
  'engineer page in a real browser',
  () => {
    let svc: RunningService;
    let browser: Browser;
    let dir: string;
    let eng: string;
    let live: { id: string; serial: string; client: MqttClient };
    const commandsSeen: string[] = [];

    const get = async <T>(url: string): Promise<T> => {
      const r = await api<T>(svc.httpUrl, 'GET', url, eng);
      expect(r.status, url).toBe(200);
      return r.body;
    };

    beforeAll(async () => {
      await ensureBuilt('engineer.html');
      dir = await mkdtemp(path.join(tmpdir(), 'sanbao-web-eng-'));
      [svc, browser] = await Promise.all([startService(), launchChromium()]);
      const issued = await api<{ token: string }>(
        svc.httpUrl,
        'POST',
        '/api/v1/tokens',
        svc.adminToken,
        {
          role: 'engineer',
          subject: ENGINEER,
        },
      );
      eng = issued.body.token;

      // A week of a small simulated fleet with faults, replayed in about 8 s; the run lasts
      // 12 s, so however late the machine's timers fire, it reaches the wall clock and the
      // readings run up to now. Readings every 4 minutes: fewer to store than the models' 1
      // minute, and still under the 5 missed intervals that make a data gap.
      const credentialsFile = path.join(dir, 'creds.json');
      const run = await runFleet({
        api: svc.httpUrl,
        mqtt: svc.mqttUrl,
        token: svc.adminToken,
        devices: 6,
        mix: { air_conditioner: 3, refrigerator: 2, washing_machine: 1 },
        faults: 0.5,
        start: Date.now() - 7 * 86_400_000,
        speed: 75_600,
        seed: 62,
        durationMs: 12_000,
        intervalS: 240,
        credentialsFile,
        stderr: () => undefined,
      });
      expect(run.drained).toBe(true);
      expect(Date.now() - Date.parse(run.end)).toBeLessThan(60_000);
      await svc.service.ingest.flushed();
      await svc.service.diagnostics.alerts.idle();

      // The unit we watch live: the fleet's first air conditioner, connected again as itself,
      // answering remote commands the way the simulator's devices do.
      const creds = JSON.parse(await readFile(credentialsFile, 'utf8')) as Record<
        string,
        { id: string; secret: string }
      >;
      // Of the air conditioners, the one whose alerts have the most to show: a predicted
      // failure first, then the longest stretch of evidence.
      const ranked = await Promise.all(
        Object.entries(creds)
          .filter(([s]) => s.includes('-AC-'))
          .map(async ([s, c]) => {
            const r = await api<{ alerts: Alert[] }>(
              svc.httpUrl,
              'GET',
              `/api/v1/alerts?device=${c.id}`,
              svc.adminToken,
            );
            const rank = Math.max(
              0,
              ...r.body.alerts.map((a) => (a.predictedFailure ? 1e12 : 0) + span(a)),
            );
            return { s, c, rank };
          }),
      );
      const { s: serial, c } = ranked.sort((a, b) => b.rank - a.rank)[0]!;
      const client = await connectDevice(svc.mqttUrl, { id: c.id, secret: c.secret, serial });
      await client.publishAsync(`devices/${c.id}/status`, 'online', { qos: 1, retain: true });
      await client.subscribeAsync(`devices/${c.id}/commands/+`, { qos: 1 });
      client.on('message', (topic, payload) => {
        const name = topic.split('/')[3]!;
        commandsSeen.push(name);
        const { requestId } = JSON.parse(payload.toString()) as { requestId: string };
        const result =
          name === 'self_test'
            ? { passed: false, activeCodes: ['H6'], firmware: 'KFR-35GW 2.4.1' }
            : { readings: [] };
        void client.publishAsync(
          `${topic}/reply`,
          JSON.stringify({ requestId, ok: true, result }),
          { qos: 1 },
        );
      });
      live = { id: c.id, serial, client };

      // The unit behind the device, with one repair on record.
      const post = async (url: string, body: unknown) => {
        const r = await api(svc.httpUrl, 'POST', url, svc.adminToken, body);
        expect(r.status, `${url}: ${JSON.stringify(r.body)}`).toBe(201);
      };
      await post('/api/v1/warranty/outlets', {
        id: 'WEB-ENG-O1',
        name: '武汉格力授权服务中心',
        servicePhone: '400-836-5315',
        authorizedFrom: '2024-01-01',
      });
      await post('/api/v1/warranty/units', {
        serial,
        category: 'air_conditioner',
        model: 'KFR-35GW inverter',
        deviceId: c.id,
        invoiceDate: chinaDate(-120),
        priceCNY: 3299,
      });
      await post(`/api/v1/units/${serial}/repairs`, {
        outletId: 'WEB-ENG-O1',
        droppedOffAt: `${chinaDate(-30)}T10:00:00+08:00`,
        handedBackAt: `${chinaDate(-30)}T15:00:00+08:00`,
        reportedFault: '制冷效果差 (weak cooling)',
        diagnosis: { faultCode: 'F0', component: 'refrigeration_system', cause: 'quality' },
        parts: [{ name: 'R32 refrigerant', number: 'R32-1KG', genuine: true }],
        signatures: { repairer: '刘工', consumer: '王先生' },
      });
      await mkdir(SHOTS, { recursive: true });
    }, 180_000);

    afterAll(async () => {
      await live?.client.endAsync();
      await browser?.close();
      await svc?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const open = (url: string, locale: string, width: number, height: number) =>
      openPage(browser, `${svc.httpUrl}${url}`, locale, { width, height });

    async function useToken(page: Page, label: RegExp): Promise<void> {
      const input = page.getByRole('textbox', { name: label });
      await input.fill(eng);
      await input.press('Enter');
    }

    /** The queue's rows as alert ids. */
    const rowIds = (page: Page) =>
      page
        .locator('#alerts-table tbody tr')
        .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.alert ?? ''));

    let liveAlert: Alert;

    it('queue, desktop, English: the active alerts the API lists; a new alert arrives live and is acknowledged and assigned from the page; others are resolved and dismissed', async () => {
      const { page, errors, close } = await open('/engineer.html', 'en-US', 1280, 900);
      await useToken(page, /API token/);
      await expect.poll(() => page.locator('#live').getAttribute('data-state')).toBe('live');
      expect(await page.locator('#live').textContent()).toBe(dictionaries.en.live_live);

      const active = async () => {
        const [o, a] = await Promise.all([
          get<{ alerts: Alert[] }>('/api/v1/alerts?status=open&limit=200'),
          get<{ alerts: Alert[] }>('/api/v1/alerts?status=acknowledged&limit=200'),
        ]);
        return [...o.alerts, ...a.alerts].map((x) => x.id).sort();
      };
      const before = await active();
      expect(before.length, 'the simulated faults opened alerts').toBeGreaterThanOrEqual(2);
      await expect.poll(async () => (await rowIds(page)).sort()).toEqual(before);

      // The device reports a code for a mode it has no active alert for: a new alert, pushed
      // to the open page. A marker on window proves the page did not reload.
      const openModes = new Set(
        (await get<{ alerts: Alert[] }>(`/api/v1/alerts?device=${live.id}&limit=200`)).alerts
          .filter((a) => a.status === 'open' || a.status === 'acknowledged')
          .map((a) => a.modeId),
      );
      const [code, mode] = AC_CODES.find(([, m]) => !openModes.has(m))!;
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
      await live.client.publishAsync(
        `devices/${live.id}/events`,
        JSON.stringify({ ts: Date.now(), code, severity: 'error', detail: 'reported by the unit' }),
        { qos: 1 },
      );
      await waitFor(
        async () =>
          (
            await get<{ alerts: Alert[] }>(
              `/api/v1/alerts?device=${live.id}&mode=${mode}&status=open`,
            )
          ).alerts.length === 1,
        15_000,
        'the new alert in the API',
      );
      liveAlert = (
        await get<{ alerts: Alert[] }>(`/api/v1/alerts?device=${live.id}&mode=${mode}&status=open`)
      ).alerts[0]!;
      const row = page.locator(`#alerts-table tr[data-alert="${liveAlert.id}"]`);
      await row.waitFor({ timeout: 15_000 });
      expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
      expect(await row.getAttribute('class')).toContain('fresh');
      expect(await row.textContent()).toContain(liveAlert.modeName);
      await expect
        .poll(() => page.locator('#announce').textContent())
        .toContain(dictionaries.en.newAlert);

      // Acknowledge from the keyboard: focus the row's button and press Enter.
      await row.getByRole('button', { name: dictionaries.en.acknowledge }).focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => row.getAttribute('data-status')).toBe('acknowledged');
      const acked = await get<Alert>(`/api/v1/alerts/${liveAlert.id}`);
      expect(acked).toMatchObject({ status: 'acknowledged', acknowledgedBy: ENGINEER });

      // Assign through the dialog; then the assignee filter keeps exactly that alert.
      await row.getByRole('button', { name: dictionaries.en.assign }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel(dictionaries.en.assignee).fill('eng-li');
      await dialog.getByRole('button', { name: dictionaries.en.confirm }).click();
      await expect.poll(() => row.textContent()).toContain('eng-li');
      expect((await get<Alert>(`/api/v1/alerts/${liveAlert.id}`)).assignee).toBe('eng-li');
      // Focus is back on the button that opened the dialog, across the row's re-render.
      await dialog.waitFor({ state: 'hidden' });
      await expect
        .poll(() => page.evaluate(() => (document.activeElement as HTMLElement).dataset.action))
        .toBe('assign');
      // Escape closes the dialog without acting.
      await row.getByRole('button', { name: dictionaries.en.resolve }).click();
      await dialog.waitFor();
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      expect((await get<Alert>(`/api/v1/alerts/${liveAlert.id}`)).status).toBe('acknowledged');
      await page.locator('#f-assignee').fill('eng-li');
      await page.locator('#f-assignee').dispatchEvent('change');
      await expect.poll(() => rowIds(page)).toEqual([liveAlert.id]);
      await page.locator('#f-assignee').fill('');
      await page.locator('#f-assignee').dispatchEvent('change');
      await expect.poll(async () => (await rowIds(page)).length).toBe(before.length + 1);
      await page.screenshot({ path: `${SHOTS}engineer-queue-desktop.png`, fullPage: true });

      // Someone else acknowledges an alert (through the API): the page follows, unasked.
      const elsewhere = before[1]!;
      expect((await get<Alert>(`/api/v1/alerts/${elsewhere}`)).status).toBe('open');
      expect((await api(svc.httpUrl, 'POST', `/api/v1/alerts/${elsewhere}/ack`, eng)).status).toBe(
        200,
      );
      await expect
        .poll(() =>
          page.locator(`#alerts-table tr[data-alert="${elsewhere}"]`).getAttribute('data-status'),
        )
        .toBe('acknowledged');

      // Resolving names the repair order that fixed it; the alert leaves the active queue.
      const resolvedRow = page.locator(`#alerts-table tr[data-alert="${elsewhere}"]`);
      await resolvedRow.getByRole('button', { name: dictionaries.en.resolve }).click();
      await dialog.getByLabel(dictionaries.en.repairRef).fill('RO-2026-0042');
      await dialog.getByRole('button', { name: dictionaries.en.confirm }).click();
      await resolvedRow.waitFor({ state: 'detached' });
      expect(await get<Alert>(`/api/v1/alerts/${elsewhere}`)).toMatchObject({
        status: 'resolved',
        repairRef: 'RO-2026-0042',
        closedBy: ENGINEER,
      });

      // Dismissing needs a reason: an empty one keeps the dialog open and nothing changes.
      const other = page.locator(`#alerts-table tr[data-alert="${before[0]}"]`);
      await other.getByRole('button', { name: dictionaries.en.dismiss }).click();
      await dialog.getByRole('button', { name: dictionaries.en.confirm }).click();
      expect(await dialog.isVisible()).toBe(true);
      expect((await get<Alert>(`/api/v1/alerts/${before[0]}`)).status).not.toBe('dismissed');
      await dialog.getByLabel(dictionaries.en.dismissReason).fill('installer commissioning test');
      await dialog.getByRole('button', { name: dictionaries.en.confirm }).click();
      await other.waitFor({ state: 'detached' });
      expect(await get<Alert>(`/api/v1/alerts/${before[0]}`)).toMatchObject({
        status: 'dismissed',
        dismissReason: 'installer commissioning test',
        closedBy: ENGINEER,
      });
      expect(errors).toEqual([]);
      await close();
    });

    it('a refused token: the page says so, and the live stream stops instead of retrying', async () => {
      const { page, errors, close } = await open('/engineer.html', 'en-US', 1280, 900);
      // Count the stream's own requests: the page's other calls are refused too, and their
      // console errors may still be arriving when the stream gives up.
      let streamRequests = 0;
      page.on('request', (r) => {
        if (new URL(r.url()).pathname === '/api/v1/alerts/stream') streamRequests++;
      });
      const input = page.getByRole('textbox', { name: /API token/ });
      await input.fill('not-a-real-token-0123456789');
      await input.press('Enter');
      await expect
        .poll(() => page.locator('#page-error').textContent())
        .toBe(dictionaries.en.badToken);
      await expect.poll(() => page.locator('#live').getAttribute('data-state')).toBe('denied');
      expect(streamRequests).toBe(1);
      await page.waitForTimeout(6000); // past the stream's 5 s retry delay: no new attempt
      expect(streamRequests).toBe(1);
      expect(await page.locator('#live').getAttribute('data-state')).toBe('denied');
      // The browser logs each refused request (401) itself; nothing else.
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((e) => /401/.test(e))).toBe(true);
      await close();
    });

    it('device page, desktop: health as the API scores it, the alert’s evidence on the charts, the unit’s repairs, a remote self-test answered', async () => {
      const url = `/engineer.html?device=${live.id}&alert=${liveAlert.id}`;
      const { page, errors, close } = await open(url, 'en-US', 1280, 900);
      await useToken(page, /API token/);
      const health = await get<{ score: number }>(`/api/v1/devices/${live.id}/health`);
      const score = page.locator('#health-score');
      await score.waitFor();
      await expect
        .poll(async () => Number(await score.getAttribute('data-score')))
        .toBe(health.score);
      expect(await score.textContent()).toBe(String(Math.round(health.score)));

      const detail = page.locator('#alert-detail');
      expect(await detail.getAttribute('data-alert')).toBe(liveAlert.id);
      const alert = await get<Alert>(`/api/v1/alerts/${liveAlert.id}`);
      expect(await page.locator('#evidence > li').count()).toBe(alert.evidence.length);
      expect(await page.locator('#predicted').count()).toBe(alert.predictedFailure ? 1 : 0);

      // Charts: uPlot canvases with the readings around the alert, aggregated by the server
      // over this window (points per chart well under the raw count).
      const charts = page.locator('#charts .chart');
      await expect.poll(() => charts.count()).toBeGreaterThan(0);
      await expect.poll(() => page.locator('#charts canvas').count()).toBe(await charts.count());
      const points = await charts.evaluateAll((cs) =>
        cs.map((c) => Number((c as HTMLElement).dataset.points)),
      );
      expect(Math.max(...points)).toBeGreaterThan(0);
      // The evidence window is drawn on the charts of the metrics it names (all, for a code).
      const bands = await charts.evaluateAll((cs) =>
        cs.map((c) => Number((c as HTMLElement).dataset.bands)),
      );
      expect(Math.max(...bands)).toBeGreaterThan(0);

      // The unit with the device's serial: its remedy and its one repair.
      const warranty = await get<{ remedy: string; history: unknown[] }>(
        `/api/v1/units/${live.serial}/warranty`,
      );
      await expect
        .poll(() => page.locator('#unit-remedy').getAttribute('data-remedy'))
        .toBe(warranty.remedy);
      expect(await page.locator('#repairs-table tbody tr').count()).toBe(warranty.history.length);
      expect(warranty.history).toHaveLength(1);

      // Remote diagnosis: the device's reply shows, and the audit log has it.
      await page.getByLabel(dictionaries.en.command, { exact: true }).selectOption('self_test');
      await page.getByRole('button', { name: dictionaries.en.send }).click();
      await expect.poll(() => page.locator('#cmd-status').getAttribute('data-status')).toBe('ok');
      expect(await page.locator('#cmd-result').textContent()).toContain('KFR-35GW 2.4.1');
      expect(commandsSeen).toContain('self_test');
      const log = await get<{
        commands: Array<{ name: string; status: string; requestedBy: string }>;
      }>(`/api/v1/devices/${live.id}/commands`);
      expect(log.commands[0]).toMatchObject({
        name: 'self_test',
        status: 'ok',
        requestedBy: ENGINEER,
      });

      // A repair order from the alert (POST /api/v1/repair-orders): opened at the unit's
      // outlet, with the alert's component and parts carried over.
      await detail.getByRole('button', { name: dictionaries.en.openOrder }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel(dictionaries.en.outletId).fill('WEB-ENG-O1');
      await dialog.getByRole('button', { name: dictionaries.en.openOrder }).click();
      const notice = page.locator('#notice');
      await notice.waitFor();
      const orders = await get<{
        orders: Array<{
          id: string;
          status: string;
          alertIds: string[];
          suspectedComponent: string;
        }>;
      }>(`/api/v1/repair-orders?device=${live.id}`);
      expect(orders.orders).toHaveLength(1);
      expect(orders.orders[0]).toMatchObject({ status: 'open', alertIds: [liveAlert.id] });
      expect(await notice.getAttribute('data-order')).toBe(orders.orders[0]!.id);
      expect(await notice.textContent()).toContain(orders.orders[0]!.suspectedComponent);

      // Another alert of the device, found by the detectors over a stretch of telemetry: its
      // evidence and prediction replace the first, the charts move to its window.
      const others = (
        await get<{ alerts: Alert[] }>(`/api/v1/alerts?device=${live.id}&limit=50`)
      ).alerts
        .filter((a) => a.id !== liveAlert.id)
        .sort((a, b) => span(b) - span(a));
      const other = others[0];
      if (other) {
        await page.locator(`#device-alerts li[data-alert="${other.id}"] button`).click();
        await expect
          .poll(() => page.locator('#alert-detail').getAttribute('data-alert'))
          .toBe(other.id);
        expect(await page.locator('#evidence > li').count()).toBe(other.evidence.length);
        expect(await page.locator('#predicted').count()).toBe(other.predictedFailure ? 1 : 0);
        await expect.poll(() => page.locator('#charts canvas').count()).toBeGreaterThan(0);
      }
      await page.screenshot({ path: `${SHOTS}engineer-device-desktop.png`, fullPage: true });
      expect(errors).toEqual([]);
      await close();
    });

    it('phone, Chinese: the queue and the device page fit the screen, with every control labelled', async () => {
      const { page, errors, close } = await open('/engineer.html', 'zh-CN', 390, 844);
      expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
      // The first Tab reaches the skip link, which moves focus past the header.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip');
      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
      await useToken(page, /API 令牌/);
      await expect.poll(() => page.locator('#live').getAttribute('data-state')).toBe('live');
      await page.locator('#alerts-table tbody tr').first().waitFor();
      // Mode and component in Chinese, as the alert carries them (issue 19).
      const firstId = await page
        .locator('#alerts-table tbody tr')
        .first()
        .getAttribute('data-alert');
      const first = await get<Alert>(`/api/v1/alerts/${firstId}`);
      const firstText = await page
        .locator(`#alerts-table tr[data-alert="${firstId}"]`)
        .textContent();
      expect(firstText).toContain(first.names!.mode.zh);
      expect(firstText).toContain(first.names!.component.zh);
      expect(firstText).not.toContain(first.modeName);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        390,
      );
      // Every control has a name; text meets AA contrast.
      expect(await unlabelledControls(page)).toEqual([]);
      expect(await lowContrastText(page)).toEqual([]);
      await page.locator('#filters-h').evaluate((e) => e.scrollIntoView());
      await page.screenshot({ path: `${SHOTS}engineer-queue-phone.png` });

      await page.goto(`${svc.httpUrl}/engineer.html?device=${live.id}&alert=${liveAlert.id}`);
      await page.locator('#health-score').waitFor();
      await expect.poll(() => page.locator('#charts canvas').count()).toBeGreaterThan(0);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        390,
      );
      expect(await unlabelledControls(page)).toEqual([]);
      expect(await lowContrastText(page)).toEqual([]);
      expect(await page.locator('#page-h').textContent()).toContain(dictionaries.zh.devicePage);
      // The alert's mode, component and parts, and the health table's modes, in Chinese.
      const detail = await page.locator('#alert-detail').textContent();
      expect(detail).toContain(liveAlert.names!.mode.zh);
      expect(detail).toContain(liveAlert.names!.parts[0]!.zh);
      const names = await get<{ modes: Record<string, Record<string, { zh: string }>> }>(
        '/api/v1/diagnostics/names',
      );
      await expect
        .poll(() =>
          page.locator('#health tr[data-mode="refrigerant_leak"] td').first().textContent(),
        )
        .toBe(names.modes.air_conditioner!.refrigerant_leak!.zh);
      await page.locator('#health-h').evaluate((e) => e.scrollIntoView());
      await page.screenshot({ path: `${SHOTS}engineer-device-phone.png` });
      expect(errors).toEqual([]);
      await close();
    });
  },
);

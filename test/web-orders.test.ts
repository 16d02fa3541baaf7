import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Alert } from '../diagnostics/alert-schemas.ts';
import { adminDictionaries } from '../web/src/admin-i18n.ts';
import { dictionaries } from '../web/src/i18n.ts';
import { ordersDictionaries } from '../web/src/orders-i18n.ts';
import { api, raiseFaultAlert } from './helpers/clients.ts';
import { describeWithService } from './helpers/require-service.ts';
import { startService, type RunningService } from './helpers/service.ts';
import {
  CHROMIUM,
  ensureBuilt,
  launchChromium,
  lowContrastText,
  openPage,
  unlabelledControls,
} from './web-browser.ts';

/**
 * The repair-orders page in Debian's chromium (issue 25): an engineer signs in, acknowledges an
 * alert and opens a repair order from it on the alert queue, follows the link to the order,
 * closes it from the keyboard with a genuine part and a labour charge — the page says the
 * repair is free under 三包 and the record's checks flag the charge — and sees the order closed
 * and its history naming them; a second order is cancelled with a reason; the device page shows
 * the unit's history with the order. A manufacturer's staff, in Chinese on a phone, reads the
 * order without close or cancel.
 */
const en = dictionaries.en;
const oen = ordersDictionaries.en;
const ozh = ordersDictionaries.zh;
const aen = adminDictionaries.en;

interface Order {
  id: string;
  serial: string;
  status: string;
  closedBy: string | null;
  note: string | null;
  recordSeq: number | null;
}

const days = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

/** Signs in on signin.html, replacing the one-time password. */
async function signIn(page: Page, username: string, otp: string, own: string, l = en) {
  await page.getByLabel(l.username).fill(username);
  await page.getByLabel(l.password, { exact: true }).fill(otp);
  await page.keyboard.press('Enter');
  await page.getByText(l.mustChange).waitFor();
  await page.getByLabel(l.newPassword, { exact: true }).fill(own);
  await page.getByLabel(l.repeatPassword).fill(own);
  await page.keyboard.press('Enter');
}

/** The browser's own console line for a 404 of a device without a unit, or a refused call. */
const unexpected = (errors: string[]) =>
  errors.filter(
    (e) => !/Failed to load resource: the server responded with a status of 40/.test(e),
  );

describeWithService(
  'chromium',
  existsSync(CHROMIUM),
  `${CHROMIUM} missing (apt-get install chromium)`,
  'repair-orders page in a real browser',
  () => {
    let svc: RunningService;
    let browser: Browser;
    let engineerToken: string;
    const otp: Record<string, string> = {};
    let orderId = '';

    const admin = <T>(method: string, url: string, body?: unknown) =>
      api<T>(svc.httpUrl, method, url, svc.adminToken, body);

    /** An alert on a connected air conditioner sold 100 days ago (inside free repair). */
    async function alertOnUnit(): Promise<Alert> {
      const a = await raiseFaultAlert<Alert>(svc);
      // The unit has the device's serial: the device page finds its warranty by it.
      const dev = await admin<{ serial: string }>('GET', `/api/v1/devices/${a.deviceId}`);
      const u = await api(svc.httpUrl, 'POST', '/api/v1/warranty/units', engineerToken, {
        serial: dev.body.serial,
        category: 'air_conditioner',
        model: 'KFR-35GW',
        manufacturer: 'Gree',
        deviceId: a.deviceId,
        invoiceDate: days(-100),
        priceCNY: 3_000,
      });
      expect(u.status, JSON.stringify(u.body)).toBe(201);
      return a;
    }

    beforeAll(async () => {
      await ensureBuilt('orders.html');
      [svc, browser] = await Promise.all([
        startService({ SESSION_COOKIE_SECURE: 'false' }),
        launchChromium(),
      ]);
      for (const [username, role, extra] of [
        ['eng.chen', 'engineer', { displayName: 'Chen', outlets: ['SJZ-01'] }],
        ['gree.qa', 'manufacturer', { subject: 'Gree' }],
      ] as const) {
        const made = await admin<{ password: string }>('POST', '/api/v1/users', {
          username,
          role,
          ...extra,
        });
        expect(made.status, JSON.stringify(made.body)).toBe(201);
        otp[username] = made.body.password;
      }
      const issue = async (role: string, subject: string) =>
        (await admin<{ token: string }>('POST', '/api/v1/tokens', { role, subject })).body.token;
      engineerToken = await issue('engineer', 'eng-setup');
      const maker = await issue('manufacturer', 'Gree');
      for (const id of ['SJZ-01', 'SJZ-02']) {
        const o = await api(svc.httpUrl, 'POST', '/api/v1/warranty/outlets', maker, {
          id,
          name: `石家庄格力授权服务站 ${id}`,
          manufacturer: 'Gree',
          servicePhone: '400-836-5315',
          authorizedFrom: days(-365),
        });
        expect(o.status, JSON.stringify(o.body)).toBe(201);
      }
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
    });

    it('an engineer opens an order from an alert, closes it with a part and a charge, and sees its history', async () => {
      const alert = await alertOnUnit();
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/signin.html`,
        'en-US',
        { width: 1280, height: 900 },
      );
      try {
        await signIn(page, 'eng.chen', otp['eng.chen']!, 'chen own passphrase');
        await page.waitForURL(/engineer\.html$/);
        const row = page.locator(`#alerts-table tr[data-alert="${alert.id}"]`);
        await row.waitFor({ timeout: 15_000 });
        await row.getByRole('button', { name: en.acknowledge }).focus();
        await page.keyboard.press('Enter');
        await expect.poll(() => row.getAttribute('data-status')).toBe('acknowledged');

        // The repair order, from the alert's dialog; the notice links to it.
        await row.getByRole('button', { name: en.openOrder }).click();
        await page.getByLabel(en.outletId).fill('SJZ-01');
        await page.keyboard.press('Enter');
        const link = page.locator('#notice').getByRole('link', { name: oen.seeOrder });
        await link.waitFor();
        await link.click();
        await page.waitForURL(/orders\.html\?order=ro_/);
        orderId = new URL(page.url()).searchParams.get('order')!;
        const order = page.locator('#order');
        await expect.poll(() => order.getAttribute('data-status')).toBe('open');
        await page.locator('#close-form').waitFor();
        expect(await unlabelledControls(page)).toEqual([]);
        expect(await lowContrastText(page)).toEqual([]);

        // Close it from the keyboard: what was done, a genuine part, the labour charged.
        await page.getByLabel(oen.workItems).fill('leak repair\nvacuum and recharge R32');
        await page.getByRole('button', { name: oen.addPart }).click();
        // The focus is in the new part's name: type, Tab, type.
        await page.keyboard.type('refrigerant R32');
        await page.keyboard.press('Tab');
        await page.keyboard.type('R32-1KG');
        expect(await page.getByLabel(oen.partGenuine).isChecked()).toBe(true);
        await page.getByLabel(oen.labourHours).fill('1.5');
        await page.getByLabel(oen.labourRate).fill('80');
        await expect.poll(() => page.locator('#c-total').textContent()).toMatch(/120/);
        // Sold 100 days ago: the repair is free under 三包, and the page says so.
        await expect.poll(() => page.locator('#c-free').getAttribute('data-free')).toBe('true');
        await page.getByLabel(oen.repairer).fill('Chen');
        await page.getByLabel(oen.repairer).press('Enter');

        await expect.poll(() => order.getAttribute('data-status')).toBe('closed');
        expect(await page.locator('#notice').textContent()).toMatch(
          new RegExp(`^Order ${orderId} closed: repair record #1; the owner paid CN¥120`),
        );
        expect(await page.locator('#order-closed-by').textContent()).toMatch(/eng\.chen$/);
        // The record's checks: a charge inside the free period is a violation, in words.
        await page.locator('#checks [data-check="charges_inside_free_period"]').waitFor();
        expect(await page.locator('#close-form').count()).toBe(0);
        expect(await page.locator('#cancel-form').count()).toBe(0);
        // Its history names the engineer (the trail is read again for the closed order).
        const history = page.locator(
          `#history-repairOrder-${orderId.replace(/[^A-Za-z0-9]/g, '-')}`,
        );
        await expect
          .poll(
            async () => {
              const rows = await history.locator('tbody tr').allTextContents();
              if (rows.length < 2) await page.reload();
              return rows;
            },
            { timeout: 15_000 },
          )
          .toEqual([
            expect.stringMatching(new RegExp(`eng\\.chen \\(engineer\\)${aen.what_orderClose}`)),
            expect.stringMatching(new RegExp(`eng\\.chen \\(engineer\\)${aen.what_order}`)),
          ]);

        const got = await admin<Order>('GET', `/api/v1/repair-orders/${orderId}`);
        expect(got.body).toMatchObject({ status: 'closed', closedBy: 'eng.chen', recordSeq: 1 });
        const repairs = await admin<Array<{ body: Record<string, unknown> }>>(
          'GET',
          `/api/v1/units/${got.body.serial}/repairs`,
        );
        expect(JSON.stringify(repairs.body)).toContain('"number":"R32-1KG"');

        // The device page: the unit's history shows the order, opened and closed.
        await page.goto(`${svc.httpUrl}/engineer.html?device=${alert.deviceId}`);
        const unitHistory = page.locator(
          `section.history[data-resource="unit:${got.body.serial}"]`,
        );
        await unitHistory.locator('tbody tr').first().waitFor({ timeout: 15_000 });
        expect(await unitHistory.locator('h3').textContent()).toBe(oen.unitHistory);
        const texts = await unitHistory.locator('tbody tr td:nth-child(3)').allTextContents();
        // Newest first: the order closed and opened, the unit registered, the device provisioned.
        expect(texts).toEqual([
          aen.what_orderClose,
          aen.what_order,
          aen.what_unit,
          aen.what_device,
        ]);
        expect(unexpected(errors)).toEqual([]);
      } finally {
        await close();
      }
    }, 120_000);

    it('an engineer cancels an order with a reason', async () => {
      const alert = await alertOnUnit();
      const opened = await api<Order>(svc.httpUrl, 'POST', '/api/v1/repair-orders', engineerToken, {
        alertIds: [alert.id],
        outletId: 'SJZ-01',
      });
      expect(opened.status).toBe(201);
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/signin.html?next=${encodeURIComponent(`orders.html?order=${opened.body.id}`)}`,
        'en-US',
        { width: 1280, height: 900 },
      );
      try {
        await page.getByLabel(en.username).fill('eng.chen');
        await page.getByLabel(en.password, { exact: true }).fill('chen own passphrase');
        await page.keyboard.press('Enter');
        await page.waitForURL(/orders\.html\?order=/);
        await page.getByLabel(oen.cancelReason).fill('the owner withdrew the request');
        await page.getByRole('button', { name: oen.cancelOrder }).click();
        await expect
          .poll(() => page.locator('#order').getAttribute('data-status'))
          .toBe('cancelled');
        const got = await admin<Order>('GET', `/api/v1/repair-orders/${opened.body.id}`);
        expect(got.body).toMatchObject({ status: 'cancelled', closedBy: 'eng.chen' });
        expect(got.body.note).toContain('the owner withdrew the request');
        // The list, filtered by status, shows it.
        await page.goto(`${svc.httpUrl}/orders.html?status=cancelled`);
        await page.locator(`#orders-table tr[data-order="${opened.body.id}"]`).waitFor();
        expect(await page.locator('#orders-table tbody tr').count()).toBe(1);
        // An order at an outlet this engineer does not serve: no forms, and the page says why.
        const elsewhere = await api<Order>(
          svc.httpUrl,
          'POST',
          '/api/v1/repair-orders',
          engineerToken,
          { alertIds: [(await alertOnUnit()).id], outletId: 'SJZ-02' },
        );
        expect(elsewhere.status).toBe(201);
        await page.goto(`${svc.httpUrl}/orders.html?order=${elsewhere.body.id}`);
        await page.locator('#not-served').waitFor();
        expect(await page.locator('#not-served').textContent()).toBe(
          oen.notYourOutlet.replace('{list}', 'SJZ-01').replace('{outlet}', 'SJZ-02'),
        );
        expect(await page.locator('#close-form, #cancel-form').count()).toBe(0);
        expect(unexpected(errors)).toEqual([]);
      } finally {
        await close();
      }
    }, 120_000);

    it('a manufacturer, in Chinese on a phone, reads the order without close or cancel', async () => {
      expect(orderId).not.toBe('');
      const zh = dictionaries.zh;
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/signin.html?next=orders.html`,
        'zh-CN',
        { width: 390, height: 800 },
      );
      try {
        await signIn(page, 'gree.qa', otp['gree.qa']!, 'gree qa own passphrase', zh);
        await page.waitForURL(/orders\.html$/);
        const row = page.locator(`#orders-table tr[data-order="${orderId}"]`);
        await row.waitFor();
        expect(await row.locator('[data-status]').textContent()).toBe(ozh.order_closed);
        await row.getByRole('link', { name: orderId }).click();
        await page.waitForURL(/orders\.html\?order=/);
        await page.locator('#read-only').waitFor();
        expect(await page.locator('#read-only').textContent()).toBe(ozh.readOnly);
        expect(await page.locator('#close-form, #cancel-form').count()).toBe(0);
        await page.locator('section.history tbody tr').first().waitFor();
        expect(await unlabelledControls(page)).toEqual([]);
        // The API refuses the maker anyway.
        const cookieCancel = await page.evaluate(async (id) => {
          const me = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string };
          const r = await fetch(`/api/v1/repair-orders/${id}/cancel`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
            body: JSON.stringify({ reason: 'x' }),
          });
          return r.status;
        }, orderId);
        expect(cookieCancel).toBe(403);
        expect(unexpected(errors)).toEqual([]);
      } finally {
        await close();
      }
    }, 120_000);
    it('an admin lists the outlets an engineer serves when creating them', async () => {
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/admin.html`,
        'en-US',
        { width: 1280, height: 900 },
      );
      try {
        await page.getByRole('textbox', { name: en.token }).fill(svc.adminToken);
        await page.keyboard.press('Enter');
        await page.locator('#users-table').waitFor();
        const outlets = page.getByLabel(aen.outlets);
        // Only an engineer serves outlets: the field shows for that role only.
        await page.getByLabel(aen.role).selectOption('manufacturer');
        expect(await outlets.isVisible()).toBe(false);
        await page.getByLabel(aen.role).selectOption('engineer');
        await page.getByLabel(aen.userName).fill('eng.zhao');
        await outlets.fill('SJZ-01, SJZ-02');
        expect(await unlabelledControls(page)).toEqual([]);
        await outlets.press('Enter');
        await page.locator('#otp-box').waitFor();
        const row = page.locator('#users-table tr[data-username="eng.zhao"]');
        await expect
          .poll(() => row.locator('td').nth(2).textContent())
          .toBe(`eng.zhao · ${aen.outletsOf.replace('{list}', 'SJZ-01, SJZ-02')}`);
        const users = await admin<{ users: Array<{ username: string; outlets: string[] }> }>(
          'GET',
          '/api/v1/users',
        );
        expect(users.body.users.find((u) => u.username === 'eng.zhao')?.outlets).toEqual([
          'SJZ-01',
          'SJZ-02',
        ]);
        expect(unexpected(errors)).toEqual([]);
      } finally {
        await close();
      }
    }, 60_000);
  },
);

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Alert } from '../diagnostics/alert-schemas.ts';
import { adminDictionaries } from '../web/src/admin-i18n.ts';
import { auditDictionaries } from '../web/src/audit-i18n.ts';
import { dictionaries } from '../web/src/i18n.ts';
import { api, raiseFaultAlert } from './helpers/clients.ts';
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
 * The admin's audit-trail page in Debian's chromium (issue 25): an admin signs in, searches the
 * trail for an engineer's dismissal of an alert, reads who, how, from where, and the before and
 * after as text (the engineer's reason holds markup, shown as written), pages through a longer
 * search, downloads the same search as CSV, and verifies the chain — intact, then broken at the
 * entry an insider edited. A signed-in engineer gets the page's "admins only" message and the
 * API's 403.
 */
const en = dictionaries.en;
const zh = dictionaries.zh;
const aen = adminDictionaries.en;
const uen = auditDictionaries.en;
const uzh = auditDictionaries.zh;
const fill = (s: string, vars: Record<string, string | number>) =>
  s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));

const REASON = '<b>fan</b> noise & "rattle" — customer declined';

/** Signs in through the API as a browser would, replacing the one-time password. */
async function signInByApi(base: string, username: string, otp: string, own: string) {
  const call = async (method: string, url: string, body: unknown, cookie = '', csrf = '') => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(cookie ? { cookie } : {}),
        ...(csrf ? { 'x-csrf-token': csrf } : {}),
      },
      body: JSON.stringify(body),
    });
    const set = res.headers.getSetCookie().find((c) => c.startsWith('sanbao_session='));
    const json = (await res.json()) as { csrfToken: string };
    return { status: res.status, cookie: set?.split(';')[0] ?? cookie, csrf: json.csrfToken };
  };
  const first = await call('POST', '/api/v1/session', { username, password: otp });
  expect(first.status).toBe(200);
  const own2 = await call(
    'PUT',
    '/api/v1/session/password',
    { currentPassword: otp, newPassword: own },
    first.cookie,
    first.csrf,
  );
  expect(own2.status).toBe(200);
  return { cookie: own2.cookie, csrf: own2.csrf };
}

/** Signs in on signin.html from the keyboard, replacing the one-time password. */
async function signIn(page: Page, username: string, otp: string, own: string, l = en) {
  await page.getByLabel(l.username).fill(username);
  await page.getByLabel(l.password, { exact: true }).fill(otp);
  await page.keyboard.press('Enter');
  if (otp === own) return;
  await page.getByText(l.mustChange).waitFor();
  await page.getByLabel(l.newPassword, { exact: true }).fill(own);
  await page.getByLabel(l.repeatPassword).fill(own);
  await page.keyboard.press('Enter');
}

/** Console errors other than the browser's own line for a 403 this test provokes. */
const unexpected = (errors: string[]) =>
  errors.filter(
    (e) => !/Failed to load resource: the server responded with a status of 403/.test(e),
  );

describeWithService(
  'chromium',
  existsSync(CHROMIUM),
  `${CHROMIUM} missing (apt-get install chromium)`,
  'the audit-trail page in a real browser',
  () => {
    let svc: RunningService;
    let browser: Browser;
    let alert: Alert;
    let adminOtp: string;
    let engineerId: string;
    const engineerOwn = 'zhou own passphrase';

    beforeAll(async () => {
      await ensureBuilt('audit.html');
      [svc, browser] = await Promise.all([
        startService({ SESSION_COOKIE_SECURE: 'false' }),
        launchChromium(),
      ]);
      const made = async (username: string, role: string) => {
        const r = await api<{ user: { id: string }; password: string }>(
          svc.httpUrl,
          'POST',
          '/api/v1/users',
          svc.adminToken,
          { username, role },
        );
        expect(r.status).toBe(201);
        return r.body;
      };
      adminOtp = (await made('root.audit', 'admin')).password;
      const eng = await made('eng.zhou', 'engineer');
      engineerId = eng.user.id;
      alert = await raiseFaultAlert<Alert>(svc);
      // The engineer, signed in, dismisses the alert with a reason that holds markup.
      const s = await signInByApi(svc.httpUrl, 'eng.zhou', eng.password, engineerOwn);
      const res = await fetch(`${svc.httpUrl}/api/v1/alerts/${alert.id}/dismiss`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrf },
        body: JSON.stringify({ reason: REASON }),
      });
      expect(res.status).toBe(200);
      // 30 refused acknowledgements by the admin token: a search long enough to page through.
      for (let i = 0; i < 30; i++)
        expect(
          (await api(svc.httpUrl, 'POST', `/api/v1/alerts/none-${i}/ack`, svc.adminToken, {}))
            .status,
        ).toBe(404);
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
    });

    it("an admin finds an engineer's action, reads it, pages, downloads the CSV and verifies the chain", async () => {
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/signin.html?next=audit.html`,
        'en-US',
        { width: 1280, height: 900 },
      );
      try {
        await signIn(page, 'root.audit', adminOtp, 'root audit passphrase');
        await page.waitForURL(/audit\.html$/);
        await page.locator('#entries-table').waitFor();
        expect(await page.title()).toBe(`${uen.auditTitle} · ${en.appName}`);
        expect(await unlabelledControls(page)).toEqual([]);
        expect(await lowContrastText(page)).toEqual([]);

        // Who by user name, the method and the route; Enter searches.
        await page.getByLabel(uen.who).fill('eng.zhou');
        await page.getByLabel(uen.method).selectOption('POST');
        await page.getByLabel(uen.route).fill('/api/v1/alerts/:id/dismiss');
        await page.getByLabel(uen.route).press('Enter');
        await expect
          .poll(() => page.locator('#entries-status').textContent(), { timeout: 10_000 })
          .toBe(fill(uen.entriesRange, { first: 1, last: 1, total: 1 }));
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('entries-h');
        const row = page.locator('#entries-table tbody tr');
        expect(await row.count()).toBe(1);
        const cell = (c: string) => row.locator(`td[data-col="${c}"]`).textContent();
        expect(await cell('who')).toBe(`eng.zhou (${aen.role_engineer})`);
        expect(await cell('via')).toBe(uen.viaSession);
        expect(await cell('address')).toBe('127.0.0.1');
        expect(await cell('action')).toBe('POST /api/v1/alerts/:id/dismiss');
        expect(await cell('resources')).toBe(`alert:${alert.id}`);
        expect(await cell('status')).toBe('200');
        // Before and after from the keyboard, as text: the markup is not markup.
        await row.locator('summary').focus();
        await page.keyboard.press('Enter');
        const after = await row.locator('pre[data-part="after"]').textContent();
        expect(JSON.parse(after!)).toEqual({ reason: REASON });
        expect(await row.locator('b').count()).toBe(0);
        const before = JSON.parse((await row.locator('pre[data-part="before"]').textContent())!);
        expect(before).toMatchObject({ id: alert.id, status: 'open' });
        await page.screenshot({ path: `${SHOTS}admin-audit-desktop.png`, fullPage: true });

        // The same search as CSV: one row, the engineer's, with the reason as written.
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('button', { name: uen.downloadCsv }).click(),
        ]);
        expect(download.suggestedFilename()).toBe('audit.csv');
        const csv = await readFile((await download.path())!, 'utf8');
        const lines = csv.trim().split('\r\n');
        expect(lines[0]).toBe(
          'seq,at,userId,tokenId,role,subject,method,route,params,resources,after,before,status,address,hash',
        );
        expect(lines).toHaveLength(2);
        expect(lines[1]).toContain(`,${engineerId},session:${engineerId},engineer,eng.zhou,POST,`);
        // The after column: the body as JSON, quoted as RFC 4180 says.
        expect(lines[1]).toContain(`,"${JSON.stringify({ reason: REASON }).replace(/"/g, '""')}",`);
        await page.locator('#download-status').getByText(download.suggestedFilename()).waitFor();

        // Paging: the admin token's 30 refused acknowledgements, 25 a page.
        await page.getByRole('button', { name: uen.clear }).click();
        await page.getByLabel(uen.route).fill('/api/v1/alerts/:id/ack');
        await page.getByLabel(uen.pageSize).selectOption('25');
        await page.getByRole('button', { name: uen.search, exact: true }).click();
        await expect
          .poll(() => page.locator('#entries-status').textContent(), { timeout: 10_000 })
          .toBe(fill(uen.entriesRange, { first: 1, last: 25, total: 30 }));
        expect(await page.locator('#entries-table tbody tr').count()).toBe(25);
        expect(await page.locator('#prev').isDisabled()).toBe(true);
        await page.getByRole('button', { name: uen.next }).click();
        await expect
          .poll(() => page.locator('#entries-status').textContent(), { timeout: 10_000 })
          .toBe(fill(uen.entriesRange, { first: 26, last: 30, total: 30 }));
        expect(await page.locator('#next').isDisabled()).toBe(true);
        const via = await page.locator('#entries-table td[data-col="via"]').first().textContent();
        expect(via).toMatch(/^token /);
        // A date range that ends before today finds nothing.
        await page.getByLabel(uen.to).fill('2020-01-31');
        await page.getByLabel(uen.from).fill('2020-01-01');
        await page.getByLabel(uen.from).press('Enter');
        await expect
          .poll(() => page.locator('#entries-status').textContent(), { timeout: 10_000 })
          .toBe(uen.noEntries);

        // The chain: intact; then an insider edits entry 2 behind the trigger's back.
        const result = page.locator('#verify-result');
        await page.getByRole('button', { name: uen.verify }).click();
        await expect
          .poll(() => result.textContent(), { timeout: 10_000 })
          .toMatch(/^Intact: \d+ entries, head [0-9a-f]{16}\.$/);
        const sql = svc.service.sql;
        await sql.exec('ALTER TABLE audit_log DISABLE TRIGGER USER');
        await sql.query("UPDATE audit_log SET subject = 'someone else' WHERE seq = 2");
        await sql.exec('ALTER TABLE audit_log ENABLE TRIGGER USER');
        await page.getByRole('button', { name: uen.verify }).press('Enter');
        await expect
          .poll(() => result.textContent(), { timeout: 10_000 })
          .toBe(fill(uen.broken, { seq: 2, reason: uen.reason_hash_mismatch }));
        // In Chinese, the same result in Chinese.
        await page.locator('#lang').selectOption('zh');
        expect(await result.textContent()).toBe(
          fill(uzh.broken, { seq: 2, reason: uzh.reason_hash_mismatch }),
        );
        expect(unexpected(errors)).toEqual([]);
      } finally {
        await close();
      }
    });

    it('a signed-in engineer gets the page\'s "admins only" message and the API\'s 403', async () => {
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/signin.html?next=audit.html`,
        'zh-CN',
        { width: 390, height: 800 },
      );
      try {
        await signIn(page, 'eng.zhou', engineerOwn, engineerOwn, zh);
        await page.waitForURL(/audit\.html$/);
        await expect
          .poll(() => page.locator('#page-error').textContent(), { timeout: 10_000 })
          .toBe(uzh.auditOnly.replace('{role}', 'engineer'));
        expect(await page.locator('#audit-view').isHidden()).toBe(true);
        const status = await page.evaluate(async () => ({
          search: (await fetch('/api/v1/audit')).status,
          csv: (await fetch('/api/v1/audit/export.csv')).status,
          verify: (await fetch('/api/v1/audit/verify')).status,
        }));
        expect(status).toEqual({ search: 403, csv: 403, verify: 403 });
        expect(unexpected(errors)).toEqual([]);
      } finally {
        await close();
      }
    });
  },
);

import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { Browser, Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CaseView } from '../cases/views.ts';
import { caseDictionaries } from '../web/src/cases-i18n.ts';
import { dictionaries } from '../web/src/i18n.ts';
import { api, connectDevice, provision, waitFor, type Provisioned } from './helpers/clients.ts';
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
 * Issue 23's own test, through HTTP, MQTT, SMTP and the browser. A car (its odometer reported
 * over MQTT) is repaired five times for the same fault: the rules give an exchange. The owner
 * opens a claim for it on the owner page; the service desk answers on its page after the
 * CAR21 Art. 28 ten working days (the case clock moved by the test): the case is flagged and the
 * owner gets the mail on a real SMTP server this test runs (which turns the first mail away with
 * a 451, so the outbox retries it). The outlet closes the case with a repair instead of the
 * exchange owed: flagged 推诿扯皮. The owner answers the survey from the link in the mail. The
 * outlet's scorecard and the 问题清单 show both findings; recorded rectifications move them to the
 * 整治提升情况清单. A maker's webhook gets every event, signed, after a refused first delivery.
 */
const SERIAL = 'LSGKB54H5RA009001';
const HTML = '<script>alert("x")</script><b>换挡冲击</b>';
const DAY = 86_400_000;
const chinaDate = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);

describeWithService(
  'chromium',
  existsSync(CHROMIUM),
  `${CHROMIUM} missing (apt-get install chromium)`,
  'after-sales cases end to end (HTTP, MQTT, SMTP, browser)',
  () => {
    let svc: RunningService;
    let browser: Browser;
    let smtp: SMTPServer;
    let hookServer: Server;
    const mails: ParsedMail[] = [];
    const refusedMails: string[] = [];
    const hooks: Array<{ event: string; body: Record<string, unknown>; signed: boolean }> = [];
    let hookRefusals = 0;
    let offsetMs = 0;
    const tokens: Record<'maker' | 'engineer' | 'desk' | 'regulator', string> = {
      maker: '',
      engineer: '',
      desk: '',
      regulator: '',
    };
    let caseId = '';
    /** The verification code the service made for the car (the registration's answer). */
    let CODE = '';
    let device: Provisioned;
    let surveyLink = '';

    const call = <T = Record<string, unknown>>(
      method: string,
      url: string,
      token?: string,
      body?: unknown,
    ) => api<T>(svc.httpUrl, method, `/api/v1${url}`, token, body);
    const mailWith = (re: RegExp) =>
      waitFor(() => mails.some((m) => re.test(m.subject ?? '')), 20_000, `a mail ${re}`);
    const mailMatching = (re: RegExp) => mails.find((m) => re.test(m.subject ?? ''))!;

    beforeAll(async () => {
      await ensureBuilt('desk.html');
      smtp = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onData(stream, _session, done) {
          simpleParser(stream).then(
            (m) => {
              // The first mail is turned away with a transient error: the outbox must retry it.
              if (refusedMails.length === 0) {
                refusedMails.push(m.subject ?? '');
                return done(
                  Object.assign(new Error('mailbox busy, try again'), { responseCode: 451 }),
                );
              }
              mails.push(m);
              done();
            },
            (err: Error) => done(err),
          );
        },
      });
      await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
      const smtpPort = (smtp.server.address() as AddressInfo).port;
      hookServer = createServer((req, res) => {
        let raw = '';
        req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
        req.on('end', () => {
          if (hookRefusals === 0) {
            hookRefusals++;
            res.writeHead(503).end();
            return;
          }
          const sig = `sha256=${createHmac('sha256', 'maker-webhook-secret-0001').update(raw).digest('hex')}`;
          hooks.push({
            event: String(req.headers['x-sanbao-event']),
            body: JSON.parse(raw) as Record<string, unknown>,
            signed: req.headers['x-sanbao-signature'] === sig,
          });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', () => r()));
      [svc, browser] = await Promise.all([
        startService(
          {
            SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
            SMTP_FROM: 'sanbao@example.cn',
            CASES_SWEEP_SECONDS: '1',
            // The maker's webhook receiver listens on 127.0.0.1 (test/webhook-addresses.test.ts
            // shows case webhooks refused there by default).
            WEBHOOK_ALLOW_PRIVATE: 'true',
          },
          {
            clock: () => new Date(Date.now() + offsetMs),
            caseDelivery: { baseDelayMs: 200, maxAttempts: 5, pollMs: 100 },
          },
        ),
        launchChromium(),
      ]);
      for (const [k, role, subject] of [
        ['maker', 'manufacturer', 'Changan'],
        ['engineer', 'engineer', 'eng-zhao'],
        ['desk', 'desk', 'desk-wang'],
        ['regulator', 'regulator', 'samr-hebei'],
      ] as const) {
        const r = await call<{ token: string }>('POST', '/tokens', svc.adminToken, {
          role,
          subject,
        });
        tokens[k] = r.body.token;
      }
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
      await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
      await new Promise<void>((r) => (hookServer ? hookServer.close(() => r()) : r()));
    });

    async function useToken(page: Page, token: string): Promise<void> {
      const input = page.getByRole('textbox', { name: /API token|API 令牌|令牌/ });
      await input.fill(token);
      await input.press('Enter');
    }

    it('a car repaired five times for the same fault, its odometer over MQTT: the rules give an exchange', async () => {
      const dev = (device = await provision(
        svc.httpUrl,
        svc.adminToken,
        'household_car',
        'Sedan 1.5T',
      ));
      const now = Date.now();
      expect(
        (
          await call('POST', '/warranty/outlets', tokens.maker, {
            id: 'O-1',
            name: '石家庄长安授权服务站',
            manufacturer: 'Changan',
            servicePhone: '400-800-1234',
            authorizedFrom: '2024-01-01',
          })
        ).status,
      ).toBe(201);
      // An engineer links the new device into the maker's fleet (a maker links only its own).
      const unit = await call<{ verificationCode: string }>(
        'POST',
        '/warranty/units',
        tokens.engineer,
        {
          serial: SERIAL,
          category: 'household_car',
          model: 'Sedan 1.5T',
          manufacturer: 'Changan',
          deviceId: dev.id,
          invoiceDate: chinaDate(now - 200 * DAY),
          priceCNY: 150_000,
          seller: '石家庄长安4S店',
        },
      );
      expect(unit.status, JSON.stringify(unit.body)).toBe(201);
      CODE = unit.body.verificationCode;
      expect(CODE).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
      for (let i = 0; i < 5; i++) {
        const day = chinaDate(now - (150 - i * 25) * DAY);
        const r = await call('POST', `/units/${SERIAL}/repairs`, tokens.engineer, {
          outletId: 'O-1',
          technicianCertificate: 'C-ZHANG-01',
          droppedOffAt: `${day}T09:00:00+08:00`,
          handedBackAt: `${day}T17:30:00+08:00`,
          odometerKm: 3000 + i * 1500,
          reportedFault: '换挡冲击 (harsh shifting)',
          diagnosis: { faultCode: 'P0700', component: 'transmission', cause: 'quality' },
          parts: [{ name: 'valve body', number: 'VB-220', genuine: true }],
          signatures: { repairer: '张工', consumer: '李女士' },
        });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
      }
      const car = await connectDevice(svc.mqttUrl, dev);
      await car.publishAsync(
        `devices/${dev.id}/telemetry`,
        JSON.stringify({ ts: now - 60_000, metrics: { odometer_km: 12_345, speed_kmh: 0 } }),
        { qos: 1 },
      );
      await car.endAsync();
      await svc.service.ingest.flushed();
      const status = await call<{
        remedy: string;
        remedies: Array<{ kind: string; clause: string }>;
      }>('GET', `/units/${SERIAL}/warranty`, tokens.engineer);
      expect(status.body.remedy).toBe('return');
      expect(status.body.remedies.find((r) => r.kind === 'exchange')?.clause).toMatch(
        /CAR21 Art\. 24/,
      );
      const hook = await call('POST', '/cases/webhooks', tokens.maker, {
        url: `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/cases`,
        secret: 'maker-webhook-secret-0001',
      });
      expect(hook.status).toBe(201);
    });

    it('the owner opens a claim for the exchange on the owner page; the mail arrives after a refused first try', async () => {
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/owner.html`,
        'zh-CN',
        { width: 1280, height: 900 },
      );
      const zh = caseDictionaries.zh;
      await page.getByLabel(dictionaries.zh.serial).fill(SERIAL);
      await page.getByLabel(dictionaries.zh.code).fill(CODE);
      await page.getByLabel(dictionaries.zh.code).press('Enter');
      await page.locator('#cases').waitFor();
      expect(await page.locator('#case-list').textContent()).toContain(zh.noCases);
      await page.getByLabel(zh.kind_claim).check();
      await page.getByLabel(zh.requestedRemedy).selectOption('exchange');
      expect(await page.getByLabel(zh.fault).inputValue()).toBe('P0700|transmission');
      await page.getByLabel(zh.description).fill(HTML);
      await page.getByLabel(zh.outlet).selectOption('O-1');
      await page.getByLabel(zh.contactName).fill('李女士');
      await page.locator('#case-form').getByLabel(zh.contactEmail).fill('li@example.cn');
      await page.getByLabel(zh.notifyEmail).check();
      expect(await unlabelledControls(page)).toEqual([]);
      await page.getByRole('button', { name: zh.submitCase }).click();
      const card = page.locator('#case-list [data-case]');
      await card.waitFor();
      caseId = (await card.getAttribute('data-case')) ?? '';
      expect(await page.locator('#case-notice').textContent()).toBe(
        zh.caseOpened.replace('{id}', caseId),
      );
      // The owner's words are shown as the text they typed: no element made of them.
      expect(await card.locator('[data-field=description]').textContent()).toBe(HTML);
      expect(await page.locator('#case-list script, #case-list b').count()).toBe(0);
      expect(await card.locator('[data-deadline=answer]').textContent()).toContain(
        'CAR21 Art. 28 ¶1',
      );
      expect(await card.locator('[data-field=owed]').textContent()).toContain(zh.remedy_exchange);
      // The owner also asks to hear about problems remote monitoring finds.
      await page.getByLabel(zh.alertsOn).check();
      await page.locator('#alert-email').fill('li@example.cn');
      await page.getByRole('button', { name: zh.saveAlerts }).click();
      await expect.poll(() => page.locator('#alert-notice').textContent()).toBe(zh.alertsSaved);
      expect(await lowContrastText(page)).toEqual([]);
      expect(errors).toEqual([]);
      await close();

      const c = (await call<CaseView>('GET', `/cases/${caseId}`, tokens.desk)).body;
      expect(c).toMatchObject({
        kind: 'claim',
        channel: 'owner_page',
        outletId: 'O-1',
        request: { description: HTML, requestedRemedy: 'exchange', fault: { code: 'P0700' } },
        decision: { owed: { remedy: 'exchange' }, mileageKm: 12_345, mileageSource: 'telemetry' },
      });
      await mailWith(/已受理/);
      expect(refusedMails).toHaveLength(1);
      const opened = mailMatching(/已受理/);
      expect(opened.to && 'text' in opened.to ? opened.to.text : '').toBe('li@example.cn');
      expect(opened.text).toContain(HTML);
      expect(opened.text).toContain('CAR21 Art. 28 ¶1');
      expect(opened.html).toBe(false);
      const log = (
        await call<{
          notifications: Array<{
            channel: string;
            status: string;
            attempts: number;
            log: Array<{ ok: boolean; error?: string }>;
          }>;
        }>('GET', `/cases/${caseId}/notifications`, tokens.desk)
      ).body.notifications;
      const first = log.find((n) => n.channel === 'email')!;
      expect(first).toMatchObject({ status: 'sent', attempts: 2 });
      expect(first.log[0]?.error).toMatch(/451/);
    });

    it('the desk answers after the 10 working days (clock moved): the case is flagged, escalated, and the owner mailed', async () => {
      const c = (await call<CaseView>('GET', `/cases/${caseId}`, tokens.desk)).body;
      const answer = c.deadlines.find((d) => d.key === 'answer')!;
      expect(answer.clause).toBe('CAR21 Art. 28 ¶1');
      // Past the answer deadline, before the 20-working-day one.
      offsetMs = Date.parse(answer.dueAt) + 2 * 3_600_000 - Date.now();
      expect(Date.parse(c.deadlines.find((d) => d.key === 'fulfil')!.dueAt)).toBeGreaterThan(
        Date.now() + offsetMs,
      );

      const { page, errors, close } = await openPage(browser, `${svc.httpUrl}/desk.html`, 'en-US', {
        width: 1280,
        height: 900,
      });
      const en = caseDictionaries.en;
      await useToken(page, tokens.desk);
      const row = page.locator(`#queue-table tr[data-case="${caseId}"]`);
      await row.waitFor();
      await expect
        .poll(() => row.locator('[data-clock]').getAttribute('data-clock'))
        .toBe('overdue');
      await row.getByRole('button', { name: caseId }).click();
      await page.locator('#detail').waitFor();
      await page.getByLabel(en.decision).selectOption('accept');
      await page.locator('#a-text').fill('同意更换，请到店办理');
      await page.getByRole('button', { name: en.sendAnswer }).click();
      await expect.poll(() => page.locator('#action-result').textContent()).toBe(en.done);
      expect(await page.locator('#detail [data-rule=deadline_missed]').count()).toBe(1);
      const events = await page
        .locator('#timeline li')
        .evaluateAll((ls) => ls.map((l) => (l as HTMLElement).dataset.event));
      expect(events).toEqual(['opened', 'deadline_missed', 'escalated', 'flagged', 'answered']);
      await page.screenshot({ path: `${SHOTS}desk-desktop.png`, fullPage: true });
      expect(await unlabelledControls(page)).toEqual([]);
      expect(await lowContrastText(page)).toEqual([]);
      expect(errors).toEqual([]);
      await close();

      const after = (await call<CaseView>('GET', `/cases/${caseId}`, tokens.desk)).body;
      expect(after).toMatchObject({ status: 'answered', escalation: 'maker' });
      expect(after.deadlines.find((d) => d.key === 'answer')?.status).toBe('missed');
      expect(after.flags.map((f) => [f.rule, f.clause])).toEqual([
        ['deadline_missed', 'CAR21 Art. 28 ¶1'],
      ]);
      await mailWith(/已超过答复期限/);
      const late = mailMatching(/已超过答复期限/);
      expect(late.text).toContain('CAR21 Art. 28 ¶1');
      expect(late.text).toContain(answer.due);
      await mailWith(/已答复/);
    });

    it('the outlet closes it with a repair instead of the exchange owed: flagged 推诿扯皮; the owner gets the survey link', async () => {
      const r = await call<CaseView>('POST', `/cases/${caseId}/close`, tokens.engineer, {
        remedyGranted: 'repair',
        text: '已更换阀体并路试正常',
        outletId: 'O-1',
        repairRef: `${SERIAL}#6`,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.flags.map((f) => f.rule).sort()).toEqual([
        'deadline_missed',
        'remedy_below_owed',
      ]);
      const below = r.body.flags.find((f) => f.rule === 'remedy_below_owed')!;
      expect(below.clause).toMatch(/^CAR21 Art\. 24 ¶1\(4\); CPL Art\. 56 ¶1\(8\)$/);
      await mailWith(/已结案/);
      const closed = mailMatching(/已结案/);
      const link = /(http\S+owner\.html\?serial=\S+&case=\S+)/.exec(closed.text ?? '')?.[1];
      expect(link).toBe(
        `http://localhost:${svc.service.ports.http}/owner.html?serial=${SERIAL}&case=${encodeURIComponent(caseId)}`,
      );
      surveyLink = link!;
    });

    it('the owner answers the survey from the link in the mail', async () => {
      const path = new URL(surveyLink);
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}${path.pathname}${path.search}`,
        'en-US',
        {
          width: 390,
          height: 844,
        },
      );
      const en = caseDictionaries.en;
      expect(await page.getByLabel(dictionaries.en.serial).inputValue()).toBe(SERIAL);
      await page.getByLabel(dictionaries.en.code).fill(CODE);
      await page.getByLabel(dictionaries.en.code).press('Enter');
      const card = page.locator(`[data-case="${caseId}"]`);
      await card.waitFor();
      await expect
        .poll(() =>
          page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.case),
        )
        .toBe(caseId);
      expect(await card.locator('[data-rule]').count()).toBe(2);
      await card.getByLabel(en.score_2, { exact: true }).check();
      await card.getByLabel(en.comment).fill('拖了很久，最后只修不换');
      await card.getByRole('button', { name: en.sendSurvey }).click();
      await expect
        .poll(() => card.locator('.ok-note').textContent())
        .toBe(en.surveyThanks.replace('{score}', '2'));
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        390,
      );
      await card.evaluate((el) => el.scrollIntoView());
      await page.screenshot({ path: `${SHOTS}owner-case-phone.png` });
      expect(errors).toEqual([]);
      await close();
      const twice = await fetch(`${svc.httpUrl}/api/v1/units/${SERIAL}/cases/${caseId}/survey`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-verification-code': CODE },
        body: JSON.stringify({ score: 5, resolved: true }),
      });
      expect(twice.status).toBe(409);
    });

    it("the outlet's scorecard and the 问题清单 show both findings; rectifications move them to the 整治提升情况清单", async () => {
      const c = (await call<CaseView>('GET', `/cases/${caseId}`, tokens.regulator)).body;
      const from = chinaDate(Date.parse(c.openedAt) - DAY);
      const to = chinaDate(Date.now() + offsetMs + 2 * DAY);
      const cards = await call<{ scorecards: Array<Record<string, unknown>> }>(
        'GET',
        `/compliance/scorecards?by=outlet&from=${from}&to=${to}`,
        tokens.maker,
      );
      expect(cards.body.scorecards.find((x) => x.party === 'O-1')).toMatchObject({
        cases: 1,
        deadlinesMissed: 1,
        findings: { open: 2, rectified: 0 },
        byRule: { deadline_missed: 1, remedy_below_owed: 1 },
        satisfaction: { answers: 1, meanScore: 2, index: 40 },
      });
      const problems = await call<{ rows: Array<Record<string, unknown>> }>(
        'GET',
        '/reports/violations?lang=en',
        tokens.regulator,
      );
      const mine = problems.body.rows.filter((r) => r.caseId === caseId);
      expect(mine.map((r) => r.rule).sort()).toEqual([
        'deadline missed',
        'remedy below the one owed',
      ]);
      expect(
        mine.every(
          (r) =>
            r.outletId === 'O-1' && r.seller === '石家庄长安4S店' && r.manufacturer === 'Changan',
        ),
      ).toBe(true);

      // The fleet page shows the outlet's scorecard.
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/fleet.html`,
        'en-US',
        { width: 1280, height: 900 },
      );
      await useToken(page, tokens.maker);
      const row = page.locator('#scorecards tr[data-party="O-1"]');
      // The page asks for the case clock's quarter, where the findings and the survey fall.
      await row.waitFor();
      expect(await row.locator('[data-col=tuiwei]').textContent()).toBe('2');
      expect(await row.locator('[data-col=satisfaction]').textContent()).toBe('40');
      await page
        .locator('#compliance')
        .screenshot({ path: `${SHOTS}fleet-compliance-desktop.png` });
      expect(errors).toEqual([]);
      await close();

      const findings = (
        await call<{ findings: Array<{ id: string }> }>(
          'GET',
          `/compliance/findings?caseId=${caseId}`,
          tokens.maker,
        )
      ).body.findings;
      for (const f of findings) {
        const r = await call('POST', `/compliance/findings/${f.id}/rectify`, tokens.maker, {
          action: '向车主更换新车，对网点约谈并培训三包答复时限',
          evidence: '换车证明 HZ-2026-001',
        });
        expect(r.status).toBe(200);
      }
      const after = await call<{ rows: Array<Record<string, unknown>> }>(
        'GET',
        '/reports/violations',
        tokens.regulator,
      );
      expect(after.body.rows.filter((r) => r.caseId === caseId)).toEqual([]);
      const rect = await call<{ rows: Array<Record<string, unknown>> }>(
        'GET',
        '/reports/violation-rectifications',
        tokens.regulator,
      );
      expect(rect.body.rows.filter((r) => findings.some((f) => f.id === r.id))).toHaveLength(2);
      expect(
        rect.body.rows.every((r) => r.action === '向车主更换新车，对网点约谈并培训三包答复时限'),
      ).toBe(true);
    });

    it('a regulator publishes the outlet’s violations, blacklisted with its reason; the public page shows them', async () => {
      const findings = (
        await call<{ findings: Array<{ id: string }> }>(
          'GET',
          `/compliance/findings?caseId=${caseId}`,
          tokens.regulator,
        )
      ).body.findings;
      const pub = await call('POST', '/compliance/disclosures', tokens.regulator, {
        party: { kind: 'outlet', id: 'O-1', name: '石家庄长安授权服务站' },
        findingIds: findings.map((f) => f.id),
        summary: '逾期答复换车申请，并以修代换',
        blacklisted: true,
        blacklistReason: '推诿扯皮，拒不履行三包义务',
      });
      expect(pub.status, JSON.stringify(pub.body)).toBe(201);
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/violations.html`,
        'zh-CN',
        { width: 1280, height: 800 },
      );
      const item = page.locator('[data-disclosure]');
      await item.waitFor();
      expect(await item.getAttribute('data-blacklisted')).toBe('true');
      expect(await item.locator('[data-field=blacklist]').textContent()).toContain(
        '推诿扯皮，拒不履行三包义务',
      );
      expect(await item.locator('[data-rule]').count()).toBe(2);
      expect(await item.locator('[data-rule=remedy_below_owed] .clause').textContent()).toMatch(
        /CAR21 Art\. 24/,
      );
      expect(await lowContrastText(page)).toEqual([]);
      await page.screenshot({ path: `${SHOTS}violations-desktop.png` });
      expect(errors).toEqual([]);
      await close();
    });

    it('the car reports a fault code over MQTT: the owner, subscribed, is mailed where to book a check', async () => {
      const car = await connectDevice(svc.mqttUrl, device);
      await car.publishAsync(
        `devices/${device.id}/events`,
        JSON.stringify({
          ts: Date.now(),
          code: 'P0128',
          severity: 'error',
          detail: 'coolant below thermostat temperature',
        }),
        { qos: 1 },
      );
      await car.endAsync();
      await mailWith(/可能需要检修/);
      const m = mailMatching(/可能需要检修/);
      expect(m.text).toContain(SERIAL);
      expect(m.text).toContain('400-800-1234');
      const status = await call<{ remedies: Array<{ kind: string; clause: string }> }>(
        'GET',
        `/units/${SERIAL}/warranty`,
        tokens.engineer,
      );
      const free = status.body.remedies.find((r) => r.kind === 'free_repair');
      if (free) expect(m.text).toContain(`现在检修免费（${free.clause}）`);
      else expect(m.text).not.toContain('检修免费');
    });

    it("the maker's webhook got every event of the case and the unit's alert, signed, after one refused delivery", async () => {
      await waitFor(
        () => hooks.some((x) => x.event === 'case.closed'),
        20_000,
        'the case.closed webhook',
      );
      const events = hooks
        .filter((x) => (x.body.case as { id: string } | undefined)?.id === caseId)
        .map((x) => x.event);
      expect(events).toEqual(
        expect.arrayContaining([
          'case.opened',
          'case.deadline_missed',
          'case.escalated',
          'case.flagged',
          'case.answered',
          'case.closed',
        ]),
      );
      await waitFor(
        () => hooks.some((x) => x.event === 'unit.alert'),
        20_000,
        'the unit.alert webhook',
      );
      const alert = hooks.find((x) => x.event === 'unit.alert')!.body;
      expect(alert).toMatchObject({
        unit: { serial: SERIAL },
        alert: { deviceId: device.id },
        outlets: [{ id: 'O-1', servicePhone: '400-800-1234' }],
      });
      // The owner asked for mail only: the maker's gateway gets no contact of theirs.
      expect(alert.owner).toBeUndefined();
      expect(hooks.every((x) => x.signed)).toBe(true);
      expect(hookRefusals).toBe(1);
    });
  },
);

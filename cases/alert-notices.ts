import type { FastifyBaseLogger } from 'fastify';
import {
  decideUnit,
  parseInstant,
  type OdometerSource,
  type Unit,
  type WarrantyStore,
} from '../warranty/index.ts';
import type { Calendar } from './deadlines.ts';
import type { Mail } from './notify/messages.ts';
import type { CaseStore, NewNotification, Subscription } from './store.ts';

/**
 * Owners told when remote monitoring finds a problem on their unit (issue 23: "your air
 * conditioner's compressor may fail in ~3 weeks; book a free check at these authorised
 * outlets"). When diagnostics opens an alert on a device, each unit linked to it whose owner
 * subscribed gets a mail (and the maker's case webhooks a `unit.alert` event, with the owner's
 * phone when they asked to be told that way). The mail names the failure mode, when it is
 * expected, the advice, the maker's outlets authorized today with their phone numbers, and —
 * when the 三包 rules give a free repair today — that the check is free, with the clause.
 * Written to the same outbox as case notifications: retried, logged, never in the alert's way.
 */
export interface AlertLike {
  type: string;
  alert: {
    id: string;
    deviceId: string;
    category: string;
    model: string;
    modeName: string;
    component: string;
    severity: string;
    detectedAt: string;
    predictedFailure: { at: string; earliest: string; latest: string | null } | null;
    action: { zh: string; en: string };
    /** Mode and component in both languages (null for alerts stored before names were kept). */
    names?: {
      mode: { zh: string; en: string };
      component: { zh: string; en: string };
    } | null;
  };
}

export interface AlertNoticeDeps {
  store: CaseStore;
  warranty: WarrantyStore;
  telemetry?: OdometerSource | undefined;
  log: FastifyBaseLogger;
  clock: () => Date;
  wallClock: () => Date;
  /** The holiday calendar in force, for the 三包 decision on a free check. */
  calendar: () => Promise<Calendar>;
  publicUrl: () => string;
  kick: () => void;
}

const WEEK = 7 * 86_400_000;

/** The mail about an alert for a unit; pure. */
export function alertMail(
  a: AlertLike['alert'],
  unit: Pick<Unit, 'serial' | 'model'>,
  outlets: ReadonlyArray<{
    name: string;
    address?: string | undefined;
    servicePhone?: string | undefined;
  }>,
  free: { clause: string } | undefined,
  link: string,
): Mail {
  const mode = a.names?.mode ?? { zh: a.modeName, en: a.modeName };
  const component = a.names?.component ?? { zh: a.component, en: a.component };
  const lines = [
    `远程监测发现您的产品（${unit.serial}，${unit.model}）可能出现故障：${mode.zh}（部件：${component.zh}）。`,
    `Remote monitoring found a possible fault on your unit (${unit.serial}, ${unit.model}): ${mode.en} (component: ${component.en}).`,
  ];
  if (a.predictedFailure) {
    const weeks = Math.max(
      1,
      Math.round((Date.parse(a.predictedFailure.at) - Date.parse(a.detectedAt)) / WEEK),
    );
    lines.push(
      `预计约 ${weeks} 周内可能失效（${a.predictedFailure.at.slice(0, 10)} 前后）。`,
      `It may fail in about ${weeks} week(s) (around ${a.predictedFailure.at.slice(0, 10)}).`,
    );
  }
  lines.push('', `建议：${a.action.zh}`, `Advice: ${a.action.en}`);
  if (free)
    lines.push(
      '',
      `按三包规定，现在检修免费（${free.clause}）。`,
      `Under the 三包 rules the check and repair are free today (${free.clause}).`,
    );
  if (outlets.length) {
    lines.push('', '授权维修网点 / Authorized outlets:');
    for (const o of outlets)
      lines.push(
        `  - ${o.name}${o.address ? `，${o.address}` : ''}${o.servicePhone ? `，${o.servicePhone}` : ''}`,
      );
  }
  lines.push('', link);
  return {
    subject: `【三包】您的产品可能需要检修：${mode.zh} / Your unit may need a check: ${mode.en}`,
    text: lines.join('\n'),
  };
}

export function createAlertNotices(d: AlertNoticeDeps) {
  async function notify(n: AlertLike): Promise<number> {
    if (n.type !== 'alert.opened') return 0;
    const units = await d.warranty.unitsByDevice(n.alert.deviceId);
    let sent = 0;
    for (const unit of units) {
      const sub = await d.store.subscription(unit.serial);
      if (!sub?.alerts) continue;
      sent += await enqueue(n, unit, sub);
    }
    if (sent) d.kick();
    return sent;
  }

  async function enqueue(n: AlertLike, unit: Unit, sub: Subscription): Promise<number> {
    const now = d.clock().toISOString();
    const today = parseInstant(now).date;
    const outlets = unit.manufacturer
      ? (await d.warranty.listOutlets(unit.manufacturer)).filter(
          (o) =>
            o.authorizedFrom.slice(0, 10) <= today &&
            (!o.authorizedTo || o.authorizedTo.slice(0, 10) >= today),
        )
      : [];
    const calendar = await d.calendar();
    const free = await decideUnit(d.warranty, unit, {
      evaluationDate: now,
      ...(d.telemetry ? { telemetry: d.telemetry } : {}),
      ...(calendar ? { calendar } : {}),
    }).then(
      (r) => r.evaluation.remedies.find((x) => x.kind === 'free_repair'),
      () => undefined, // no policy covers the unit: say nothing about free repairs
    );
    const link = `${d.publicUrl().replace(/\/$/, '')}/owner.html?serial=${encodeURIComponent(unit.serial)}`;
    const base = {
      caseId: null,
      serial: unit.serial,
      event: 'unit.alert',
      createdAt: now,
      firstAttemptAt: d.wallClock().toISOString(),
    };
    const rows: NewNotification[] = [];
    if (sub.email)
      rows.push({
        ...base,
        channel: 'email',
        target: sub.email,
        payload: { ...alertMail(n.alert, unit, outlets, free && { clause: free.clause }, link) },
      });
    const hooks = unit.manufacturer ? await d.store.webhooks(unit.manufacturer) : [];
    for (const h of hooks)
      rows.push({
        ...base,
        channel: 'webhook',
        target: h.id,
        payload: {
          event: 'unit.alert',
          audience: 'owner',
          at: now,
          unit: { serial: unit.serial, category: unit.category, model: unit.model },
          alert: n.alert,
          outlets: outlets.map((o) => ({
            id: o.id,
            name: o.name,
            servicePhone: o.servicePhone ?? null,
          })),
          freeRepair: free ? { clause: free.clause } : null,
          link,
          ...(sub.webhook ? { owner: { notify: true, phone: sub.phone } } : {}),
        },
      });
    if (rows.length) await d.store.enqueue(rows);
    return rows.length;
  }

  let pending: Promise<unknown> = Promise.resolve();
  return {
    /** For diagnostics' alert observer: never throws, never waits the alert. */
    onAlert(n: AlertLike): void {
      pending = pending
        .then(() => notify(n))
        .catch((err: unknown) =>
          d.log.error({ err, alert: n.alert.id }, 'alert notice to owner failed'),
        );
    },
    notify,
    /** Resolves when the notices started so far are written (tests, shutdown). */
    idle: () => pending.then(() => undefined),
  };
}

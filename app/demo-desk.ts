import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The demo's service desk: a scripted engineer who works the alert queue through the public
 * API, so that within the demo's first minutes there are repair orders, 三包 repair records and
 * resolved or dismissed alerts to look at, not only alerts waiting for someone.
 *
 * Every poll it opens a repair order (at the demo's authorized outlet) for the oldest open
 * major or critical alert, up to `maxOpen` orders at a time. Once a unit has been at the outlet
 * for `repairAfterMs`, the technician's visit is the simulator's `repair` command, sent through
 * the remote-command API: a simulated device stops showing its fault only when repaired, as a
 * real one would. When the command finds the suspected component faulty the order is closed
 * with the parts the alert called for (genuine, no charge under 三包), which appends the repair
 * record to the unit's hash chain and resolves the alert; when it finds nothing the order is
 * cancelled and the alert dismissed as "no fault found". A device that does not answer (offline)
 * keeps its order open until it does.
 */

export interface DeskOptions {
  api: string;
  /** An engineer token: alerts, orders and commands are engineer actions. */
  token: string;
  outletId: string;
  technicianCertificate?: string;
  signal: AbortSignal;
  pollMs?: number;
  /** How long a unit stays at the outlet before it is repaired, ms. */
  repairAfterMs?: number;
  maxOpen?: number;
  /** One line per action, for the demo's console. */
  say(line: string): void;
  onError(err: unknown): void;
}

export interface DeskStats {
  opened: number;
  closed: number;
  cancelled: number;
}

interface Alert {
  id: string;
  deviceId: string;
  severity: string;
  modeId: string;
  component: string;
  parts: string[];
  openedAt: string;
}

interface Order {
  id: string;
  serial: string;
  deviceId: string | null;
  suspectedComponent: string | null;
  partsCalledFor: string[];
  alertIds: string[];
}

export interface Call {
  status: number;
  body: unknown;
}

/** One JSON call to the API with a bearer token (shared with app/demo.ts). */
export async function call(
  o: { api: string; token: string; signal?: AbortSignal },
  method: string,
  url: string,
  body?: unknown,
): Promise<Call> {
  const res = await fetch(`${o.api}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${o.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as unknown };
}

const failed = (what: string, r: Call) =>
  new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);

/** Items of an alert's parts list that are work, not a part (diagnostics/profiles). */
const WORK = /\b(check|test|cleaning|flush|descaling|repair)\b/i;

/** Part number for a part the diagnosis called for (the demo has no parts catalogue). */
const partNumber = (name: string) => `DEMO-${name.toUpperCase().replace(/[^A-Z0-9]+/g, '-')}`;

/** Runs until `signal` aborts; resolves with what it did. */
export async function runServiceDesk(o: DeskOptions): Promise<DeskStats> {
  const pollMs = o.pollMs ?? 10_000;
  const repairAfterMs = o.repairAfterMs ?? 30_000;
  const maxOpen = o.maxOpen ?? 3;
  const stats: DeskStats = { opened: 0, closed: 0, cancelled: 0 };
  /** Alerts tried already (ordered, or refused an order: no unit, taken by someone else). */
  const tried = new Set<string>();
  const atOutlet: Array<{ order: Order; alert: Alert; since: number; failures: number }> = [];

  const openOrders = async () => {
    const r = await call(o, 'GET', '/api/v1/alerts?status=open&limit=200');
    if (r.status !== 200) throw failed('listing open alerts', r);
    const waiting = (r.body as { alerts: Alert[] }).alerts
      .filter((a) => (a.severity === 'critical' || a.severity === 'major') && !tried.has(a.id))
      .sort((a, b) => a.openedAt.localeCompare(b.openedAt));
    for (const alert of waiting) {
      if (atOutlet.length >= maxOpen || o.signal.aborted) return;
      tried.add(alert.id);
      const res = await call(o, 'POST', '/api/v1/repair-orders', {
        alertIds: [alert.id],
        outletId: o.outletId,
        ...(o.technicianCertificate ? { technicianCertificate: o.technicianCertificate } : {}),
        note: 'demo service desk',
      });
      // 404: no warranty unit for the device (yet); 409: ordered by someone else meanwhile.
      if (res.status === 404 || res.status === 409) continue;
      if (res.status !== 201) throw failed(`opening an order for alert ${alert.id}`, res);
      const order = res.body as Order;
      atOutlet.push({ order, alert, since: Date.now(), failures: 0 });
      stats.opened++;
      o.say(
        `desk: order ${order.id} opened for ${order.serial}: ${alert.modeId} (${alert.severity})`,
      );
    }
  };

  const repair = async (job: (typeof atOutlet)[number]) => {
    const { order, alert } = job;
    const component = order.suspectedComponent ?? alert.component;
    const cmd = await call(o, 'POST', `/api/v1/devices/${alert.deviceId}/commands`, {
      name: 'repair',
      args: { component },
      timeoutMs: 10_000,
    });
    if (cmd.status === 504) return false; // offline: try again next poll
    if (cmd.status !== 200) throw failed(`repair command to ${alert.deviceId}`, cmd);
    const rec = cmd.body as {
      status: string;
      result: { repaired?: unknown } | null;
      error: string | null;
    };
    if (rec.status !== 'ok')
      throw new Error(`repair command to ${alert.deviceId}: ${rec.status} ${rec.error ?? ''}`);
    if (rec.result?.repaired) {
      // The alert calls for parts and for work (checks, tests, cleaning): only parts are replaced.
      const work = order.partsCalledFor.filter((p) => WORK.test(p));
      const called = order.partsCalledFor.filter((p) => !WORK.test(p));
      const parts = called.length > 0 ? called : [component];
      const res = await call(o, 'POST', `/api/v1/repair-orders/${order.id}/close`, {
        inspectionResult: `${component} faulty, confirmed on the bench`,
        workItems: [...parts.map((p) => `replace ${p}`), ...work],
        parts: parts.map((p) => ({ name: p, number: partNumber(p), genuine: true })),
        postRepairState: 'self-test passed',
        signatures: { repairer: 'demo-engineer' },
      });
      if (res.status !== 200) throw failed(`closing order ${order.id}`, res);
      const { seq } = (res.body as { record: { seq: number } }).record;
      stats.closed++;
      o.say(
        `desk: order ${order.id} closed: ${parts.join(', ')} replaced, repair record #${seq} of ${order.serial}`,
      );
      return true;
    }
    const res = await call(o, 'POST', `/api/v1/repair-orders/${order.id}/cancel`, {
      reason: `no fault found on ${component}`,
    });
    if (res.status !== 200) throw failed(`cancelling order ${order.id}`, res);
    const d = await call(o, 'POST', `/api/v1/alerts/${alert.id}/dismiss`, {
      reason: `no fault found at the outlet (order ${order.id})`,
    });
    // 409: the alert closed meanwhile (the diagnostics engine resolved it).
    if (d.status !== 200 && d.status !== 409) throw failed(`dismissing alert ${alert.id}`, d);
    stats.cancelled++;
    o.say(`desk: order ${order.id} cancelled: no fault found on ${component}`);
    return true;
  };

  const report = (err: unknown) => {
    if (!o.signal.aborted) o.onError(err);
  };
  while (!o.signal.aborted) {
    for (const job of [...atOutlet]) {
      if (o.signal.aborted || Date.now() - job.since < repairAfterMs) continue;
      try {
        if (await repair(job)) atOutlet.splice(atOutlet.indexOf(job), 1);
      } catch (err) {
        // One order that cannot be worked is reported and given up after three tries; the
        // others go on.
        report(err);
        if (++job.failures >= 3) {
          atOutlet.splice(atOutlet.indexOf(job), 1);
          o.say(`desk: order ${job.order.id} left open after 3 failed attempts`);
        }
      }
    }
    await openOrders().catch(report);
    await sleep(pollMs, undefined, { signal: o.signal, ref: false }).catch(() => undefined);
  }
  return stats;
}

import type { Alert, AlertComment } from './alert-schemas.ts';
import type { AlertStore } from './alert-store.ts';
import { DEFAULT_CAP, memoryCapStore, type CapStore } from './cap-store.ts';
import { SEVERITY_RANK, type AlertCandidate, type Severity } from './types.ts';

/** What subscribers (MQTT, SSE, webhooks) are told. */
export type AlertEventType =
  | 'alert.opened'
  | 'alert.raised'
  | 'alert.escalated'
  | 'alert.acknowledged'
  | 'alert.resolved'
  | 'alert.dismissed'
  | 'alert.assigned';

/** One notification: the alert as it now is, and what happened to it. */
export interface AlertNotification {
  type: AlertEventType;
  at: string;
  alert: Alert;
  /** Notifications of this device held back by the cap since the last one that went out. */
  suppressed: number;
}

export interface AlertServiceOptions {
  store: AlertStore;
  /** Epoch ms; injected so escalation and the cap can be tested without waiting. */
  clock?: () => number;
  /** An open alert not acknowledged within this time is escalated (default 30 min; 0 = never). */
  escalateAfterMs?: number;
  /** At most `max` machine notifications per device per `windowMs` (default 10 per hour). */
  cap?: { max: number; windowMs: number };
  /**
   * Where the cap counts (default: this process's memory, {@link memoryCapStore} of `cap`;
   * cluster mode: Redis, stores/redis-cap.ts, built with the same `cap`). Closed by its owner.
   */
  capStore?: CapStore;
  /** Called when an alert is resolved or dismissed, so the engine may raise the mode again. */
  onClosed?: (deviceId: string, modeId: string) => void;
  onError?: (err: unknown, what: string) => void;
}

/** The alert lifecycle between the engine, the store and the delivery channels. */
export interface AlertService {
  readonly store: AlertStore;
  /** Queues a candidate from the engine: upserted in arrival order, subscribers told. */
  accept(candidate: AlertCandidate): Promise<void>;
  /** Escalates overdue open alerts as of the clock; returns them. */
  tick(): Promise<Alert[]>;
  acknowledge(id: string, by: string): Promise<Alert>;
  resolve(id: string, by: string, repairRef?: string): Promise<Alert>;
  dismiss(id: string, by: string, reason: string): Promise<Alert>;
  assign(id: string, assignee: string | null, by: string): Promise<Alert>;
  comment(id: string, author: string, text: string): Promise<AlertComment>;
  /**
   * Escalates an alert to `severity` now, whatever its age (a repeat failure after a repair,
   * quality/), and tells subscribers; `reason` goes into the alert's comments.
   */
  escalate(id: string, severity: Severity, by: string, reason: string): Promise<Alert>;
  /** Registers a subscriber (delivery channels: capped per device); returns its remover. */
  subscribe(fn: (n: AlertNotification) => void): () => void;
  /**
   * Registers an internal observer that sees every change, the per-device cap notwithstanding
   * (the cap spares people, not the service's own bookkeeping — e.g. repeat-failure checks).
   */
  observe(fn: (n: AlertNotification) => void): () => void;
  /** Notifications sent and held back by the per-device cap since start. */
  stats(): { notified: number; suppressed: number };
  /** Resolves when every accepted candidate is stored and notified (tests, shutdown). */
  idle(): Promise<void>;
}

// Machine-made notifications count against the per-device cap; a person's action never does.
const CAPPED = new Set<AlertEventType>(['alert.opened', 'alert.raised', 'alert.escalated']);
const STEP_UP: Record<Severity, Severity> = {
  info: 'minor',
  minor: 'major',
  major: 'critical',
  critical: 'critical',
};

/** Creates the alert service over a store (see {@link AlertServiceOptions} for defaults). */
export function createAlertService(opts: AlertServiceOptions): AlertService {
  const { store } = opts;
  const clock = opts.clock ?? Date.now;
  const escalateAfterMs = opts.escalateAfterMs ?? 30 * 60_000;
  const cap = opts.cap ?? DEFAULT_CAP;
  const onError = opts.onError ?? (() => undefined);
  const subscribers = new Set<(n: AlertNotification) => void>();
  const observers = new Set<(n: AlertNotification) => void>();
  const capStore = opts.capStore ?? memoryCapStore(cap);
  const totals = { notified: 0, suppressed: 0 };
  let chain: Promise<void> = Promise.resolve();

  /** Tells observers, then (within the device's cap for machine-made ones) subscribers. */
  async function notify(type: AlertEventType, alert: Alert, at: number): Promise<void> {
    if (observers.size) {
      const seen: AlertNotification = {
        type,
        at: new Date(at).toISOString(),
        alert,
        suppressed: 0,
      };
      for (const fn of observers) {
        try {
          fn(seen);
        } catch (err) {
          onError(err, 'alert observer failed');
        }
      }
    }
    let suppressed = 0;
    if (CAPPED.has(type)) {
      const d = await capStore.take(alert.deviceId, at);
      if (!d.allowed) {
        totals.suppressed++;
        return;
      }
      suppressed = d.suppressed;
    }
    totals.notified++;
    const n: AlertNotification = { type, at: new Date(at).toISOString(), alert, suppressed };
    for (const fn of subscribers) {
      try {
        fn(n);
      } catch (err) {
        onError(err, 'alert subscriber failed');
      }
    }
  }

  async function upsert(c: AlertCandidate): Promise<void> {
    const at = clock();
    const { alert, change } = await store.upsert(c, at);
    if (change !== 'unchanged')
      await notify(change === 'opened' ? 'alert.opened' : 'alert.raised', alert, at);
  }

  /** Runs a person's action, then tells subscribers. */
  async function act(type: AlertEventType, run: (at: number) => Promise<Alert>): Promise<Alert> {
    const at = clock();
    const alert = await run(at);
    if (type === 'alert.resolved' || type === 'alert.dismissed')
      opts.onClosed?.(alert.deviceId, alert.modeId);
    await notify(type, alert, at);
    return alert;
  }

  return {
    store,
    accept(candidate) {
      const p = chain.then(() => upsert(candidate));
      // The chain never rejects, so one failed write does not stop the ones behind it.
      chain = p.catch((err: unknown) => onError(err, 'alert upsert failed'));
      return p;
    },
    async tick() {
      const now = clock();
      capStore.prune(now);
      if (!(escalateAfterMs > 0)) return [];
      const due = await store.dueForEscalation(now - escalateAfterMs);
      const out: Alert[] = [];
      for (const a of due) {
        // A claim: in a cluster every node's timer sees the same due alerts, one escalates each.
        const raised = await store.escalateIfDue(
          a.id,
          STEP_UP[a.severity],
          now,
          now - escalateAfterMs,
        );
        if (!raised) continue;
        await notify('alert.escalated', raised, now);
        out.push(raised);
      }
      return out;
    },
    acknowledge: (id, by) => act('alert.acknowledged', (at) => store.acknowledge(id, by, at)),
    resolve: (id, by, ref) => act('alert.resolved', (at) => store.resolve(id, by, at, ref)),
    dismiss: (id, by, reason) => act('alert.dismissed', (at) => store.dismiss(id, by, at, reason)),
    assign: (id, who, by) => act('alert.assigned', (at) => store.assign(id, who, by, at)),
    comment: (id, author, text) => store.addComment(id, author, text, clock()),
    async escalate(id, severity, by, reason) {
      const now = clock();
      await store.addComment(id, by, reason, now);
      const current = await store.get(id);
      const target =
        current && SEVERITY_RANK[current.severity] > SEVERITY_RANK[severity]
          ? current.severity
          : severity;
      const raised = await store.escalate(id, target, now);
      await notify('alert.escalated', raised, now);
      return raised;
    },
    subscribe(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    observe(fn) {
      observers.add(fn);
      return () => observers.delete(fn);
    },
    stats: () => ({ ...totals }),
    idle: () => chain,
  };
}

/** True when `s` is at least `min` (webhook and channel filters). */
export function atLeast(s: Severity, min: Severity): boolean {
  return SEVERITY_RANK[s] >= SEVERITY_RANK[min];
}

/** The per-device notification cap's limit: at most `max` per `windowMs`. */
export interface CapLimit {
  max: number;
  windowMs: number;
}

/** The cap unless configured (ALERT_NOTIFY_MAX_PER_HOUR in the service): 10 an hour. */
export const DEFAULT_CAP: CapLimit = Object.freeze({ max: 10, windowMs: 3_600_000 });

/** What the cap decided for one machine-made notification. */
export interface CapDecision {
  /** Whether it goes out. */
  allowed: boolean;
  /**
   * Notifications of the device held back since the last one that went out: told with the
   * next one allowed (`AlertNotification.suppressed`), 0 on one held back.
   */
  suppressed: number;
}

/**
 * Where the per-device notification cap counts (alerts.ts). A device's window starts with the
 * first notification counted in it and lasts `windowMs`; the first `max` notifications in it
 * go out, the rest are held back and counted, and that count is handed to the next one that
 * goes out, in whatever later window. `take` never rejects: a backend that cannot count
 * decides by a count it can keep (the Redis one falls back to this node's memory).
 *
 * One node: {@link memoryCapStore}. Cluster mode: stores/redis-cap.ts, one count per device
 * for the whole cluster. Both run cap-store.contract.ts.
 */
export interface CapStore {
  /** Counts one notification of `deviceId` at `at` (epoch ms) against the cap. */
  take(deviceId: string, at: number): Promise<CapDecision>;
  /** Forgets windows over by `now` with nothing held back (the service's timer calls it). */
  prune(now: number): void;
  close(): Promise<void>;
}

interface Window {
  start: number;
  count: number;
  suppressed: number;
}

/**
 * The cap counted in this process: one window per device that notified within `windowMs` or
 * has notifications held back (a few dozen bytes each).
 */
export function memoryCapStore(limit: CapLimit): CapStore & {
  /** The same decision, without a promise (the Redis store's fallback). */
  takeNow(deviceId: string, at: number): CapDecision;
} {
  const windows = new Map<string, Window>();
  const takeNow = (deviceId: string, at: number): CapDecision => {
    let w = windows.get(deviceId);
    if (!w || at - w.start >= limit.windowMs) {
      w = { start: at, count: 0, suppressed: w?.suppressed ?? 0 };
      windows.set(deviceId, w);
    }
    if (w.count >= limit.max) {
      w.suppressed++;
      return { allowed: false, suppressed: 0 };
    }
    w.count++;
    const suppressed = w.suppressed;
    w.suppressed = 0;
    return { allowed: true, suppressed };
  };
  return {
    takeNow,
    take: async (deviceId, at) => takeNow(deviceId, at),
    prune(now) {
      for (const [device, w] of windows)
        if (now - w.start >= limit.windowMs && w.suppressed === 0) windows.delete(device);
    },
    close: async () => undefined,
  };
}

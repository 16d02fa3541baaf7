import type { PayloadShape } from './telemetry-scan.ts';

/**
 * What ingest's hot path makes once per device and uses on every message: the shape of its
 * last payload (validate.ts), its spool heads (spool-codec.ts) and the store's series prefix
 * (influx-line.ts). Kept on the device's context under a symbol, one property load each,
 * instead of a WeakMap per cache: at a thousand devices the three WeakMap lookups per message
 * missed the CPU caches (~1.5 µs/msg in a profile, against ~0.3 at a hundred devices). A
 * symbol key stays out of JSON and logs.
 */
export class DeviceMemo {
  shape: PayloadShape | undefined = undefined;
  spoolHeadS: Buffer | undefined = undefined;
  spoolHeadE: Buffer | undefined = undefined;
  /** The series prefix, valid for the encoder that made it (`lineOwner`) only. */
  linePrefix: Buffer | undefined = undefined;
  lineOwner: object | undefined = undefined;
}

export const MEMO: unique symbol = Symbol('sanbao.deviceMemo');

/** A context that may carry its memo (the broker makes one per connection with it). */
export interface Memoised {
  [MEMO]?: DeviceMemo;
}

/**
 * The memo of a device context, made on first use. It is a non-enumerable property: a copy of
 * the context (`{ ...dev, deviceId: other }`) does not take another device's caches with it,
 * and comparisons and logs of contexts do not see it.
 */
export function memoOf(dev: Memoised): DeviceMemo {
  const m = dev[MEMO];
  if (m) return m;
  const made = new DeviceMemo();
  Object.defineProperty(dev, MEMO, { value: made, writable: true, configurable: true });
  return made;
}

import type { DeviceEvent } from '../../core/index.ts';
import type { Severity } from '../types.ts';
import { place, type Detector } from './detector.ts';

/**
 * Fault codes the device reports itself (appliance error codes such as "E1", OBD-II DTCs such
 * as "P0217"). The device's own diagnosis is the strongest evidence there is, so the verdict
 * is instant; the profile maps each code to a failure mode. An unknown code still yields a
 * verdict (without a mode), because an engineer should see it.
 *
 * State is a small fixed-size table of the last time each mapped code was seen, so a device
 * that repeats a code every second does not produce a verdict every second.
 */
export interface FaultCodeConfig {
  /** code → failure mode (and optional severity override). */
  codes: Readonly<Record<string, { modeId: string; severity?: Severity; description?: string }>>;
  /** A repeated code within this time is the same occurrence. */
  repeatMs?: number;
}

interface CodeTable {
  /** Upper-cased code → slot in `lastSeen`; unknown codes share the last slot. */
  index: ReadonlyMap<string, number>;
  entries: ReadonlyArray<{ modeId: string; severity?: Severity; description?: string }>;
}

export interface FaultCodeState {
  table: CodeTable;
  repeatMs: number;
  /** Last time each mapped code was seen (one slot per code, the last for unknown codes). */
  s: Float64Array;
  o: number;
}

// One lookup table per config, shared by every device that uses it (100,000 Maps would not be).
const tables = new WeakMap<FaultCodeConfig, CodeTable>();

function tableOf(config: FaultCodeConfig): CodeTable {
  let t = tables.get(config);
  if (!t) {
    const keys = Object.keys(config.codes);
    t = {
      index: new Map(keys.map((k, i) => [k.toUpperCase(), i])),
      entries: keys.map((k) => config.codes[k]!),
    };
    tables.set(config, t);
  }
  return t;
}

const FROM_EVENT: Record<DeviceEvent['severity'], Severity> = {
  info: 'info',
  warning: 'minor',
  error: 'major',
  critical: 'critical',
};

/** Maps reported fault codes to failure modes, once per occurrence. */
export const faultCodeDetector: Detector<FaultCodeConfig, FaultCodeState, DeviceEvent> = {
  name: 'fault-code',
  init(config, at) {
    const table = tableOf(config);
    const { s, o } = place(table.entries.length + 1, at);
    s.fill(-Infinity, o, o + table.entries.length + 1);
    return { table, repeatMs: config.repeatMs ?? 3_600_000, s, o };
  },
  size: (config) => Object.keys(config.codes).length + 1,
  update(st, event) {
    const code = event.code.toUpperCase();
    const unknown = st.table.entries.length;
    const i = st.table.index.get(code) ?? unknown;
    const known = i < unknown;
    if (known && event.ts - st.s[st.o + i]! < st.repeatMs) return null;
    st.s[st.o + i] = event.ts;
    const mapped = known ? st.table.entries[i] : undefined;
    const severity = mapped?.severity ?? FROM_EVENT[event.severity];
    return {
      detector: 'fault-code',
      severity,
      findings: [],
      windowStart: event.ts,
      windowEnd: event.ts,
      message: `device reported ${event.code}${mapped?.description ? ` (${mapped.description})` : ''}${event.detail ? `: ${event.detail}` : ''}`,
      code: event.code,
      ...(mapped ? { modeId: mapped.modeId } : {}),
    };
  },
};

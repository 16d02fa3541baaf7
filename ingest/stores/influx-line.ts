import type { Sample } from '../sample.ts';
import { InfluxErrors, TELEMETRY, assertStorableName, fieldKey } from './influx-schema.ts';

/**
 * Line protocol for telemetry samples (InfluxDB 1.x and 2.x), written directly instead of through
 * the `influx` package's point objects, which cost more than the rest of the drainer: the same
 * schema (influx-schema.ts) and the same escaping — `,`, `=` and space are backslash-escaped in
 * tag values and field keys, the measurement needs none, every metric is a float field written
 * as `String(value)` (shortest round-trip form, never an `i` suffix), timestamps in ms.
 * Names are checked once per distinct device/model and metric, not once per sample.
 */
export class SampleLineEncoder {
  /** `telemetry,device=…,category=…[,model=…] ` per device, checked once. */
  private readonly seriesPrefix = new Map<string, { category: string; model: string; p: string }>();
  /** Escaped field key per metric name, checked once. */
  private readonly fieldKeys = new Map<string, string>();

  /** One line per sample, `\n`-separated. @throws INGEST_ERR_INFLUX_BAD_NAME / _BAD_VALUE */
  encode(samples: readonly Sample[]): string {
    let out = '';
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      if (i > 0) out += '\n';
      out += this.prefix(s);
      let first = true;
      for (const metric of Object.keys(s.metrics)) {
        const value = s.metrics[metric]!;
        if (!Number.isFinite(value)) throw new InfluxErrors.BadValue(metric, String(value));
        out += `${first ? ' ' : ','}${this.fieldKey(metric)}=${value}`;
        first = false;
      }
      out += ` ${s.ts}`;
    }
    return out;
  }

  private prefix(s: Sample): string {
    const hit = this.seriesPrefix.get(s.deviceId);
    if (hit && hit.category === s.category && hit.model === s.model) return hit.p;
    // Empty tag values are not allowed in line protocol: the model tag is left out instead.
    assertStorableName('device id', s.deviceId);
    if (s.model !== '') assertStorableName('model', s.model);
    const p =
      `${TELEMETRY},device=${escapeTag(s.deviceId)},category=${escapeTag(s.category)}` +
      (s.model === '' ? '' : `,model=${escapeTag(s.model)}`);
    // Bounded: a fleet larger than the cache only costs the checks again.
    if (this.seriesPrefix.size >= MAX_CACHED) this.seriesPrefix.clear();
    this.seriesPrefix.set(s.deviceId, { category: s.category, model: s.model, p });
    return p;
  }

  private fieldKey(metric: string): string {
    let k = this.fieldKeys.get(metric);
    if (k === undefined) {
      assertStorableName('metric', metric);
      k = escapeTag(fieldKey(metric));
      if (this.fieldKeys.size >= MAX_CACHED) this.fieldKeys.clear();
      this.fieldKeys.set(metric, k);
    }
    return k;
  }
}

const MAX_CACHED = 100_000;
const TAG_SPECIAL = /[,= ]/g;

/** Escapes a tag key, tag value or field key. */
export function escapeTag(s: string): string {
  return s.replace(TAG_SPECIAL, '\\$&');
}

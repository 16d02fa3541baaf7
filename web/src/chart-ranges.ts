import type { Alert } from './api-types.ts';
import type { TimeBand } from './charts.ts';

/**
 * What the device page's charts cover: the time range of a window, the server's aggregation
 * step for it, and the bands drawn over the series (an alert's evidence windows, its predicted
 * failure band and time). Pure functions of their arguments, so they are tested without a
 * browser (chart-ranges.test.ts).
 */
export const WINDOWS = ['alert', '1h', '6h', '24h', '7d', '30d'] as const;
export type WindowId = (typeof WINDOWS)[number];

const HOUR = 3_600_000;
const SPAN: Record<Exclude<WindowId, 'alert'>, number> = {
  '1h': HOUR,
  '6h': 6 * HOUR,
  '24h': 24 * HOUR,
  '7d': 7 * 24 * HOUR,
  '30d': 30 * 24 * HOUR,
};
/** Steps the server aggregates by, smallest first. */
const STEPS: Array<[string, number]> = [
  ['1m', 60_000],
  ['5m', 300_000],
  ['10m', 600_000],
  ['30m', 1_800_000],
  ['1h', HOUR],
  ['3h', 3 * HOUR],
  ['6h', 6 * HOUR],
  ['12h', 12 * HOUR],
  ['1d', 24 * HOUR],
];
/** Up to this span the chart shows raw readings. */
const RAW_MAX_MS = 3 * HOUR;
/** Beyond it, about this many points per chart. */
const TARGET_POINTS = 400;

/** A band with what it stands for. */
export type ChartBand = TimeBand & { kind: 'evidence' | 'prediction' | 'predicted-at' };

/**
 * The last instant of an alert's predicted failure band: `latest`, or — when the upper bound
 * is unbounded (null) — as far after `at` as `earliest` is before it.
 */
function predictionEnd(alert: Alert): number | undefined {
  const p = alert.predictedFailure;
  if (!p) return undefined;
  const at = Date.parse(p.at);
  const end = p.latest ? Date.parse(p.latest) : at + (at - Date.parse(p.earliest));
  return Number.isFinite(end) ? end : undefined;
}

/**
 * The time range a window shows: up to now, or around the alert's evidence (a day on each
 * side at least: the day before a reported code is what the engineer compares it with) and on
 * to the end of its predicted failure band.
 */
export function windowRange(w: WindowId, alert: Alert | undefined, now: number): [number, number] {
  if (w !== 'alert' || !alert) return [now - SPAN[w === 'alert' ? '24h' : w], now];
  const times = [
    Date.parse(alert.detectedAt),
    ...alert.evidence.flatMap((e) => [Date.parse(e.windowStart), Date.parse(e.windowEnd)]),
  ].filter(Number.isFinite);
  const start = Math.min(...times);
  const end = Math.max(...times);
  const pad = Math.max((end - start) / 2, 24 * HOUR);
  const from = start - pad;
  let to = Math.min(now, end + pad);
  const predicted = predictionEnd(alert);
  if (predicted !== undefined && predicted > to) to = predicted + (predicted - from) * 0.05;
  return [from, to];
}

/** `every` for a span, or undefined for raw readings. */
export function stepFor(spanMs: number): string | undefined {
  if (spanMs <= RAW_MAX_MS) return undefined;
  const want = spanMs / TARGET_POINTS;
  return (STEPS.find(([, ms]) => ms >= want) ?? STEPS[STEPS.length - 1]!)[0];
}

/**
 * The bands of `alert` on the chart of `metric`: each evidence window that concerns the metric
 * (no metric, or `*` for missing data or a reported code, concerns all), then the predicted
 * failure band and its most likely time (on every chart: the failure is the device's).
 */
export function alertBands(alert: Alert | undefined, metric: string): ChartBand[] {
  if (!alert) return [];
  const bands: ChartBand[] = alert.evidence
    .filter((e) => e.metrics.length === 0 || e.metrics.includes('*') || e.metrics.includes(metric))
    .map((e) => ({
      kind: 'evidence',
      from: Date.parse(e.windowStart),
      to: Date.parse(e.windowEnd),
      fill: 'rgba(179, 38, 30, 0.14)',
      stroke: 'rgba(179, 38, 30, 0.7)',
    }));
  const p = alert.predictedFailure;
  const end = predictionEnd(alert);
  if (p && end !== undefined) {
    const at = Date.parse(p.at);
    bands.push(
      {
        kind: 'prediction',
        from: Date.parse(p.earliest),
        to: end,
        fill: 'rgba(138, 75, 0, 0.12)',
        stroke: 'rgba(138, 75, 0, 0.5)',
      },
      { kind: 'predicted-at', from: at, to: at, fill: '#8a4b00', stroke: '#8a4b00' },
    );
  }
  return bands;
}

import type uPlot from 'uplot';
import type { Alert, Points } from './api-types.ts';
import { timeChart, type TimeBand } from './charts.ts';
import { getJson, h, t } from './common.ts';
import { auth } from './session.ts';

/**
 * The device page's telemetry: one uPlot chart per chosen metric over a window, raw for short
 * windows and averaged per step by the server (`every` + `agg=mean`) for long ones, so a chart
 * stays a few hundred points whatever the window. The selected alert's evidence windows are
 * shaded on the charts of the metrics they name.
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
const TARGET_POINTS = 400;

/** The time range a window shows: around the alert's evidence, or up to now. */
export function windowRange(w: WindowId, alert: Alert | undefined, now: number): [number, number] {
  if (w !== 'alert' || !alert) {
    const span = SPAN[w === 'alert' ? '24h' : w];
    return [now - span, now];
  }
  const times = [
    Date.parse(alert.detectedAt),
    ...alert.evidence.flatMap((e) => [Date.parse(e.windowStart), Date.parse(e.windowEnd)]),
  ].filter(Number.isFinite);
  const start = Math.min(...times);
  const end = Math.max(...times);
  // The day before a reported code is what the engineer compares it with.
  const pad = Math.max((end - start) / 2, 24 * HOUR);
  return [start - pad, Math.min(now, end + pad)];
}

/** `every` for a span, or undefined for raw readings. */
export function stepFor(spanMs: number): string | undefined {
  if (spanMs <= RAW_MAX_MS) return undefined;
  const want = spanMs / TARGET_POINTS;
  return (STEPS.find(([, ms]) => ms >= want) ?? STEPS[STEPS.length - 1]!)[0];
}

/** The evidence windows of `alert` that concern `metric`, as chart bands. */
export function evidenceBands(alert: Alert | undefined, metric: string): TimeBand[] {
  if (!alert) return [];
  return (
    alert.evidence
      // No metric, or `*` (missing data, a reported code): the evidence concerns the whole device.
      .filter(
        (e) => e.metrics.length === 0 || e.metrics.includes('*') || e.metrics.includes(metric),
      )
      .map((e) => ({
        from: Date.parse(e.windowStart),
        to: Date.parse(e.windowEnd),
        fill: 'rgba(179, 38, 30, 0.14)',
        stroke: 'rgba(179, 38, 30, 0.7)',
      }))
  );
}

export class TelemetryCharts {
  private charts: uPlot[] = [];

  constructor(
    private readonly deviceId: string,
    private readonly box: HTMLElement,
  ) {}

  /** Fetches and draws every metric; returns how many points each chart got. */
  async draw(metrics: readonly string[], range: [number, number], alert: Alert | undefined) {
    const [from, to] = range;
    const every = stepFor(to - from);
    const results = await Promise.all(
      metrics.map((metric) => {
        const q = new URLSearchParams({
          metric,
          from: String(Math.floor(from)),
          to: String(Math.ceil(to)),
          limit: '5000',
        });
        if (every) {
          q.set('every', every);
          q.set('agg', 'mean');
        }
        return getJson<Points>(
          `/api/v1/devices/${encodeURIComponent(this.deviceId)}/telemetry?${q}`,
          auth(),
        );
      }),
    );
    for (const c of this.charts) c.destroy();
    this.charts = [];
    const boxes = results.map((r) => {
      const chartBox = h('div', {
        class: 'chart',
        'data-metric': r.metric,
        'data-points': String(r.points.length),
        'data-bands': String(evidenceBands(alert, r.metric).length),
      });
      const figure = h(
        'figure',
        { class: 'chart-figure' },
        chartBox,
        h(
          'figcaption',
          { class: 'visually-hidden' },
          `${r.metric}: ${t('pointsShown', { n: r.points.length })}${every ? ` (${t('meanPer', { step: every })})` : ''}`,
        ),
        r.points.length === 0 ? h('p', { class: 'muted' }, `${r.metric}: ${t('noData')}`) : null,
      );
      return { r, chartBox, figure };
    });
    this.box.replaceChildren(...boxes.map((b) => b.figure));
    for (const { r, chartBox } of boxes)
      this.charts.push(
        timeChart(chartBox, {
          label: every ? `${r.metric} (${t('meanPer', { step: every })})` : r.metric,
          points: r.points.map((p) => ({ ts: Date.parse(p.ts), value: p.value })),
          bands: evidenceBands(alert, r.metric),
          xRange: range,
        }),
      );
    return results.map((r) => r.points.length);
  }

  clear(): void {
    for (const c of this.charts) c.destroy();
    this.charts = [];
    this.box.replaceChildren();
  }
}

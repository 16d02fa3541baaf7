import type uPlot from 'uplot';
import type { Alert, Points } from './api-types.ts';
import { alertBands, stepFor } from './chart-ranges.ts';
import { timeChart } from './charts.ts';
import { getJson, h, t } from './common.ts';
import { auth } from './session.ts';

export { WINDOWS, windowRange, type WindowId } from './chart-ranges.ts';

/**
 * The device page's telemetry: one uPlot chart per chosen metric over a window, raw for short
 * windows and averaged per step by the server (`every` + `agg=mean`) for long ones, so a chart
 * stays a few hundred points whatever the window. The selected alert's evidence windows are
 * shaded on the charts of the metrics they name, its predicted failure band on every chart.
 */
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
        'data-bands': String(
          alertBands(alert, r.metric).filter((b) => b.kind === 'evidence').length,
        ),
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
          bands: alertBands(alert, r.metric),
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

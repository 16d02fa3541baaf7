import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { t } from './common.ts';

/**
 * uPlot charts for the staff pages: time series with shaded time bands (an alert's evidence
 * window, a predicted-failure band) drawn through uPlot's hooks on its own canvas, and a bar
 * chart for distributions. Every chart follows its container's width.
 */
export interface TimeBand {
  /** Epoch ms. */
  from: number;
  to: number;
  fill: string;
  stroke: string;
}

const live = new Set<{ u: uPlot; box: HTMLElement; height: number }>();
let resizeWired = false;

function track(u: uPlot, box: HTMLElement, height: number): uPlot {
  const entry = { u, box, height };
  live.add(entry);
  const destroy = u.destroy.bind(u);
  u.destroy = () => {
    live.delete(entry);
    destroy();
  };
  if (!resizeWired) {
    resizeWired = true;
    window.addEventListener('resize', () => {
      for (const c of live) c.u.setSize({ width: widthOf(c.box), height: c.height });
    });
  }
  return u;
}

const widthOf = (box: HTMLElement) => Math.max(240, box.clientWidth);

/** Shades each band across the plotting area, under the series (uPlot `drawClear` hook). */
function bandsPlugin(bands: () => readonly TimeBand[]): uPlot.Plugin {
  return {
    hooks: {
      drawClear: (u) => {
        const { ctx } = u;
        const { left, top, width, height } = u.bbox;
        for (const b of bands()) {
          const x0 = Math.max(left, u.valToPos(b.from / 1000, 'x', true));
          const x1 = Math.min(left + width, u.valToPos(b.to / 1000, 'x', true));
          if (!(x1 >= x0)) continue;
          ctx.save();
          ctx.fillStyle = b.fill;
          // At least two pixels, so an instant (a reported fault code) stays visible.
          ctx.fillRect(x0, top, Math.max(2, x1 - x0), height);
          ctx.strokeStyle = b.stroke;
          ctx.lineWidth = 1;
          ctx.strokeRect(x0, top, Math.max(2, x1 - x0), height);
          ctx.restore();
        }
      },
    },
  };
}

/**
 * A line chart of one metric. `points` are epoch ms and values; `xRange` fixes the time axis
 * (so bands outside the data still show where they fall).
 */
export function timeChart(
  box: HTMLElement,
  o: {
    label: string;
    points: ReadonlyArray<{ ts: number; value: number }>;
    bands?: readonly TimeBand[];
    xRange?: [number, number];
    height?: number;
  },
): uPlot {
  const height = o.height ?? 220;
  const bands = o.bands ?? [];
  const data: uPlot.AlignedData = [o.points.map((p) => p.ts / 1000), o.points.map((p) => p.value)];
  const range = o.xRange;
  const u = new uPlot(
    {
      width: widthOf(box),
      height,
      title: o.label,
      // The pages show times in China time (formatWhen); the axes do too.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Asia/Shanghai'),
      cursor: { sync: { key: 'telemetry' } },
      scales: {
        x: {
          time: true,
          ...(range ? { range: (): uPlot.Range.MinMax => [range[0] / 1000, range[1] / 1000] } : {}),
        },
      },
      series: [
        { label: t('time') },
        { label: o.label, stroke: '#0b57d0', width: 2, spanGaps: false },
      ],
      axes: [{ stroke: '#1a1d21' }, { size: 64, stroke: '#1a1d21' }],
      plugins: [bandsPlugin(() => bands)],
    },
    data,
    box,
  );
  return track(u, box, height);
}

/** A bar chart of counts per labelled bucket (e.g. health score bands). */
export function barChart(
  box: HTMLElement,
  o: { labels: readonly string[]; values: readonly number[]; label: string; height?: number },
): uPlot {
  const height = o.height ?? 220;
  const n = o.labels.length;
  const bars = uPlot.paths.bars!({ size: [0.7, 80] });
  const u = new uPlot(
    {
      width: widthOf(box),
      height,
      cursor: { drag: { x: false, y: false } },
      legend: { show: false },
      scales: {
        x: { time: false, range: (): uPlot.Range.MinMax => [-0.5, n - 0.5] },
        y: { range: (_u, _min, max): uPlot.Range.MinMax => [0, Math.max(1, max)] },
      },
      series: [
        {},
        {
          label: o.label,
          fill: '#0b57d0',
          stroke: '#0b57d0',
          paths: bars,
          points: { show: false },
        },
      ],
      axes: [
        {
          stroke: '#1a1d21',
          splits: () => o.labels.map((_, i) => i),
          values: (_u, splits) => splits.map((i) => o.labels[i] ?? ''),
          grid: { show: false },
        },
        { size: 48, stroke: '#1a1d21', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
      ],
    },
    [o.labels.map((_, i) => i), [...o.values]],
    box,
  );
  return track(u, box, height);
}

import type { ModeScore, Score } from './score.ts';

/** Issue #4's accuracy targets, checked against a score. */
export interface TargetCheck {
  target: string;
  value: string;
  met: boolean;
}

export const TARGETS = {
  degradationRecall: 0.95,
  leadShareMedian: 0.25,
  suddenDelaySamples: 2,
  falseAlarmsPer1000DeviceDays: 1,
  minModeRecall: 0.8,
} as const;

/** Each target with the measured value and whether it is met. */
export function checkTargets(score: Score): TargetCheck[] {
  const o = score.overall;
  const faultModes = score.modes.filter((m) => m.faults > 0);
  const weakest = faultModes.reduce<ModeScore | undefined>(
    (w, m) => (w === undefined || (m.recall ?? 1) < (w.recall ?? 1) ? m : w),
    undefined,
  );
  return [
    {
      target: `degradation recall ≥ ${TARGETS.degradationRecall}`,
      value: fmt(o.degradation.recall),
      met: (o.degradation.recall ?? 0) >= TARGETS.degradationRecall,
    },
    {
      target: `degradation median lead ≥ ${TARGETS.leadShareMedian * 100} % of span`,
      value: `${pct(o.degradation.leadShareMedian)} (window allows ${pct(o.degradation.leadShareCeiling)})`,
      met: (o.degradation.leadShareMedian ?? 0) >= TARGETS.leadShareMedian,
    },
    {
      target: `sudden faults detected within ${TARGETS.suddenDelaySamples} samples`,
      value: `${pct(o.sudden.withinTwoSamples)} of ${o.sudden.faults}`,
      met: o.sudden.withinTwoSamples === 1,
    },
    {
      target: `false alarms ≤ ${TARGETS.falseAlarmsPer1000DeviceDays} per 1,000 device-days`,
      value: o.falseAlarmsPer1000DeviceDays.toFixed(2),
      met: o.falseAlarmsPer1000DeviceDays <= TARGETS.falseAlarmsPer1000DeviceDays,
    },
    {
      target: `no mode below ${TARGETS.minModeRecall} recall`,
      value: weakest ? `${fmt(weakest.recall)} (${weakest.category}/${weakest.mode})` : '–',
      met: (o.minModeRecall ?? 1) >= TARGETS.minModeRecall,
    },
  ];
}

const HEADER = [
  'category',
  'mode',
  'kind',
  'faults',
  'recall',
  'precision',
  'FA',
  'lead d (med / p10)',
  'lead % span (med / p10 / max)',
  'delay samples (med / max; max from failure)',
  'RUL RMSE d',
  'late',
  'first by',
];

/** The per-mode table and the overall lines, as Markdown (prints well in a terminal too). */
export function formatReport(score: Score): string {
  const rows = score.modes.map((m) => [
    m.category,
    m.mode,
    m.kind === 'degradation' ? 'degr.' : m.kind,
    String(m.faults),
    fmt(m.recall),
    fmt(m.precision),
    String(m.falseAlarms),
    m.kind === 'degradation' ? `${num(m.leadMedianDays)} / ${num(m.leadP10Days)}` : '',
    m.kind === 'degradation'
      ? `${pct(m.leadShareMedian)} / ${pct(m.leadShareP10)} / ${pct(m.leadShareCeiling)}`
      : '',
    m.kind === 'sudden'
      ? `${num(m.delaySamplesMedian)} / ${num(m.delaySamplesMax)}; ${num(m.delayFromFailureMax)}`
      : '',
    num(m.rulRmseDays),
    m.rulLateShare === null ? '' : pct(m.rulLateShare),
    Object.entries(m.detectedBy)
      .sort((a, b) => b[1] - a[1])
      .map(([d, n]) => `${d} ${n}`)
      .join(', '),
  ]);
  const o = score.overall;
  const lines = [table([HEADER, ...rows]), ''];
  lines.push(
    `overall: ${o.faults} faults, ${o.detected} detected; ${o.alerts} alerts, precision ${fmt(o.precision)}; ` +
      `${o.falseAlarms} false alarms in ${Math.round(o.deviceDays).toLocaleString('en')} device-days = ` +
      `${o.falseAlarmsPer1000DeviceDays.toFixed(2)} per 1,000 device-days (${o.aftermath} more after failures, not counted)`,
    `degradation: ${o.degradation.faults} faults, recall ${fmt(o.degradation.recall)}, lead median ${num(o.degradation.leadMedianDays)} d / p10 ${num(o.degradation.leadP10Days)} d, ` +
      `${pct(o.degradation.leadShareMedian)} / ${pct(o.degradation.leadShareP10)} of span (the window allows ${pct(o.degradation.leadShareCeiling)}); ` +
      `RUL RMSE ${num(o.rulRmseDays)} d, ${pct(o.rulLateShare)} of predictions late`,
    `sudden: ${o.sudden.faults} faults, recall ${fmt(o.sudden.recall)}, delay median ${num(o.sudden.delaySamplesMedian)} samples, ${pct(o.sudden.withinTwoSamples)} within 2 samples of showing in the data`,
    '',
    'targets (issue #4):',
    ...checkTargets(score).map(
      (t) => `  ${t.met ? 'met    ' : 'NOT MET'}  ${t.target}: ${t.value}`,
    ),
  );
  return lines.join('\n') + '\n';
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, k) => Math.max(...rows.map((r) => r[k]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, k) => c.padEnd(widths[k]!)).join(' | ')} |`;
  return [
    line(rows[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

function fmt(x: number | null): string {
  return x === null ? '–' : x.toFixed(2);
}

function num(x: number | null): string {
  return x === null ? '–' : Math.abs(x) >= 10 ? x.toFixed(0) : x.toFixed(1);
}

function pct(x: number | null): string {
  return x === null ? '–' : `${Math.round(x * 100)} %`;
}

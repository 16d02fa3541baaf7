/**
 * Run-to-failure CSV: a header `unit,time,<sensor…>` then one row per observation. Units may
 * be interleaved; within a unit, time must increase from row to row. Errors name the file, the
 * line and the column, because the person reading them has a 20,000-line file.
 *
 * Also taken, for files as published (NASA's C-MAPSS `train_FD001.txt`): fields separated by
 * whitespace instead of commas, and no header when the first line is all numbers; the columns
 * are then named `unit`, `time`, `c3`, `c4`, … by position.
 */
export interface UnitSeries {
  unit: string;
  /** 1-based line of the unit's first row in its file. */
  line?: number;
  time: Float64Array;
  /** values[k][i] = sensor k at row i. */
  values: Float64Array[];
}

export interface RunData {
  sensors: string[];
  units: UnitSeries[];
}

/** A problem with an input file, already phrased for the user. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Parses the text of a run-to-failure CSV. `file` names it in error messages. */
export function parseRunCsv(text: string, file: string): RunData {
  const lines = text.split(/\r?\n/);
  const first = (lines[0] ?? '').replace(/^\uFEFF/, '').trim();
  const split = first.includes(',')
    ? (line: string) => line.split(',').map((f) => f.trim())
    : (line: string) => line.trim().split(/\s+/);
  const head = split(first);
  const headerless = head.length >= 3 && head.every((f) => f !== '' && Number.isFinite(Number(f)));
  const header = headerless
    ? head.map((_, i) => (i === 0 ? 'unit' : i === 1 ? 'time' : `c${i + 1}`))
    : head;
  if (
    header.length < 3 ||
    header[0]!.toLowerCase() !== 'unit' ||
    header[1]!.toLowerCase() !== 'time'
  ) {
    throw new InputError(
      `${file} line 1: header must be "unit,time,<sensor columns…>", got "${(lines[0] ?? '').slice(0, 200)}"`,
    );
  }
  const sensors = header.slice(2);
  const dup = sensors.find((s, i) => sensors.indexOf(s) !== i);
  if (dup !== undefined) throw new InputError(`${file} line 1: column "${dup}" appears twice`);
  const rows = new Map<string, { line: number; lastLine: number; t: number[]; v: number[][] }>();
  for (let ln = headerless ? 0 : 1; ln < lines.length; ln++) {
    const line = lines[ln]!.trim();
    if (line === '') continue;
    const f = split(line);
    if (f.length !== header.length) {
      throw new InputError(
        `${file} line ${ln + 1}: expected ${header.length} fields, got ${f.length}`,
      );
    }
    const unit = f[0]!;
    if (unit === '') throw new InputError(`${file} line ${ln + 1}: empty unit`);
    const t = Number(f[1]);
    if (f[1] === '' || !Number.isFinite(t))
      throw new InputError(`${file} line ${ln + 1}: time "${f[1]}" is not a number`);
    const v = new Array<number>(sensors.length);
    for (let k = 0; k < sensors.length; k++) {
      const x = Number(f[k + 2]);
      if (f[k + 2] === '' || !Number.isFinite(x))
        throw new InputError(
          `${file} line ${ln + 1}: column "${sensors[k]}" value "${f[k + 2]}" is not a number`,
        );
      v[k] = x;
    }
    let r = rows.get(unit);
    if (!r) rows.set(unit, (r = { line: ln + 1, lastLine: ln + 1, t: [], v: [] }));
    else if (t <= r.t[r.t.length - 1]!)
      throw new InputError(
        `${file} line ${ln + 1}: unit "${unit}" time ${f[1]} does not increase (line ${r.lastLine} has ${r.t[r.t.length - 1]})`,
      );
    r.lastLine = ln + 1;
    r.t.push(t);
    r.v.push(v);
  }
  if (rows.size === 0) throw new InputError(`${file}: no data rows`);
  const units: UnitSeries[] = [];
  for (const [unit, r] of rows) {
    units.push({
      unit,
      line: r.line,
      time: Float64Array.from(r.t),
      values: sensors.map((_, k) => Float64Array.from(r.v, (x) => x[k]!)),
    });
  }
  return { sensors, units };
}

/**
 * Formats predictions as CSV `unit,rul,rul_low,rul_high`: the point prediction, then the bounds
 * of its interval (the model's level, 80 % by default).
 */
export function formatPredictions(
  rows: ReadonlyArray<{ unit: string; rul: number; lower: number; upper: number }>,
): string {
  const f = (x: number) => Number(x.toFixed(3));
  return `unit,rul,rul_low,rul_high\n${rows.map((r) => `${r.unit},${f(r.rul)},${f(r.lower)},${f(r.upper)}`).join('\n')}\n`;
}

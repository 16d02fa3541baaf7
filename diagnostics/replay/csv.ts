/**
 * Run-to-failure CSV: a header `unit,time,<sensor…>` then one row per observation. Units may
 * be interleaved and rows unordered; each unit's rows are sorted by time here. Errors name
 * the file, the line and the column, because the person reading them has a 20,000-line file.
 */
export interface UnitSeries {
  unit: string;
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
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  if (
    header.length < 3 ||
    header[0]!.toLowerCase() !== 'unit' ||
    header[1]!.toLowerCase() !== 'time'
  ) {
    throw new InputError(
      `${file} line 1: header must be "unit,time,<sensor columns…>", got "${lines[0] ?? ''}"`,
    );
  }
  const sensors = header.slice(2);
  const dup = sensors.find((s, i) => sensors.indexOf(s) !== i);
  if (dup !== undefined) throw new InputError(`${file} line 1: column "${dup}" appears twice`);
  const rows = new Map<string, Array<{ t: number; v: number[] }>>();
  for (let ln = 1; ln < lines.length; ln++) {
    const line = lines[ln]!.trim();
    if (line === '') continue;
    const f = line.split(',');
    if (f.length !== header.length) {
      throw new InputError(
        `${file} line ${ln + 1}: expected ${header.length} fields, got ${f.length}`,
      );
    }
    const unit = f[0]!.trim();
    if (unit === '') throw new InputError(`${file} line ${ln + 1}: empty unit`);
    const t = Number(f[1]);
    if (f[1]!.trim() === '' || !Number.isFinite(t))
      throw new InputError(`${file} line ${ln + 1}: time "${f[1]}" is not a number`);
    const v = new Array<number>(sensors.length);
    for (let k = 0; k < sensors.length; k++) {
      const s = f[k + 2]!.trim();
      const x = Number(s);
      if (s === '' || !Number.isFinite(x))
        throw new InputError(
          `${file} line ${ln + 1}: column "${sensors[k]}" value "${s}" is not a number`,
        );
      v[k] = x;
    }
    let r = rows.get(unit);
    if (!r) rows.set(unit, (r = []));
    r.push({ t, v });
  }
  if (rows.size === 0) throw new InputError(`${file}: no data rows`);
  const units: UnitSeries[] = [];
  for (const [unit, r] of rows) {
    r.sort((a, b) => a.t - b.t);
    units.push({
      unit,
      time: Float64Array.from(r, (x) => x.t),
      values: sensors.map((_, k) => Float64Array.from(r, (x) => x.v[k]!)),
    });
  }
  return { sensors, units };
}

/** Formats predictions as `unit,rul` CSV. */
export function formatPredictions(rows: ReadonlyArray<{ unit: string; rul: number }>): string {
  return `unit,rul\n${rows.map((r) => `${r.unit},${Number(r.rul.toFixed(3))}`).join('\n')}\n`;
}

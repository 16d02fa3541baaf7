import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

/**
 * TEMPORARY, until `sanbao diagnose replay --save` lands (diagnostics/learn/): writes an
 * artefact of the stand-in format of diagnostics/models/learner.ts, fitted by least squares on
 * per-sensor EWMAs of a run-to-failure CSV with a capped remaining-life target. Only the
 * service side is under test with it; the learner's own quality is measured in bench/.
 */
export async function trainStandIn(trainCsv: string, out: string, cap: number): Promise<void> {
  const lines = (await readFile(trainCsv, 'utf8')).trim().split('\n');
  const sensors = lines[0]!.split(',').slice(2);
  const units = new Map<string, Array<{ t: number; v: number[] }>>();
  for (const l of lines.slice(1)) {
    const [u, t, ...v] = l.split(',');
    const rows = units.get(u!) ?? [];
    rows.push({ t: Number(t), v: v.map((x) => (x === '' ? Number.NaN : Number(x))) });
    units.set(u!, rows);
  }
  const alpha = 0.3;
  const warmup = 3;
  const X: number[][] = [];
  const y: number[] = [];
  for (const rows of units.values()) {
    const last = rows[rows.length - 1]!.t;
    const e = sensors.map(() => Number.NaN);
    rows.forEach((r, i) => {
      r.v.forEach((x, k) => {
        if (Number.isFinite(x)) e[k] = Number.isFinite(e[k]!) ? e[k]! + alpha * (x - e[k]!) : x;
      });
      if (i + 1 >= warmup && e.every(Number.isFinite)) {
        X.push([1, ...e]);
        y.push(Math.min(cap, last - r.t));
      }
    });
  }
  // Normal equations (a handful of features): solve (XᵀX) w = Xᵀy by Gaussian elimination.
  const p = X[0]!.length;
  const A = Array.from({ length: p }, (_, i) =>
    Array.from({ length: p + 1 }, (_, j) =>
      X.reduce((s, row, n) => s + row[i]! * (j < p ? row[j]! : y[n]!), 0),
    ),
  );
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[piv]![c]!)) piv = r;
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / A[c]![c]!;
      for (let j = c; j <= p; j++) A[r]![j] = A[r]![j]! - f * A[c]![j]!;
    }
  }
  const w = A.map((row, i) => row[p]! / row[i]!);
  const pred = X.map((row) =>
    Math.min(
      cap,
      Math.max(
        0,
        row.reduce((s, x, i) => s + x * w[i]!, 0),
      ),
    ),
  );
  const rmse = Math.sqrt(pred.reduce((s, q, i) => s + (q - y[i]!) ** 2, 0) / pred.length);
  const body = {
    format: 'sanbao.rul-model',
    formatVersion: 1,
    createdAt: new Date().toISOString(),
    sensors,
    rowInterval:
      lines.length > 2 ? Number(lines[2]!.split(',')[1]) - Number(lines[1]!.split(',')[1]) : 1,
    cap,
    training: {
      units: units.size,
      rows: lines.length - 1,
      seconds: 0,
      seed: 0,
      method: 'stand-in least squares on EWMAs',
    },
    cv: { folds: 1, rmse, phm08: 0, coverage: 0.8, level: 0.8, protocol: 'in-sample (stand-in)' },
    standIn: { alpha, bias: w[0]!, weights: w.slice(1), warmup },
  };
  const id = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
  await writeFile(out, JSON.stringify({ ...body, id }));
}

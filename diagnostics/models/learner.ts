import { z } from 'zod';

/**
 * The learner's run-time interface (diagnostics/learn/, /work/notes/learner-api.md): what an
 * artefact saved by `sanbao diagnose replay --save` is, and the streaming predictor the engine
 * runs per device. The service imports it from here only.
 *
 * STAND-IN until the learner lands: a linear model on per-sensor EWMAs with the documented
 * shape, so the service side can be built and tested. Replaced by a re-export of
 * `../learn/index.ts` when the learner is merged.
 */
export interface RulModelArtefact {
  format: 'sanbao.rul-model';
  formatVersion: 1;
  id: string;
  createdAt: string;
  sensors: string[];
  rowInterval: number;
  cap: number;
  training: { units: number; rows: number; seconds: number; seed: number; method: string };
  cv: {
    folds: number;
    rmse: number;
    phm08: number;
    coverage: number;
    level: number;
    protocol: string;
  };
}

export interface RulStream {
  readonly stateSize: number;
  init(state: Float64Array, offset: number): void;
  push(state: Float64Array, offset: number, row: ArrayLike<number>): void;
  predict(
    state: Float64Array,
    offset: number,
  ): { rul: number; lower: number; upper: number } | null;
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const StandInSchema = z.object({
  format: z.literal('sanbao.rul-model'),
  formatVersion: z.literal(1),
  id: z.string().regex(/^[0-9a-f]{16}$/),
  createdAt: z.iso.datetime(),
  sensors: z.array(z.string().min(1)).min(1),
  rowInterval: finite.positive(),
  cap: finite.positive(),
  training: z.object({
    units: z.number().int().positive(),
    rows: z.number().int().positive(),
    seconds: finite.nonnegative(),
    seed: z.number().int(),
    method: z.string(),
  }),
  cv: z.object({
    folds: z.number().int().positive(),
    rmse: finite.nonnegative(),
    phm08: finite.nonnegative(),
    coverage: finite.min(0).max(1),
    level: finite.gt(0).lt(1),
    protocol: z.string(),
  }),
  standIn: z.object({
    alpha: finite.gt(0).max(1),
    bias: finite,
    weights: z.array(finite),
    warmup: z.number().int().positive(),
  }),
});
type StandIn = z.infer<typeof StandInSchema>;

/** Parses an artefact; throws a ZodError whose issues carry the field paths. */
export function parseRulModel(json: unknown): RulModelArtefact {
  const a = StandInSchema.parse(json);
  if (a.standIn.weights.length !== a.sensors.length)
    throw new z.ZodError([
      {
        code: 'custom',
        path: ['standIn', 'weights'],
        message: `needs one weight per sensor (${a.sensors.length})`,
        input: a.standIn.weights,
      },
    ]);
  return a;
}

/** The streaming predictor of an artefact: EWMA per sensor, then the linear model. */
export function createRulStream(model: RulModelArtefact): RulStream {
  const { standIn: p, cap, cv } = model as RulModelArtefact & StandIn;
  const n = model.sensors.length;
  const half = 1.2816 * cv.rmse; // 80 % normal band
  return {
    stateSize: n + 1,
    init(s, o) {
      s.fill(Number.NaN, o, o + n);
      s[o + n] = 0;
    },
    push(s, o, row) {
      for (let k = 0; k < n; k++) {
        const x = row[k]!;
        if (!Number.isFinite(x)) continue;
        const e = s[o + k]!;
        s[o + k] = e === e ? e + p.alpha * (x - e) : x;
      }
      s[o + n] = s[o + n]! + 1;
    },
    predict(s, o) {
      if (s[o + n]! < p.warmup) return null;
      let y = p.bias;
      for (let k = 0; k < n; k++) {
        const e = s[o + k]!;
        if (e !== e) return null;
        y += p.weights[k]! * e;
      }
      const rul = Math.min(cap, Math.max(0, y));
      return { rul, lower: Math.max(0, rul - half), upper: rul + half };
    },
  };
}

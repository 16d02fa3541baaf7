import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * A learnt remaining-life model as a versioned, self-describing JSON document: what
 * `sanbao diagnose replay --save` writes and `POST /api/v1/diagnostics/models` takes. The
 * schema is the single definition; `parseRulModel` gives errors with the field path.
 */
const finite = z.number().finite();
const positive = finite.positive();

const TreeSchema = z
  .object({
    f: z.array(z.number().int().min(-1)),
    t: z.array(finite),
    l: z.array(z.number().int().min(-1)),
    r: z.array(z.number().int().min(-1)),
  })
  .superRefine((tree, ctx) => {
    const n = tree.f.length;
    if (n === 0) ctx.addIssue({ code: 'custom', message: 'a tree needs at least one node' });
    if (tree.t.length !== n || tree.l.length !== n || tree.r.length !== n)
      ctx.addIssue({ code: 'custom', message: 'f, t, l and r must have the same length' });
    for (let i = 0; i < n; i++) {
      if (tree.f[i]! < 0) continue;
      // Children come after their parent: evaluation always ends, no cycles.
      const l = tree.l[i]!;
      const r = tree.r[i]!;
      if (!(l > i && l < n && r > i && r < n)) {
        ctx.addIssue({
          code: 'custom',
          message: `node ${i}: children must be later nodes`,
          path: ['l', i],
        });
        return;
      }
    }
  });

export const RulModelSchema = z
  .object({
    format: z.literal('sanbao.rul-model'),
    formatVersion: z.literal(1),
    id: z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 lowercase hex digits'),
    createdAt: z.iso.datetime(),
    /** The input columns the model reads, in the order rows are pushed. */
    sensors: z.array(z.string().min(1).max(128)).min(1).max(200),
    /** Time between two rows, in the training file's time unit. */
    rowInterval: positive,
    /** Cap of the piecewise-linear target (file time units): predictions never exceed it. */
    cap: positive,
    features: z.object({
      mean: z.array(finite),
      sd: z.array(positive),
      window: z.number().int().min(1).max(10_000),
      spans: z.tuple([positive, positive]),
      slopeSpan: positive,
      elapsed: z.boolean(),
      rowInterval: positive,
    }),
    gbt: z.object({ base: finite, trees: z.array(TreeSchema).min(1).max(5000) }),
    interval: z.object({
      level: finite.gt(0).lt(1),
      /** Bins by predicted remaining life: up to `upTo` (null = the rest), residual quantiles. */
      bins: z.array(z.object({ upTo: positive.nullable(), lo: finite, hi: finite })).min(1),
    }),
    /** Per sensor, the spread of units' baselines (z units): the fleet's reference. */
    fleetBaseline: z.object({ mean: z.array(finite), sd: z.array(finite.min(0)) }),
    training: z.object({
      units: z.number().int().positive(),
      rows: z.number().int().positive(),
      seconds: finite.min(0),
      seed: z.number().int(),
      method: z.string(),
    }),
    cv: z.object({
      protocol: z.string(),
      folds: z.number().int().min(2),
      cutsPerUnit: z.number().int().positive(),
      horizon: positive,
      rmse: finite,
      phm08Per100: finite,
      bias: finite,
      coverage: finite.min(0).max(1),
      level: finite,
      lifeRmse: finite,
      lifePhm08Per100: finite,
    }),
  })
  .superRefine((m, ctx) => {
    const k = m.sensors.length;
    for (const key of ['mean', 'sd'] as const) {
      if (m.features[key].length !== k)
        ctx.addIssue({
          code: 'custom',
          path: ['features', key],
          message: `expected ${k} values, one per sensor`,
        });
      if (m.fleetBaseline[key].length !== k)
        ctx.addIssue({
          code: 'custom',
          path: ['fleetBaseline', key],
          message: `expected ${k} values, one per sensor`,
        });
    }
    const width = k * 5 + (m.features.elapsed ? 1 : 0);
    m.gbt.trees.forEach((tree, i) => {
      if (tree.f.some((f) => f >= width))
        ctx.addIssue({
          code: 'custom',
          path: ['gbt', 'trees', i, 'f'],
          message: `feature index beyond the ${width} features`,
        });
    });
    if (m.sensors.some((s, i) => m.sensors.indexOf(s) !== i))
      ctx.addIssue({ code: 'custom', path: ['sensors'], message: 'sensor names must be unique' });
  });

export type RulModelArtefact = z.infer<typeof RulModelSchema>;

/** A model document that is not a valid artefact; `issues` name the field paths. */
export class RulModelError extends Error {
  override readonly name = 'RulModelError';
  constructor(readonly issues: Array<{ path: string; message: string }>) {
    super(issues.map((i) => `${i.path || '(model)'}: ${i.message}`).join('; '));
  }
}

/** Validates a model document (parsed JSON); checks its id against its content. */
export function parseRulModel(json: unknown): RulModelArtefact {
  const r = RulModelSchema.safeParse(json);
  if (!r.success) {
    throw new RulModelError(
      r.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  const expected = modelId(r.data);
  if (expected !== r.data.id)
    throw new RulModelError([
      {
        path: 'id',
        message: `does not match the content (expected ${expected}): edited or damaged`,
      },
    ]);
  return r.data;
}

/**
 * Content id: sha256 of the document without `id`, `createdAt` and `training.seconds`, keys
 * sorted, first 16 hex digits. The same training data and seed give the same id.
 */
export function modelId(
  m: Omit<RulModelArtefact, 'id' | 'createdAt'> & Partial<RulModelArtefact>,
): string {
  const { id: _id, createdAt: _at, training, ...content } = m;
  void _id;
  void _at;
  const { seconds: _s, ...trainingContent } = training;
  void _s;
  return createHash('sha256')
    .update(canonicalJson({ ...content, training: trainingContent }))
    .digest('hex')
    .slice(0, 16);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

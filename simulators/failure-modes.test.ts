import { describe, expect, it } from 'vitest';
import { CATEGORIES, METRICS } from '../core/categories.ts';
import { FAILURE_MODES, failureModesFor, severityAt } from './failure-modes.ts';
import { applicableModes } from './fleet.ts';
import { MODELS } from './models/index.ts';

describe('failure-mode catalogue', () => {
  it.each(CATEGORIES)('%s has ≥ 3 modes, both degradation and sudden, unique ids', (category) => {
    const modes = failureModesFor(category);
    expect(modes.length).toBeGreaterThanOrEqual(3);
    expect(new Set(modes.map((m) => m.kind))).toEqual(new Set(['degradation', 'sudden']));
    expect(new Set(modes.map((m) => m.id)).size).toBe(modes.length);
  });

  it('every effect moves a metric that some model of the category reports, within ingest ranges', () => {
    for (const mode of FAILURE_MODES) {
      const reported = new Set(MODELS[mode.category].flatMap((m) => Object.keys(m.model.metrics)));
      for (const e of mode.effects) {
        expect(reported, `${mode.category}/${mode.id} ${e.metric}`).toContain(e.metric);
        const spec = METRICS[mode.category][e.metric];
        if (spec && e.op === 'set') expect(e.value).toBeGreaterThanOrEqual(spec.min);
      }
    }
  });

  it('every mode applies to at least one product model', () => {
    for (const mode of FAILURE_MODES) {
      const models = MODELS[mode.category].map((m) => m.model);
      expect(
        models.some((m) => applicableModes(m).includes(mode)),
        `${mode.category}/${mode.id}`,
      ).toBe(true);
    }
  });

  it('degradation curves grow monotonically from 0 to 1 at functional failure', () => {
    for (const curve of ['linear', 'accelerating'] as const) {
      let prev = -1;
      for (let p = 0; p <= 1.0001; p += 0.05) {
        const s = severityAt({ curve }, p);
        expect(s).toBeGreaterThan(prev);
        prev = s;
      }
      expect(severityAt({ curve }, 1)).toBeCloseTo(1, 9);
    }
    expect(severityAt({ curve: 'step' }, 0.001)).toBe(1);
  });
});

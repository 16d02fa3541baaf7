import { describe, expect, it } from 'vitest';
import { CATEGORIES, METRICS } from '../../core/categories.ts';
import { FAILURE_MODES } from '../../simulators/failure-modes.ts';
import { CategoryProfileSchema, PROFILES } from './index.ts';
import { airConditionerProfile } from './air-conditioner.ts';
import { BUILTIN_MODES } from './builtin.ts';
import { COMPONENT_NAMES, componentName, PART_NAMES_ZH, partName } from './names.ts';

/**
 * Effects the profiles deliberately do not use as indicators, with the reason. Anything else
 * the simulators move must be watched by the mode's profile.
 */
const NOT_INDICATORS: Record<string, string> = {
  // The heater's state is not reported apart from its power, so "0 W while heating" cannot be
  // told from a cold programme; the machine's HE code carries this mode.
  'washing_machine/heater_failure/heater_power_w': 'unobservable condition',
  'washing_machine/heater_failure/water_temp_c': 'unobservable condition',
  // Luminance is judged per backlight milliamp: both move, the ratio carries the mode.
};

describe('failure-mode profiles', () => {
  it('every category has exactly one valid profile', () => {
    expect(PROFILES.map((p) => p.category).sort()).toEqual([...CATEGORIES].sort());
  });

  it('every simulated failure mode has a profile with its component, codes and metrics', () => {
    for (const fm of FAILURE_MODES) {
      const where = `${fm.category}/${fm.id}`;
      const mode = PROFILES.find((p) => p.category === fm.category)?.modes.find(
        (m) => m.id === fm.id,
      );
      expect(mode, where).toBeDefined();
      expect(mode!.kind, where).toBe(fm.kind);
      expect(mode!.component, where).toBe(fm.component);
      expect(mode!.mainPart, where).toBe(fm.mainPart);
      // Wear-out that accelerates is extrapolated as such (RUL); the rest as a straight line.
      if (fm.kind === 'degradation')
        expect(mode!.growth ?? 'linear', where).toBe(
          fm.curve === 'accelerating' ? 'accelerating' : 'linear',
        );
      for (const c of fm.codes)
        expect(mode!.faultCodes, `${where} code ${c.code}`).toContain(c.code);
      for (const e of fm.effects) {
        if (`${where}/${e.metric}` in NOT_INDICATORS) continue;
        const ind = mode!.indicators.find((i) => i.metric === e.metric);
        expect(ind, `${where} indicator ${e.metric}`).toBeDefined();
        expect(ind!.direction, `${where} ${e.metric}`).toBe(e.direction);
      }
    }
  });

  it('profiles only name metrics the category reports', () => {
    for (const p of PROFILES) {
      const known = new Set(Object.keys(METRICS[p.category]));
      const used = [
        ...p.watch,
        ...Object.values(p.conditions)
          .flat(2)
          .map((c) => c.metric),
        ...p.modes.flatMap((m) => [
          ...m.indicators.flatMap((i) => [i.metric, i.minus, i.per]),
          ...m.limits.map((l) => l.metric),
        ]),
      ].filter((x): x is string => x !== undefined);
      for (const m of used) expect(known.has(m), `${p.category}: ${m}`).toBe(true);
    }
  });

  it('rejects bad profiles with a precise message', () => {
    const bad = structuredClone(airConditionerProfile);
    bad.modes[0]!.indicators[0] = { metric: 'x', direction: 'up' };
    const r = CategoryProfileSchema.safeParse(bad);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('exactly one of failureDelta');
    const undefinedCondition = structuredClone(airConditionerProfile);
    undefinedCondition.modes[0]!.indicators[0]!.when = 'defrosting';
    expect(CategoryProfileSchema.safeParse(undefinedCondition).success).toBe(false);
  });
});

describe('names in both languages (the pages speak zh and en)', () => {
  it('every built-in component and part has a Chinese name; every metric a profile names exists', () => {
    const modes = [...PROFILES.flatMap((p) => p.modes), ...BUILTIN_MODES.values()];
    for (const m of modes) {
      expect(COMPONENT_NAMES[m.component], `${m.id} component ${m.component}`).toBeDefined();
      for (const part of m.parts)
        expect(
          typeof part === 'string' ? PART_NAMES_ZH[part] : part.zh,
          `${m.id} part`,
        ).toBeTruthy();
      expect(m.name.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(m.action.zh).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(partName('fan motor')).toEqual({ zh: '风机电机', en: 'fan motor' });
    expect(partName({ zh: '风扇皮带', en: 'fan belt' })).toEqual({
      zh: '风扇皮带',
      en: 'fan belt',
    });
    expect(componentName('fan_belt')).toEqual({ zh: 'fan belt', en: 'fan belt' });
    // Uploaded profiles are held to the same metrics (diagnostics catalogue): so are these.
    for (const p of PROFILES) {
      const known = METRICS[p.category];
      const named = [
        ...p.watch,
        ...Object.values(p.conditions).flatMap((alts) => alts.flat().map((t) => t.metric)),
        ...p.modes.flatMap((m) => [
          ...m.indicators.flatMap((i) => [i.metric, i.minus, i.per]),
          ...m.limits.map((l) => l.metric),
        ]),
      ].filter((x): x is string => x !== undefined);
      for (const metric of named) expect(known[metric], `${p.category} ${metric}`).toBeDefined();
    }
  });
});

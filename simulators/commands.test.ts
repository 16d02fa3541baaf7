import { describe, expect, it } from 'vitest';
import { answerCommand } from './commands.ts';
import { createSimDevice, sampleDevice, type Reading } from './device.ts';
import { FAILURE_MODES } from './failure-modes.ts';
import { applicableModes, planFleet } from './fleet.ts';

const START = Date.UTC(2025, 6, 1);
const DAY = 86_400_000;
const STEP = 600_000; // 10-minute samples

/** A sudden fault that only shifts metrics (no model-state effect) and reports plain codes. */
const MODE = FAILURE_MODES.find(
  (m) =>
    m.kind === 'sudden' &&
    m.codes.length > 0 &&
    m.codes.every((c) => !c.monitor) &&
    m.effects.every((e) => e.op !== 'model'),
);

describe('simulator commands', () => {
  it('repair clears the injected fault: codes stop, readings match the fault-free twin', () => {
    expect(MODE, 'a sudden shift-only fault in the catalogue').toBeDefined();
    const mode = MODE!;
    // The first seed that draws a product variant the mode fits.
    const base = [1, 2, 3, 4, 5, 6, 7, 8]
      .map(
        (seed) =>
          planFleet({
            devices: 1,
            mix: { [mode.category]: 1 },
            faults: 0,
            seed,
            start: START,
            end: START + 2 * DAY,
          })[0],
      )
      .find((d) => d && applicableModes(d.model).some((m) => m.id === mode.id));
    expect(base).toBeDefined();
    const onset = START + 6 * 3_600_000;
    const healthy = createSimDevice(base!, 600);
    const faulty = createSimDevice({ ...base!, fault: { mode, onset, failureAt: onset } }, 600);
    const target = (recent: Reading[]) => ({ sim: faulty, recent, backlog: 0 });

    let t = START;
    const recent: Reading[] = [];
    let codes = 0;
    for (; t < onset + DAY; t += STEP) {
      sampleDevice(healthy, t);
      const out = sampleDevice(faulty, t);
      recent.push(out.reading);
      codes += out.events.length;
    }
    expect(codes).toBeGreaterThan(0);
    const before = answerCommand('self_test', {}, target(recent));
    expect(before).toMatchObject({ ok: true, result: { passed: false } });

    // The wrong part fixes nothing.
    expect(answerCommand('repair', { component: 'not_this_part' }, target(recent))).toEqual({
      ok: true,
      result: { repaired: null },
    });
    expect(faulty.fault).toBeDefined();
    expect(answerCommand('repair', { component: 7 }, target(recent))).toMatchObject({ ok: false });

    expect(answerCommand('repair', { component: mode.component }, target(recent))).toEqual({
      ok: true,
      result: { repaired: { mode: mode.id, component: mode.component } },
    });
    let differing = 0;
    for (const end = t + DAY; t < end; t += STEP) {
      const h = sampleDevice(healthy, t);
      const f = sampleDevice(faulty, t);
      expect(f.events).toEqual([]);
      if (JSON.stringify(f.reading) !== JSON.stringify(h.reading)) differing++;
    }
    expect(differing).toBe(0);
    expect(answerCommand('self_test', {}, target(recent))).toMatchObject({
      ok: true,
      result: { passed: true, codes: [] },
    });
    // A second repair finds nothing to fix.
    expect(answerCommand('repair', undefined, target(recent))).toEqual({
      ok: true,
      result: { repaired: null },
    });
  });
});

import { z } from 'zod';
import type { Reading, SimDevice } from './device.ts';
import { progressAt } from './faults.ts';

/** What a command handler can see of a device. */
export interface CommandTarget {
  sim: SimDevice;
  recent: readonly Reading[];
  backlog: number;
}

/** A reply body without its requestId. */
export type CommandResult = { ok: true; result: unknown } | { ok: false; error: string };

const DumpArgs = z
  .object({ count: z.number().int().min(1).max(10).default(10) })
  .default({ count: 10 });
const IntervalArgs = z.object({ seconds: z.number().min(1).max(86_400) });
const RepairArgs = z.object({ component: z.string().min(1).max(128).optional() }).default({});

/**
 * Remote diagnosis commands a simulated device answers:
 * - `self_test`: runs the device's own checks: the fault codes currently active and the
 *   last reading; `passed` is false when a code is active;
 * - `dump`: the last readings (`args.count`, 1–10, default 10);
 * - `set_interval`: changes the sampling interval (`args.seconds`, simulated seconds);
 * - `repair` (simulation only): stands for the technician's visit, which a real device gets by
 *   hand, not over MQTT. The injected fault is cleared, its codes stop and its shifts leave the
 *   metrics from the next reading on, so a repair the demo's service desk records is followed
 *   by healthy telemetry, as after a real repair. `args.component`, when given, must name the
 *   faulty component (a repair of the wrong part fixes nothing).
 */
export function answerCommand(name: string, args: unknown, target: CommandTarget): CommandResult {
  const { sim } = target;
  switch (name) {
    case 'self_test': {
      const last = target.recent[target.recent.length - 1];
      const t = last?.ts ?? sim.lastT ?? 0;
      const fault = sim.fault;
      const span = fault ? fault.failureAt - fault.onset : 0;
      const codes = fault
        ? fault.mode.codes
            .filter((c, i) =>
              c.monitor
                ? sim.due[i] === Infinity // reported once its monitor tripped
                : progressAt(fault, t) >= c.atProgress &&
                  t >= fault.onset + c.atProgress * span + c.delayHours * 3_600_000,
            )
            .map((c) => c.code)
        : [];
      return {
        ok: true,
        result: {
          passed: codes.length === 0,
          codes,
          model: sim.params.model,
          serial: sim.params.serial,
          lastReading: last ?? null,
          backlog: target.backlog,
        },
      };
    }
    case 'dump': {
      const parsed = DumpArgs.safeParse(args ?? undefined);
      if (!parsed.success) return { ok: false, error: 'args.count must be an integer 1–10' };
      return { ok: true, result: { readings: target.recent.slice(-parsed.data.count) } };
    }
    case 'set_interval': {
      const parsed = IntervalArgs.safeParse(args);
      if (!parsed.success) return { ok: false, error: 'args.seconds must be a number 1–86400' };
      const previous = sim.intervalS;
      sim.intervalS = parsed.data.seconds;
      return { ok: true, result: { intervalS: sim.intervalS, previousIntervalS: previous } };
    }
    case 'repair': {
      const parsed = RepairArgs.safeParse(args ?? undefined);
      if (!parsed.success) return { ok: false, error: 'args.component must be a string' };
      const fault = sim.fault;
      const wanted = parsed.data.component;
      if (!fault || (wanted !== undefined && wanted !== fault.mode.component))
        return { ok: true, result: { repaired: null } };
      sim.fault = undefined;
      sim.due = [];
      return {
        ok: true,
        result: { repaired: { mode: fault.mode.id, component: fault.mode.component } },
      };
    }
    default:
      return { ok: false, error: `unknown command ${name}` };
  }
}

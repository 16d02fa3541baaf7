import type { AlertCandidate } from '../types.ts';
import { createDiagnosticsEngine } from '../engine.ts';
import { CategoryProfileSchema, type CategoryProfileInput } from '../profiles/schema.ts';
import type { FleetReferences } from '../engine/plan.ts';
import { graceEnd, scoreRun, type AlertRecord, type RulCheckpoint, type Score } from './score.ts';
import { planRun, simulateDevice, type FleetRun } from './simulate.ts';

/** One evaluation pass of the engine over a simulated fleet with known faults. */
export interface PassOptions {
  run: FleetRun;
  profiles: readonly CategoryProfileInput[];
  /** Healthy baselines per product model learnt from a training fleet (calibrate-fleet.ts). */
  references?: FleetReferences;
  /** An alert on the wrong mode is dismissed by an engineer this long after it opened. */
  dismissAfterMs: number;
  /** How often a detected degradation's predicted failure time is read (RUL checkpoints). */
  rulEveryMs: number;
  graceMs: number;
  onProgress?: (p: Progress) => void;
}

export interface Progress {
  devicesDone: number;
  devices: number;
  samples: number;
}

export interface PassResult {
  score: Score;
  alerts: AlertRecord[];
  samples: number;
  cpuMs: number;
}

/**
 * Feeds every device of the run through one engine, as the service does (samples, then the
 * codes reported with them), and records each alert the engine opens. The harness plays the
 * engineer: an alert that names the wrong mode (or comes before the fault began) is dismissed
 * after `dismissAfterMs`, which closes the engine's candidate so the mode can alert again; an
 * alert that found the fault stays open until repair. Ground truth is read here, never inside
 * the engine.
 */
export function evaluatePass(opts: PassOptions): PassResult {
  const { run } = opts;
  const { fleet, truth } = planRun(run);
  const engine = createDiagnosticsEngine({
    profiles: profilesAt(opts.profiles, run.intervalS),
    ...(opts.references ? { references: opts.references } : {}),
  });
  const truthById = new Map(truth.map((t) => [t.deviceId, t]));
  const alerts: AlertRecord[] = [];
  const rul: RulCheckpoint[] = [];
  let samples = 0;
  const cpu0 = process.cpuUsage();
  fleet.forEach((d, i) => {
    const deviceId = d.params.serial;
    const t = truthById.get(deviceId);
    const dismiss: Array<{ mode: string; at: number }> = [];
    let detectedAt = Number.NaN;
    let nextRul = Number.NaN;
    const take = (cands: readonly AlertCandidate[]): void => {
      for (const c of cands) {
        if (c.revision !== 1) continue; // an escalation of an alert already counted
        alerts.push({
          deviceId,
          category: c.category,
          mode: c.modeId,
          ts: c.ts,
          detector: c.evidence[0]?.detector ?? 'unknown',
          metrics: c.evidence[0]?.metrics ?? [],
        });
        const right =
          t !== undefined &&
          c.modeId === t.mode &&
          c.ts >= (t.kind === 'sudden' ? t.failureAt : Math.max(t.onset, run.start)) &&
          c.ts <= graceEnd(t, opts);
        if (right && Number.isNaN(detectedAt)) {
          detectedAt = c.ts;
          nextRul = c.ts;
        } else if (!right) dismiss.push({ mode: c.modeId, at: c.ts + opts.dismissAfterMs });
      }
    };
    const { observableAt } = simulateDevice(run, d, {
      sample(s) {
        for (let k = dismiss.length - 1; k >= 0; k--) {
          if (dismiss[k]!.at <= s.ts) {
            engine.close(deviceId, dismiss[k]!.mode);
            dismiss.splice(k, 1);
          }
        }
        take(engine.process(s));
        if (t && s.ts >= nextRul && s.ts <= t.failureAt && t.kind === 'degradation') {
          const c = engine.openCandidates(deviceId).find((x) => x.modeId === t.mode);
          if (c?.predictedFailure)
            rul.push({ deviceId, ts: s.ts, predictedFailureAt: c.predictedFailure.at });
          nextRul = s.ts + opts.rulEveryMs;
        }
        if ((++samples & 0xffff) === 0)
          opts.onProgress?.({ devicesDone: i, devices: fleet.length, samples });
      },
      event(e) {
        take(engine.processEvent(e));
      },
      observable(ts) {
        if (t) t.observableAt = ts; // before the sample's alerts are judged
      },
    });
    if (t && observableAt !== undefined) t.observableAt = observableAt;
  });
  const cpu = process.cpuUsage(cpu0);
  opts.onProgress?.({ devicesDone: fleet.length, devices: fleet.length, samples });
  const score = scoreRun({
    truth,
    alerts,
    rul,
    start: run.start,
    end: run.end,
    devices: fleet.length,
    graceMs: opts.graceMs,
    modeKinds: new Map(
      opts.profiles.flatMap((p) =>
        CategoryProfileSchema.parse(p).modes.map((m) => [`${p.category}/${m.id}`, m.kind] as const),
      ),
    ),
  });
  return { score, alerts, samples, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/**
 * The profiles as deployed for a fleet that reports every `intervalS` seconds: the expected
 * interval (gap detection, warm-up length in samples) is a property of the deployment.
 */
export function profilesAt(
  profiles: readonly CategoryProfileInput[],
  intervalS: number | undefined,
): CategoryProfileInput[] {
  return profiles.map((p) =>
    intervalS === undefined ? p : { ...p, expectedIntervalMs: intervalS * 1000 },
  );
}

/**
 * Simulated time. `speed` is simulated seconds per real second (1 = real time, 86400 = a day
 * per second); simulated time starts at `start` (epoch ms) when the clock starts. The real
 * time source is injected so tests can drive it.
 */
export class SimClock {
  private realStart: number;

  constructor(
    readonly start: number,
    readonly speed: number,
    private readonly realNow: () => number = () => performance.now(),
  ) {
    if (!(speed > 0)) throw new Error('speed must be > 0');
    this.realStart = realNow();
  }

  /** Simulated epoch ms now. */
  now(): number {
    return this.start + (this.realNow() - this.realStart) * this.speed;
  }

  /** Real milliseconds until simulated time reaches t (0 if already past). */
  realDelayUntil(t: number): number {
    return Math.max(0, (t - this.now()) / this.speed);
  }
}

/** Parses a duration such as `90s`, `10m`, `2h`, `3d` or plain seconds; returns milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new Error(`bad duration "${text}": use e.g. 90s, 10m, 2h, 1d`);
  const unit = m[2] ?? 's';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit] ?? 1000;
  return Number(m[1]) * factor;
}

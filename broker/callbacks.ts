import type { FastifyBaseLogger } from 'fastify';
import type { ClientState } from './client-state.ts';

/** Adapts an async hook to aedes's callback style: called back exactly once (docs/style.md §8). */
export function once<A extends unknown[], R>(fn: (...a: A) => Promise<R>, log: FastifyBaseLogger) {
  return (cb: (err: Error | null, r?: R) => void, ...a: A): void => {
    fn(...a).then(
      (r) => cb(null, r),
      (err: unknown) => cb(asError(err, log)),
    );
  };
}

/** What a hook throws, as the Error aedes's callbacks take. */
export function asError(err: unknown, log: FastifyBaseLogger): Error {
  if (err instanceof Error) return err;
  log.error({ err }, 'broker hook threw a non-error');
  return new Error(String(err));
}

/**
 * Publishes waiting for the spool's group commit (QoS 1/2) or for ingest to catch up (paced
 * QoS 0). Every message of a group shares one promise, so one `then` per group calls them all
 * back in order, instead of a promise and two closures per message.
 */
export class GroupAcks {
  private group?: Promise<void>;
  private waiting: Array<{ st: ClientState; done: (err?: Error | null) => void }> = [];

  constructor(private readonly log: FastifyBaseLogger) {}

  add(durable: Promise<void>, st: ClientState, done: (err?: Error | null) => void): void {
    if (durable !== this.group) {
      this.group = durable;
      const waiting: typeof this.waiting = (this.waiting = []);
      durable.then(
        () => this.settle(waiting, null),
        (err: unknown) => this.settle(waiting, asError(err, this.log)),
      );
    }
    this.waiting.push({ st, done });
  }

  private settle(waiting: typeof this.waiting, err: Error | null): void {
    let thrown: unknown;
    for (const w of waiting) {
      w.st.inflight--;
      try {
        w.done(err);
      } catch (e) {
        thrown ??= e; // the others are still called back; the first failure surfaces after
      }
    }
    if (thrown !== undefined) throw thrown;
  }
}

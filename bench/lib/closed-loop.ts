import { performance } from 'node:perf_hooks';
import { cpuSeconds } from './proc.ts';

export interface LoopResult {
  requests: number;
  errors: number;
  firstError: string;
  seconds: number;
  /** Sorted, milliseconds. */
  latencies: number[];
  /** CPU seconds the service process used during the run. */
  serviceCpu: number;
  /** Bytes of the last response body. */
  bytes: number;
  /** The first 200 answer's body, as text. */
  firstBody: string | undefined;
}

/**
 * Closed-loop HTTP client: `concurrency` workers, each sending its next GET as soon as the
 * previous answer has been read in full. Stops after `requests` answers or when `seconds` have
 * passed (a request under way is finished), whichever comes first, but not before every worker
 * has had one answer.
 */
export async function closedLoop(opts: {
  url: () => string;
  token: string;
  pid: number;
  concurrency: number;
  requests: number;
  seconds: number;
}): Promise<LoopResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError = '';
  let bytes = 0;
  let firstBody: string | undefined;
  let started = 0;
  const cpu0 = cpuSeconds(opts.pid);
  const start = performance.now();
  const end = start + opts.seconds * 1000;
  const worker = async () => {
    let mine = 0;
    while (started < opts.requests && (mine === 0 || performance.now() < end)) {
      started++;
      mine++;
      const url = opts.url();
      const t = performance.now();
      const r = await fetch(url, { headers: { authorization: `Bearer ${opts.token}` } });
      const body = await r.arrayBuffer();
      latencies.push(performance.now() - t);
      bytes = body.byteLength;
      if (r.status === 200 && firstBody === undefined) firstBody = Buffer.from(body).toString();
      if (r.status !== 200) {
        errors++;
        firstError ||= `${url}: ${r.status} ${Buffer.from(body).toString().slice(0, 300)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return {
    requests: latencies.length,
    errors,
    firstError,
    seconds: (performance.now() - start) / 1000,
    latencies: latencies.sort((a, b) => a - b),
    serviceCpu: cpuSeconds(opts.pid) - cpu0,
    bytes,
    firstBody,
  };
}

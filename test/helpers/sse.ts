/** One server-sent event as the alert stream sends it (`event:` and JSON `data:`). */
export interface StreamEvent<T = { type: string; alert: { id: string; deviceId: string } }> {
  event: string;
  data: T;
}

/**
 * Opens `/api/v1/alerts/stream` at `base` with `token` and reads its events into `events` until
 * `signal` aborts. Resolves once the stream answered 200; `done` settles when it ends.
 */
export async function openAlertStream(
  base: string,
  token: string,
  events: StreamEvent[],
  signal: AbortSignal,
): Promise<{ done: Promise<void> }> {
  const res = await fetch(`${base}/api/v1/alerts/stream`, {
    headers: { authorization: `Bearer ${token}` },
    signal,
  });
  if (res.status !== 200) throw new Error(`alert stream at ${base}: ${res.status}`);
  const reader = res.body!.getReader();
  let buf = '';
  const done = (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      buf += Buffer.from(value!).toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const lines = buf.slice(0, i).split('\n');
        buf = buf.slice(i + 2);
        const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
        const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
        if (event && data) events.push({ event, data: JSON.parse(data) as StreamEvent['data'] });
      }
    }
  })();
  return { done };
}

import type { AlertNotification } from './api-types.ts';

/**
 * The live alert stream (`GET /api/v1/alerts/stream`, server-sent events) read with fetch:
 * EventSource cannot send an Authorization header, and a token in the URL would end up in
 * access logs. Parses the event-stream format (WHATWG HTML §9.2.6: lines, blank line ends an
 * event, `:` comments) and reconnects after the server's `retry:` delay, or 5 s, when the
 * stream drops.
 */
export type StreamState = 'connecting' | 'live' | 'down' | 'denied';

export interface AlertStreamOptions {
  headers: () => Record<string, string>;
  onNotification: (n: AlertNotification) => void;
  onState: (s: StreamState) => void;
}

/** Starts reading; returns the function that stops it. */
export function openAlertStream(o: AlertStreamOptions): () => void {
  const abort = new AbortController();
  let retryMs = 5000;
  let stopped = false;

  const dispatch = (block: string) => {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split(/\r\n|\r|\n/)) {
      if (line === '' || line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value);
    }
    if (data.length === 0 || !event.startsWith('alert.')) return;
    try {
      o.onNotification(JSON.parse(data.join('\n')) as AlertNotification);
    } catch {
      // a malformed event is skipped; the next one still counts
    }
  };

  const run = async () => {
    while (!stopped) {
      o.onState('connecting');
      try {
        const res = await fetch('/api/v1/alerts/stream', {
          headers: { accept: 'text/event-stream', ...o.headers() },
          signal: abort.signal,
        });
        // A refused token stays refused: stop rather than knock every few seconds.
        if (res.status === 401 || res.status === 403) {
          o.onState('denied');
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        o.onState('live');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buf += value;
          let end: RegExpExecArray | null;
          while ((end = /\r\n\r\n|\n\n|\r\r/.exec(buf))) {
            dispatch(buf.slice(0, end.index));
            buf = buf.slice(end.index + end[0].length);
          }
        }
      } catch {
        if (stopped) return;
      }
      if (stopped) return;
      o.onState('down');
      await new Promise((r) => setTimeout(r, retryMs));
    }
  };
  void run();
  return () => {
    stopped = true;
    abort.abort();
  };
}

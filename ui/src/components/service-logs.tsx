// Live logs of all of a service's replicas, merged in time order by the server (GET …/service/NAME/logs,
// NDJSON; with follow=true it stays open and sends each new line). A fetch with the bearer header, not an
// EventSource. The page keeps the last MAX_LINES; "Follow" off stops the stream and keeps what is shown.
// Log text is rendered as text, never as HTML.
import { useEffect, useRef, useState } from 'preact/hooks';
import { streamLines } from '../api';
import type { LogLineWire } from '../models';

export const MAX_LINES = 500;
const TAIL = 200;
const RETRY_MS = 2000;

interface Shown extends LogLineWire {
  key: number;
}

export function ServiceLogs({ ns, svc }: { ns: string; svc: string }) {
  const [lines, setLines] = useState<Shown[]>([]);
  const [follow, setFollow] = useState(true);
  const [state, setState] = useState<'loading' | 'following' | 'stopped' | 'reconnecting'>('loading');
  const [error, setError] = useState<string | undefined>();
  const box = useRef<HTMLDivElement>(null);
  // The newest time seen (to resume from), and the lines shown (a resumed stream repeats a few).
  const last = useRef<{ time: string; seen: Set<string>; order: string[] }>({ time: '', seen: new Set(), order: [] });
  const counter = useRef(0);

  useEffect(() => {
    const ctl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const base = `/namespace/${encodeURIComponent(ns)}/service/${encodeURIComponent(svc)}/logs`;
    const run = async (): Promise<void> => {
      if (!follow && last.current.time) return setState('stopped'); // what is shown stays
      // Resuming after a dropped stream: from the second of the last line seen, skipping lines already shown.
      const since = last.current.time ? `&since=${Math.floor(Date.parse(last.current.time) / 1000)}` : `&tail=${TAIL}`;
      const q = follow ? `?follow=true${since}` : `?tail=${TAIL}`;
      try {
        setState(follow ? 'following' : 'loading');
        const batch: Shown[] = [];
        let flush: ReturnType<typeof setTimeout> | undefined;
        const push = () => {
          flush = undefined;
          const add = batch.splice(0);
          setLines((prev) => [...prev, ...add].slice(-MAX_LINES));
        };
        await streamLines<LogLineWire>(base + q, (l) => {
          const id = `${l.time} ${l.pod} ${l.container} ${l.line}`;
          const seen = last.current;
          if (seen.seen.has(id)) return;
          if (l.time > seen.time) seen.time = l.time;
          seen.seen.add(id);
          seen.order.push(id);
          if (seen.order.length > 2 * MAX_LINES) for (const old of seen.order.splice(0, MAX_LINES)) seen.seen.delete(old);
          batch.push({ ...l, key: counter.current++ });
          flush ??= setTimeout(push, 50); // lines arriving together render together
        }, ctl.signal, () => setError(undefined));
        if (flush) (clearTimeout(flush), push());
      } catch (e) {
        if (ctl.signal.aborted) return;
        const status = (e as { status?: number }).status;
        // The server's refusal is shown with its reason; a dropped connection is only retried.
        if (status !== undefined) setError((e as Error).message);
        if (status === 401 || status === 403 || status === 404) return setState('stopped');
      }
      if (ctl.signal.aborted) return;
      if (!follow) return setState('stopped');
      // The stream ended (the server went away, or restarted): open it again.
      setState('reconnecting');
      timer = setTimeout(() => void run(), RETRY_MS);
    };
    void run();
    return () => {
      ctl.abort();
      clearTimeout(timer);
    };
  }, [ns, svc, follow]);

  // Following: keep the newest line in view.
  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines, follow]);

  return (
    <section aria-labelledby="svc-logs-h">
      <h2 id="svc-logs-h">Logs</h2>
      <div class="service-logbar">
        <label><input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} /> Follow</label>
        <span role="status" data-testid="log-state">
          {state === 'following' ? 'Following all replicas' : state === 'reconnecting' ? 'Log stream ended — reconnecting…' : state === 'loading' ? 'Loading…' : 'Not following'}
          {` · the last ${MAX_LINES} lines are kept`}
        </span>
        <button type="button" onClick={() => setLines([])}>Clear</button>
      </div>
      {error && <p role="alert" class="error">{error}</p>}
      <div class="service-log" ref={box} tabIndex={0} role="log" aria-label={`Log lines of ${svc}, all replicas`} data-testid="logs">
        {lines.length === 0 ? <p class="help">No log lines yet.</p> : lines.map((l) => (
          <div key={l.key} class={l.stream === 'stderr' ? 'service-logline err' : 'service-logline'}>
            <span class="service-logmeta">{l.time.slice(11, 23)} {l.pod}{l.container ? `/${l.container}` : ''}</span> <span class="service-logtext">{l.line}</span>
          </div>
        ))}
      </div>
    </section>
  );
}

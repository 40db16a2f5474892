// Waiting for a rollout, as `lb run/apply/scale/rollback` do by default and `lb rollout status` does:
// watches (not polling) of the namespace's services and pods and the services' events (three streams,
// however many services) feed a RolloutTracker; its progress is shown as it changes (render.ts) until its verdict,
// the timeout or Ctrl-C. The exit code says how it ended (ROLLOUT_EXIT).
import type { LbClient } from '@lastbackend/sdk/client';
import { LbError } from '@lastbackend/sdk/errors';
import type { WatchEvent } from '@lastbackend/sdk';
import type { CliContext } from '../context';
import { decodePod, decodeService } from '@lastbackend/sdk/wire/decode';
import { RolloutTracker, type Failure, type ServiceProgress } from './progress';
import { BlockRenderer, LineRenderer } from './render';
import { followEvents } from '../commands/events';
import { DEFAULT_TIMEOUT, ROLLOUT_EXIT, waitTimes, type WaitOptions } from './wait-options';

/** Log lines shown of a crash-looping container. */
const LOG_TAIL = 10;
/** A terminal is redrawn at most this often. */
const FRAME_MS = 100;

const enc = encodeURIComponent;

/** Waits for the services' rollouts in namespace `ns`, showing progress; sets ctx.exitCode and returns it. */
export async function waitForRollout(ctx: CliContext, ns: string, services: readonly string[], opts: WaitOptions): Promise<number> {
  const names = [...new Set(services)];
  if (!names.length) return ctx.exitCode;
  const ms = waitTimes(opts);
  const client = ctx.client();
  const tracker = new RolloutTracker(names);
  const ctl = new AbortController();
  let ended: 'verdict' | 'timeout' | 'interrupted' | undefined;
  let error: Error | undefined;
  const stop = (why: typeof ended, e?: Error) => {
    if (ended) return;
    ended = why;
    error = e;
    ctl.abort();
  };
  const stopInterrupt = ctx.io.onInterrupt(() => stop('interrupted'));
  const timer = setTimeout(() => stop('timeout'), ms.timeout);

  const tty = ctx.terminal;
  const block = tty ? new BlockRenderer(() => tty.columns) : undefined;
  const lines = new LineRenderer();
  const snapshot = (): ServiceProgress[] => names.map((n) => tracker.progress(n));
  let lastFrame = 0;
  let frameTimer: NodeJS.Timeout | undefined;
  const draw = () => {
    frameTimer = undefined;
    lastFrame = Date.now();
    if (tty && block) {
      const frame = block.frame(snapshot());
      if (frame) tty.write(frame);
    } else for (const l of lines.update(snapshot())) ctx.out(l);
  };
  const show = (final = false) => {
    if (final || !tty) {
      clearTimeout(frameTimer);
      return draw();
    }
    frameTimer ??= setTimeout(draw, Math.max(0, FRAME_MS - (Date.now() - lastFrame)));
  };

  // The verdict counts once every watch listed what is there (events may come later: they only add).
  const unsynced = new Set(['service', 'pod']);
  let settled: NodeJS.Timeout | undefined;
  const changed = () => {
    if (unsynced.size) return;
    show();
    const state = tracker.verdict().state;
    if (state === 'failed') return stop('verdict');
    // Ready counts once it held for --min-ready: any change that un-readies it starts the count again.
    if (state !== 'ready') settled = (clearTimeout(settled), undefined);
    else settled ??= setTimeout(() => tracker.verdict().state === 'ready' && stop('verdict'), ms.minReady);
  };
  const follow = async <T>(key: string, it: AsyncIterable<WatchEvent<T>>, on: (ev: WatchEvent<T>) => void) => {
    try {
      for await (const ev of it) {
        if (ev.type === 'SYNCED') unsynced.delete(key);
        else on(ev);
        changed();
      }
    } catch (e) {
      if (ctl.signal.aborted) return;
      // A service deleted while it is waited for: the routes under it answer 404; the service watch tells.
      if (e instanceof LbError && e.code === 'NOT_FOUND' && key !== 'service') {
        unsynced.delete(key);
        return changed();
      }
      stop('verdict', e as Error);
    }
  };

  const watchOpts = { signal: ctl.signal };
  const base = `/namespace/${enc(ns)}`;
  const watches = [
    follow('service', client.watch(`${base}/service`, decodeService, watchOpts), (ev) => tracker.onService(ev)),
    follow('pod', client.watch(names.length === 1 ? `${base}/service/${enc(names[0])}/pod` : `${base}/pod`, decodePod, watchOpts), (ev) => tracker.onPod(ev)),
    // Events add the why (BackOff, FailedScheduling, Unhealthy); without them the pods still tell most.
    (async () => {
      try {
        for await (const e of followEvents(client, { namespace: ns, ...(names.length === 1 ? { for: `service/${names[0]}` } : {}) }, ctl.signal)) {
          tracker.onEvent(e);
          changed();
        }
      } catch {
        /* the events stream is optional */
      }
    })(),
  ];
  try {
    await new Promise<void>((resolve) => (ctl.signal.aborted ? resolve() : ctl.signal.addEventListener('abort', () => resolve(), { once: true })));
    await Promise.allSettled(watches);
  } finally {
    clearTimeout(timer);
    clearTimeout(settled);
    clearTimeout(frameTimer);
    stopInterrupt();
  }
  if (error) throw error;
  show(true);
  const verdict = tracker.verdict();
  // Ready is ready, even when the time ran out as it became so.
  if (ended !== 'interrupted' && verdict.state === 'ready') {
    for (const p of snapshot()) ctx.out(`service/${p.name} ${p.version ?? ''} rolled out: ${p.ready}/${p.desired} ready`.replace('  ', ' '));
    return (ctx.exitCode = ROLLOUT_EXIT.ready);
  }
  const again = `lb rollout status ${names.length === 1 ? names[0] : 'NAME'} -n ${ns}`;
  if (ended === 'interrupted') {
    ctx.err(`interrupted: the rollout goes on; \`${again}\` follows it again`);
    return (ctx.exitCode = ROLLOUT_EXIT.interrupted);
  }
  if (verdict.state === 'failed') {
    await reportFailure(ctx, client, ns, verdict.failure);
    return (ctx.exitCode = ROLLOUT_EXIT.failed);
  }
  await reportFailure(ctx, client, ns, tracker.timedOut(opts.timeout ?? DEFAULT_TIMEOUT));
  ctx.err(`the rollout may still complete: \`${again}\` waits again`);
  return (ctx.exitCode = ROLLOUT_EXIT.timeout);
}

/** "error: rollout of service/web failed: pod web-1a2b: <reason>", then a crash-looping container's last log lines. */
async function reportFailure(ctx: CliContext, client: LbClient, ns: string, f: Failure): Promise<void> {
  ctx.err(`error: rollout of service/${f.service} ${f.ended ?? 'failed'}: ${f.pod ? `pod ${f.pod}: ` : ''}${f.reason}`);
  if (!f.logs) return;
  const lines = await lastLogLines(client, ns, f.service, f.logs.pod, f.logs.container);
  if (!lines.length) return ctx.err(`(no log lines of container ${f.logs.container})`);
  ctx.err(`last log lines of ${f.logs.pod}/${f.logs.container}:`);
  for (const l of lines) ctx.err(`  ${l}`);
}

async function lastLogLines(client: LbClient, ns: string, service: string, pod: string, container: string): Promise<string[]> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 10_000);
  const out: string[] = [];
  try {
    for await (const e of client.logs(ns, service, { tail: LOG_TAIL, pod, signal: ctl.signal })) if (e.container === container) out.push(e.line);
  } catch {
    /* the logs are a help, not the verdict */
  } finally {
    clearTimeout(timer);
  }
  return out.slice(-LOG_TAIL);
}

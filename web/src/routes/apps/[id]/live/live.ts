// The Live page's data and its 1-second polling: the live answer turned
// into a chart of the last minute, and a poller that never overlaps two
// requests and rests while the tab is hidden.
import { api, unwrap, type Schemas } from '$lib/api/client';
import type { ChartOption } from '$lib/charts/echarts';
import { formatCompact, formatInt } from '$lib/format';

export type LiveReport = Schemas['LiveReport'];

// The chart's width in seconds, and the poll interval.
export const LIVE_SECONDS = 60;
export const POLL_MS = 1000;

export function loadLive(appId: string, fetchFn?: typeof fetch): Promise<LiveReport> {
  return unwrap(
    api.GET('/v1/apps/{app_id}/live', {
      params: { path: { app_id: appId }, query: { seconds: LIVE_SECONDS } },
      ...(fetchFn ? { fetch: fetchFn } : {}),
    }),
  );
}

// "14:03:07" (UTC) for a second since the epoch.
export function clockLabel(t: number): string {
  return new Date(t * 1000).toISOString().slice(11, 19);
}

// The last `seconds` entries of the answer, oldest first.
export function liveSeries(
  report: LiveReport,
  seconds = LIVE_SECONDS,
): { labels: string[]; values: number[] } {
  const last = report.seconds.slice(-seconds);
  return { labels: last.map((s) => clockLabel(s.t)), values: last.map((s) => s.events) };
}

// Mean events per second over the answer's seconds.
export function averageRate(report: LiveReport): number {
  const n = report.seconds.length;
  return n === 0 ? 0 : report.seconds.reduce((sum, s) => sum + s.events, 0) / n;
}

export function liveChartOption(report: LiveReport): ChartOption {
  const { labels, values } = liveSeries(report);
  return {
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v: number) => `${formatInt(v)} events`,
    },
    grid: { left: 8, right: 12, top: 16, bottom: 8, containLabel: true },
    xAxis: {
      type: 'category',
      data: labels,
      axisLabel: { interval: 14 },
      axisTick: { alignWithLabel: true },
    },
    yAxis: {
      type: 'value',
      minInterval: 1,
      axisLabel: { formatter: (v: number) => formatCompact(v) },
    },
    series: [{ type: 'bar', name: 'Events', data: values, barCategoryGap: '15%' }],
  };
}

export interface Poller {
  start(): void;
  stop(): void;
  // Call on the document's visibilitychange.
  visibilityChanged(): void;
}

// Calls `poll` now and every `intervalMs` while started and visible. A call
// still running when the next is due is not overlapped: that tick is
// skipped. `poll` should handle its own errors; a rejection is ignored.
export function createPoller(options: {
  intervalMs: number;
  poll: () => Promise<void>;
  isHidden: () => boolean;
}): Poller {
  let timer: ReturnType<typeof setInterval> | null = null;
  let running = false;
  let inFlight = false;

  function tick() {
    if (inFlight || options.isHidden()) return;
    inFlight = true;
    options
      .poll()
      .catch(() => {})
      .finally(() => {
        inFlight = false;
      });
  }
  function resume() {
    if (timer !== null) return;
    tick();
    timer = setInterval(tick, options.intervalMs);
  }
  function pause() {
    if (timer !== null) clearInterval(timer);
    timer = null;
  }

  return {
    start() {
      running = true;
      if (!options.isHidden()) resume();
    },
    stop() {
      running = false;
      pause();
    },
    visibilityChanged() {
      if (!running) return;
      if (options.isHidden()) pause();
      else resume();
    },
  };
}

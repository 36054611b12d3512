import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '$lib/api/client';
import {
  averageRate,
  clockLabel,
  createPoller,
  liveChartOption,
  liveSeries,
  loadLive,
  type LiveReport,
} from './live';

// 2026-11-26 14:03:00 UTC in seconds.
const T0 = Date.UTC(2026, 10, 26, 14, 3, 0) / 1000;

function report(counts: number[]): LiveReport {
  return {
    app_id: 'app_0123456789abcdef',
    now_ms: (T0 + counts.length) * 1000 + 250,
    seconds: counts.map((events, i) => ({ t: T0 + i, events })),
    events_per_second: counts[counts.length - 1] ?? 0,
    events_total: 12345,
  };
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

describe('live series', () => {
  it('labels each second with its UTC clock time, oldest first', () => {
    expect(clockLabel(T0)).toBe('14:03:00');
    expect(liveSeries(report([3, 0, 7]))).toEqual({
      labels: ['14:03:00', '14:03:01', '14:03:02'],
      values: [3, 0, 7],
    });
  });

  it('keeps only the last minute', () => {
    const counts = Array.from({ length: 90 }, (_, i) => i);
    const series = liveSeries(report(counts));
    expect(series.values).toHaveLength(60);
    expect(series.values[0]).toBe(30);
    expect(series.values[59]).toBe(89);
    expect(series.labels[0]).toBe('14:03:30');
  });

  it('averages over the seconds listed', () => {
    expect(averageRate(report([3, 0, 6]))).toBe(3);
    expect(averageRate({ ...report([]), seconds: [] })).toBe(0);
  });

  it('draws the values as one bar series', () => {
    const option = liveChartOption(report([1, 2])) as {
      series: { type: string; data: number[] }[];
      xAxis: { data: string[] };
    };
    expect(option.series).toEqual([expect.objectContaining({ type: 'bar', data: [1, 2] })]);
    expect(option.xAxis.data).toEqual(['14:03:00', '14:03:01']);
  });
});

describe('loadLive', () => {
  it('asks for the last 60 seconds of the app and returns the answer', async () => {
    const answer = report([4, 5]);
    const fetchMock = vi.fn<(request: Request) => Promise<Response>>(async () => json(answer));
    await expect(loadLive('app_0123456789abcdef', fetchMock as typeof fetch)).resolves.toEqual(
      answer,
    );
    const request = fetchMock.mock.calls[0]![0];
    const url = new URL(request.url);
    expect(url.pathname).toBe('/v1/apps/app_0123456789abcdef/live');
    expect(url.searchParams.get('seconds')).toBe('60');
    expect(request.method).toBe('GET');
  });

  it('turns an error answer into an ApiError', async () => {
    const fetchMock = vi.fn(async () =>
      json({ error: { code: 'not_found', message: 'no such app' } }, 404),
    );
    const error = await loadLive('app_0000000000000000', fetchMock as typeof fetch).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: 'not_found', message: 'no such app' });
  });
});

describe('createPoller', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('polls at once and then every interval until stopped', async () => {
    const poll = vi.fn(async () => {});
    const poller = createPoller({ intervalMs: 1000, poll, isHidden: () => false });
    poller.start();
    expect(poll).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(poll).toHaveBeenCalledTimes(4);
    poller.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(poll).toHaveBeenCalledTimes(4);
  });

  it('never overlaps two requests', async () => {
    let finish: () => void = () => {};
    const poll = vi.fn(() => new Promise<void>((done) => (finish = done)));
    const poller = createPoller({ intervalMs: 1000, poll, isHidden: () => false });
    poller.start();
    // The first request takes 3.5 s: the ticks at 1, 2 and 3 s are skipped.
    await vi.advanceTimersByTimeAsync(3500);
    expect(poll).toHaveBeenCalledTimes(1);
    finish();
    await vi.advanceTimersByTimeAsync(500);
    expect(poll).toHaveBeenCalledTimes(2);
    poller.stop();
  });

  it('keeps polling after a failed request', async () => {
    const poll = vi.fn(async () => {
      throw new Error('offline');
    });
    const poller = createPoller({ intervalMs: 1000, poll, isHidden: () => false });
    poller.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(poll).toHaveBeenCalledTimes(3);
    poller.stop();
  });

  it('rests while the tab is hidden and resumes at once when shown', async () => {
    let hidden = true;
    const poll = vi.fn(async () => {});
    const poller = createPoller({ intervalMs: 1000, poll, isHidden: () => hidden });
    poller.start();
    await vi.advanceTimersByTimeAsync(3000);
    expect(poll).toHaveBeenCalledTimes(0);
    hidden = false;
    poller.visibilityChanged();
    expect(poll).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(poll).toHaveBeenCalledTimes(2);
    hidden = true;
    poller.visibilityChanged();
    await vi.advanceTimersByTimeAsync(5000);
    expect(poll).toHaveBeenCalledTimes(2);
    // A stopped poller stays stopped when the tab comes back.
    poller.stop();
    hidden = false;
    poller.visibilityChanged();
    await vi.advanceTimersByTimeAsync(2000);
    expect(poll).toHaveBeenCalledTimes(2);
  });
});

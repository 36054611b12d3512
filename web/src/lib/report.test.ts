import { describe, expect, it } from 'vitest';
import { ApiError } from '$lib/api/client';
import { ReportState } from './report.svelte';

// A promise settled from outside, to order answers by hand.
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ReportState', () => {
  it('shows an answer and clears loading', async () => {
    const state = new ReportState<number>();
    expect(state.loading).toBe(true);
    expect(await state.load(() => Promise.resolve(7))).toBe(true);
    expect(state.report).toBe(7);
    expect(state.loading).toBe(false);
    expect(state.error).toBeNull();
  });

  it('keeps the last answer while reloading and shows an error', async () => {
    const state = new ReportState<number>();
    await state.load(() => Promise.resolve(1));
    const pending = deferred<number>();
    const done = state.load(() => pending.promise);
    expect(state.loading).toBe(true);
    expect(state.report).toBe(1);
    pending.reject(new ApiError(503, 'unavailable', 'busy'));
    expect(await done).toBe(true);
    expect(state.error?.code).toBe('unavailable');
    expect(state.report).toBe(1);
    expect(state.loading).toBe(false);
  });

  it('drops an older answer that arrives after a newer request', async () => {
    const state = new ReportState<string>();
    const old = deferred<string>();
    const fresh = deferred<string>();
    const first = state.load(() => old.promise);
    const second = state.load(() => fresh.promise);
    fresh.resolve('new');
    expect(await second).toBe(true);
    old.resolve('old');
    expect(await first).toBe(false);
    expect(state.report).toBe('new');
    expect(state.loading).toBe(false);
    // An older failure does not show either.
    const stale = deferred<string>();
    const third = state.load(() => stale.promise);
    const fourth = state.load(() => Promise.resolve('newest'));
    await fourth;
    stale.reject(new ApiError(500, 'internal', 'boom'));
    expect(await third).toBe(false);
    expect(state.error).toBeNull();
    expect(state.report).toBe('newest');
  });
});

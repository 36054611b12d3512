import { describe, expect, it } from 'vitest';
import type { App } from '$lib/api/client';
import { DEFAULT_SETTINGS } from '$lib/settings';
import { appPatch, checkName, deleteConfirmed } from './patch';

const APP: App = {
  id: 'app_0123456789abcdef',
  name: 'Dev game',
  platform: 'android',
  settings: { ...DEFAULT_SETTINGS },
  demo: false,
  created_at: '2026-11-26T15:18:16.543Z',
  updated_at: '2026-11-26T15:18:16.543Z',
};

describe('appPatch', () => {
  it('is null when nothing changed', () => {
    expect(appPatch(APP, 'Dev game', { ...DEFAULT_SETTINGS })).toBeNull();
  });

  it('sends only the changed keys', () => {
    expect(
      appPatch(APP, 'Dev game', {
        ...DEFAULT_SETTINGS,
        click_lookback_hours: 72,
        probabilistic: false,
      }),
    ).toEqual({ settings: { click_lookback_hours: 72, probabilistic: false } });
    expect(appPatch(APP, 'Space game', { ...DEFAULT_SETTINGS })).toEqual({ name: 'Space game' });
    expect(
      appPatch(APP, 'Space game', { ...DEFAULT_SETTINGS, time_decay_half_life_hours: 12.5 }),
    ).toEqual({ name: 'Space game', settings: { time_decay_half_life_hours: 12.5 } });
  });

  it('compares against the app as last loaded, not the defaults', () => {
    const edited: App = { ...APP, settings: { ...DEFAULT_SETTINGS, retention_days: 30 } };
    expect(appPatch(edited, 'Dev game', { ...DEFAULT_SETTINGS, retention_days: 30 })).toBeNull();
    expect(appPatch(edited, 'Dev game', { ...DEFAULT_SETTINGS })).toEqual({
      settings: { retention_days: 400 },
    });
  });
});

describe('checkName', () => {
  it('trims and bounds the name in bytes', () => {
    expect(checkName('  Dev game ')).toEqual({ name: 'Dev game', error: null });
    expect(checkName('   ').error).toBe('Enter a name.');
    expect(checkName('a'.repeat(200)).error).toBeNull();
    // 67 three-byte characters = 201 bytes.
    expect(checkName('€'.repeat(67)).error).toBe('At most 200 bytes.');
  });
});

describe('deleteConfirmed', () => {
  it('needs the exact name', () => {
    expect(deleteConfirmed(APP, 'Dev game')).toBe(true);
    expect(deleteConfirmed(APP, ' Dev game ')).toBe(true);
    expect(deleteConfirmed(APP, 'dev game')).toBe(false);
    expect(deleteConfirmed(APP, '')).toBe(false);
  });
});

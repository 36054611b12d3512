import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, parseSettings, settingOfField, toForm } from './settings';

describe('settings form', () => {
  it('round-trips the defaults', () => {
    expect(parseSettings(toForm(DEFAULT_SETTINGS))).toEqual({
      settings: DEFAULT_SETTINGS,
      errors: null,
    });
  });
  it('names every bad field with its range', () => {
    const form = toForm(DEFAULT_SETTINGS);
    form.click_lookback_hours = '8761';
    form.mta_lookback_days = '0';
    form.retention_days = '1.5';
    form.time_decay_half_life_hours = '0';
    form.impression_lookback_hours = 'abc';
    const result = parseSettings(form);
    expect(result.settings).toBeNull();
    expect(result.errors).toEqual({
      click_lookback_hours: 'Must be 0 to 8760.',
      mta_lookback_days: 'Must be 1 to 365.',
      retention_days: 'Enter a whole number.',
      time_decay_half_life_hours: 'Must be more than 0 and at most 8760.',
      impression_lookback_hours: 'Enter a number.',
    });
  });
  it('accepts the edges and fractional half-lives', () => {
    const form = toForm(DEFAULT_SETTINGS);
    form.click_lookback_hours = '0';
    form.time_decay_half_life_hours = '0.5';
    form.probabilistic = false;
    const result = parseSettings(form);
    expect(result.settings?.click_lookback_hours).toBe(0);
    expect(result.settings?.time_decay_half_life_hours).toBe(0.5);
    expect(result.settings?.probabilistic).toBe(false);
  });
  it('maps API error fields to settings', () => {
    expect(settingOfField('settings.retention_days')).toBe('retention_days');
    expect(settingOfField('name')).toBeNull();
    expect(settingOfField(undefined)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import {
  lastDays,
  parseDate,
  periodFromQuery,
  periodRange,
  presetRange,
  rangeDays,
  validateRange,
  writePeriodQuery,
} from './period';

const NOW = Date.UTC(2026, 10, 26, 23, 59, 0); // 2026-11-26, late in the day

describe('period', () => {
  it('turns presets into inclusive UTC ranges ending today', () => {
    expect(presetRange('7d', NOW)).toEqual({ from: '2026-11-20', to: '2026-11-26' });
    expect(presetRange('30d', NOW)).toEqual({ from: '2026-10-28', to: '2026-11-26' });
    expect(presetRange('90d', NOW)).toEqual({ from: '2026-08-29', to: '2026-11-26' });
    expect(rangeDays(presetRange('90d', NOW))).toBe(90);
    expect(lastDays(1, NOW)).toEqual({ from: '2026-11-26', to: '2026-11-26' });
  });
  it('rejects malformed and impossible dates', () => {
    expect(parseDate('2026-02-29')).toBeNull();
    expect(parseDate('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(parseDate('2026-1-01')).toBeNull();
    expect(validateRange({ from: 'x', to: '2026-01-01' })?.field).toBe('from');
    expect(validateRange({ from: '2026-01-01', to: '2026-13-01' })?.field).toBe('to');
    expect(validateRange({ from: '2026-02-01', to: '2026-01-01' })?.message).toMatch(/after/);
    expect(validateRange({ from: '2026-01-01', to: '2026-01-01' })).toBeNull();
  });

  it('reads a period from the query string, falling back to 30 days', () => {
    const q = (text: string) => periodFromQuery(new URLSearchParams(text));
    expect(q('')).toEqual({ kind: '30d' });
    expect(q('period=7d')).toEqual({ kind: '7d' });
    expect(q('period=90d&model=last')).toEqual({ kind: '90d' });
    expect(q('period=1y')).toEqual({ kind: '30d' });
    expect(q('from=2026-01-01&to=2026-01-31&period=7d')).toEqual({
      kind: 'custom',
      from: '2026-01-01',
      to: '2026-01-31',
    });
    // An invalid or half range is ignored.
    expect(q('from=2026-02-01&to=2026-01-01&period=7d')).toEqual({ kind: '7d' });
    expect(q('from=2026-01-01')).toEqual({ kind: '30d' });
  });
  it('writes a period into the query string, keeping the other parameters', () => {
    const query = new URLSearchParams('from=2026-01-01&to=2026-01-31&model=markov');
    writePeriodQuery(query, { kind: '7d' });
    expect(query.toString()).toBe('model=markov&period=7d');
    writePeriodQuery(query, { kind: 'custom', from: '2026-03-01', to: '2026-03-02' });
    expect(query.toString()).toBe('model=markov&from=2026-03-01&to=2026-03-02');
    expect(periodFromQuery(query)).toEqual({
      kind: 'custom',
      from: '2026-03-01',
      to: '2026-03-02',
    });
  });
  it('turns a period into its dates', () => {
    expect(periodRange({ kind: '7d' }, NOW)).toEqual({ from: '2026-11-20', to: '2026-11-26' });
    expect(periodRange({ kind: 'custom', from: '2026-01-01', to: '2026-01-02' }, NOW)).toEqual({
      from: '2026-01-01',
      to: '2026-01-02',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { lastDays, parseDate, presetRange, rangeDays, validateRange } from './period';

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
});

import { describe, expect, it } from 'vitest';
import {
  formatCompact,
  formatDecimal,
  formatInt,
  formatMoney,
  formatPercent,
  formatTimestamp,
} from './format';

describe('format', () => {
  it('groups integers and marks missing values', () => {
    expect(formatInt(1234567)).toBe('1,234,567');
    expect(formatInt(0)).toBe('0');
    expect(formatInt(null)).toBe('–');
    expect(formatInt(Number.NaN)).toBe('–');
  });
  it('shows revenue with two decimals', () => {
    expect(formatMoney(1234.5)).toBe('1,234.50');
    expect(formatMoney(-3)).toBe('-3.00');
    expect(formatMoney(undefined)).toBe('–');
  });
  it('rounds credits and percentages', () => {
    expect(formatDecimal(2.34567)).toBe('2.35');
    expect(formatDecimal(3)).toBe('3');
    expect(formatPercent(0.4567)).toBe('45.7%');
    expect(formatPercent(null)).toBe('–');
  });
  it('abbreviates axis values and prints UTC times', () => {
    expect(formatCompact(1_250_000)).toBe('1.3M');
    expect(formatTimestamp(Date.UTC(2026, 10, 26, 14, 3, 7))).toBe('2026-11-26 14:03:07 UTC');
  });
});

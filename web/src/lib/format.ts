// Number and date formatting for every page: one place, one locale (en-US
// grouping, so "1,234,567"), so numbers read the same everywhere and the
// e2e test can parse them back.

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const money = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat('en-US', {
  style: 'percent',
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

// 1234567 -> "1,234,567"; null/undefined/NaN -> "–".
export function formatInt(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? '–' : integer.format(value);
}

// 1234567 -> "1.2M" (axis labels).
export function formatCompact(value: number): string {
  return compact.format(value);
}

// Revenue is summed as sent, in no particular currency: 1234.5 -> "1,234.50".
export function formatMoney(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? '–' : money.format(value);
}

// Fractional credits (multi-touch models): up to 2 decimals.
export function formatDecimal(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? '–' : decimal.format(value);
}

// 0.4567 -> "45.7%".
export function formatPercent(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? '–' : percent.format(value);
}

// ms since epoch -> "2026-11-26 14:03:07 UTC".
export function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

// Report periods: the Overview's 7d / 30d / 90d / custom choice turned into
// the API's inclusive UTC `from`/`to` dates (API.md "Reports").

export type PeriodKind = '7d' | '30d' | '90d' | 'custom';

export interface DateRange {
  from: string; // YYYY-MM-DD, inclusive
  to: string; // YYYY-MM-DD, inclusive
}

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

// Parses YYYY-MM-DD as 00:00 UTC; null when malformed or not a real date.
export function parseDate(text: string): number | null {
  const m = DATE.exec(text);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return utcDate(ms) === text ? ms : null;
}

// The last N days ending today (UTC), today included.
export function lastDays(days: number, nowMs: number): DateRange {
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  return { from: utcDate(today - (days - 1) * DAY_MS), to: utcDate(today) };
}

export function presetRange(kind: Exclude<PeriodKind, 'custom'>, nowMs: number): DateRange {
  return lastDays(kind === '7d' ? 7 : kind === '30d' ? 30 : 90, nowMs);
}

// The longest custom range the dashboard asks for (the API has no limit, but
// a chart of more days is unreadable).
export const MAX_CUSTOM_DAYS = 3660;

// Checks a custom range; returns an error message naming the field, or null.
export function validateRange(range: DateRange): { field: 'from' | 'to'; message: string } | null {
  const from = parseDate(range.from);
  if (from === null) return { field: 'from', message: 'Start date must be a date (YYYY-MM-DD).' };
  const to = parseDate(range.to);
  if (to === null) return { field: 'to', message: 'End date must be a date (YYYY-MM-DD).' };
  if (from > to) return { field: 'from', message: 'Start date is after the end date.' };
  if ((to - from) / DAY_MS + 1 > MAX_CUSTOM_DAYS) {
    return { field: 'from', message: `A period is at most ${MAX_CUSTOM_DAYS} days.` };
  }
  return null;
}

// Number of days in an inclusive range.
export function rangeDays(range: DateRange): number {
  const from = parseDate(range.from);
  const to = parseDate(range.to);
  return from === null || to === null ? 0 : (to - from) / DAY_MS + 1;
}

// A period as the pages keep it in the URL: `?period=7d|30d|90d` for a
// preset, `?from=YYYY-MM-DD&to=YYYY-MM-DD` for a custom range.
export type Period =
  { kind: Exclude<PeriodKind, 'custom'> } | { kind: 'custom'; from: string; to: string };

export const DEFAULT_PERIOD: Period = { kind: '30d' };

// The period a query string asks for: a valid from/to pair wins over
// `period`; anything else (absent, malformed, invalid range) is the default.
export function periodFromQuery(query: URLSearchParams): Period {
  const from = query.get('from');
  const to = query.get('to');
  if (from !== null && to !== null && validateRange({ from, to }) === null) {
    return { kind: 'custom', from, to };
  }
  const kind = query.get('period');
  if (kind === '7d' || kind === '30d' || kind === '90d') return { kind };
  return DEFAULT_PERIOD;
}

// Writes `period` into `query` (in place), replacing any earlier period.
export function writePeriodQuery(query: URLSearchParams, period: Period): void {
  query.delete('period');
  query.delete('from');
  query.delete('to');
  if (period.kind === 'custom') {
    query.set('from', period.from);
    query.set('to', period.to);
  } else {
    query.set('period', period.kind);
  }
}

// The inclusive UTC dates a period covers on the day of `nowMs`.
export function periodRange(period: Period, nowMs: number): DateRange {
  return period.kind === 'custom'
    ? { from: period.from, to: period.to }
    : presetRange(period.kind, nowMs);
}

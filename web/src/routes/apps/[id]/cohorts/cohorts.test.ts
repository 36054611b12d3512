import { describe, expect, it } from 'vitest';
import type { CohortReport } from '$lib/api/client';
import { cohortChannels, cohortMatrix, heatmapOption, scaleMax } from './cohorts';

type Row = CohortReport['rows'][number];

// Builds a row from parallel `active` values for days [0, 1, 7]; revenue
// is irrelevant to the matrix.
function row(date: string, channel: string, installs: number, active: (number | null)[]): Row {
  return {
    install_date: date,
    channel,
    installs,
    retention: [0, 1, 7].map((day, i) => {
      const a = active[i] ?? null;
      return {
        day,
        active: a,
        share: a == null ? null : a / installs,
        revenue: a == null ? null : 0,
      };
    }),
  };
}

const REPORT: CohortReport = {
  group_by: 'source',
  days: [0, 1, 7],
  rows: [
    row('2026-11-01', 'google', 10, [10, 4, 1]),
    row('2026-11-01', '(organic)', 30, [30, 6, 3]),
    row('2026-11-02', 'google', 5, [5, 2, null]),
    row('2026-11-02', 'meta', 20, [20, 5, null]),
    // A (hypothetical) channel that says day 7 is observable while the
    // other channels of the same install day say it is not.
    row('2026-11-02', 'tiktok', 4, [4, 1, 0]),
  ],
};

describe('cohortMatrix', () => {
  it('sums installs and active devices across channels and recomputes the share', () => {
    const m = cohortMatrix(REPORT, null);
    expect(m.days).toEqual([0, 1, 7]);
    expect(m.rows.map((r) => r.date)).toEqual(['2026-11-01', '2026-11-02']);
    // 2026-11-01: 10 + 30 installs; day 1: 4 + 6 = 10 → 25%; day 7: 1 + 3 = 4 → 10%.
    expect(m.rows[0]).toEqual({
      date: '2026-11-01',
      installs: 40,
      active: [40, 10, 4],
      share: [1, 0.25, 0.1],
    });
    // 2026-11-02: 5 + 20 + 4 = 29 installs; day 1: 2 + 5 + 1 = 8 → 8/29.
    expect(m.rows[1]?.installs).toBe(29);
    expect(m.rows[1]?.active.slice(0, 2)).toEqual([29, 8]);
    expect(m.rows[1]?.share[1]).toBeCloseTo(8 / 29, 12);
  });

  it('keeps a day unobservable for the whole install day when any channel says null', () => {
    const m = cohortMatrix(REPORT, null);
    expect(m.rows[1]?.active[2]).toBeNull();
    expect(m.rows[1]?.share[2]).toBeNull();
    // Null is not zero: an observed zero stays a zero.
    expect(cohortMatrix(REPORT, 'tiktok').rows[0]?.share[2]).toBe(0);
  });

  it('keeps one channel as the API gave it', () => {
    const m = cohortMatrix(REPORT, 'google');
    expect(m.rows).toEqual([
      { date: '2026-11-01', installs: 10, active: [10, 4, 1], share: [1, 0.4, 0.1] },
      { date: '2026-11-02', installs: 5, active: [5, 2, null], share: [1, 0.4, null] },
    ]);
    expect(cohortMatrix(REPORT, '(organic)').rows.map((r) => r.date)).toEqual(['2026-11-01']);
    expect(cohortMatrix(REPORT, 'nobody').rows).toEqual([]);
  });

  it('orders install days even when the rows come unordered', () => {
    const shuffled = { ...REPORT, rows: [...REPORT.rows].reverse() };
    expect(cohortMatrix(shuffled, null).rows.map((r) => r.date)).toEqual([
      '2026-11-01',
      '2026-11-02',
    ]);
  });
});

describe('cohortChannels', () => {
  it('lists channels by installs, most first', () => {
    // (organic) 30, google 15, meta 20, tiktok 4.
    expect(cohortChannels(REPORT)).toEqual(['(organic)', 'meta', 'google', 'tiktok']);
  });
});

describe('heatmapOption', () => {
  it('scales colours to the best share after day 0 and leaves null cells out', () => {
    const m = cohortMatrix(REPORT, null);
    // Day 1: 25% and 8/29 = 27.6%; day 7: 10% → top 8/29.
    expect(scaleMax(m)).toBeCloseTo(8 / 29, 12);
    const option = heatmapOption(m, true) as {
      series: { data: [number, number, number, number, number | null][] }[];
      visualMap: { max: number };
    };
    const data = option.series[0]!.data;
    // 3 cells on the first row, 2 on the second (day 7 is null).
    expect(data).toHaveLength(5);
    expect(data.some(([x, y]) => x === 2 && y === 1)).toBe(false);
    // Day 0 (100%) is clamped to the scale's top for its colour, not for its label.
    expect(data[0]).toEqual([0, 0, 8 / 29, 1, 40]);
    expect(data[1]).toEqual([1, 0, 0.25, 0.25, 10]);
    expect(option.visualMap.max).toBeCloseTo(8 / 29, 12);
  });

  it('uses a 100% scale when nothing after day 0 is observed', () => {
    const only = cohortMatrix(
      { group_by: 'source', days: [0], rows: [row('2026-11-03', 'x', 2, [2])] },
      null,
    );
    expect(scaleMax(only)).toBe(1);
  });
});

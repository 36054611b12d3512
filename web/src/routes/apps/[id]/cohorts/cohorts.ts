// The Cohorts page's data: the API's install day × channel rows turned into
// one retention matrix (install day × day N) for all channels or one, and
// the heatmap option drawn from it.
import type { CohortReport } from '$lib/api/client';
import type { ChartOption } from '$lib/charts/echarts';
import { formatInt, formatPercent } from '$lib/format';

// The day offsets the page asks for (the API allows at most 30).
export const COHORT_DAYS = [0, 1, 2, 3, 5, 7, 14, 21, 30];

export type CohortGroupBy = 'source' | 'campaign';

export interface CohortRow {
  date: string; // install day, YYYY-MM-DD
  installs: number;
  // One entry per column: devices active on day N, and their share of the
  // installs (0..1). Null while day N is not observable yet.
  active: (number | null)[];
  share: (number | null)[];
}

export interface CohortMatrix {
  days: number[];
  rows: CohortRow[]; // install day ascending
}

// The report's channels, most installs first (ties by name).
export function cohortChannels(report: CohortReport): string[] {
  const installs = new Map<string, number>();
  for (const row of report.rows) {
    installs.set(row.channel, (installs.get(row.channel) ?? 0) + row.installs);
  }
  return [...installs.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([channel]) => channel);
}

// One row per install day. `channel` null sums every channel: installs and
// active devices add up and the share is recomputed from the sums. Whether
// day N is observable depends only on the install day (day N in the
// future), so when any channel's value is null the day's value is null.
export function cohortMatrix(report: CohortReport, channel: string | null): CohortMatrix {
  const days = report.days;
  const byDate = new Map<string, { installs: number; active: (number | null)[] }>();
  for (const row of report.rows) {
    if (channel !== null && row.channel !== channel) continue;
    let sum = byDate.get(row.install_date);
    if (!sum) {
      sum = { installs: 0, active: days.map(() => 0) };
      byDate.set(row.install_date, sum);
    }
    sum.installs += row.installs;
    for (const cell of row.retention) {
      const i = days.indexOf(cell.day);
      if (i < 0) continue;
      const before = sum.active[i];
      sum.active[i] = before == null || cell.active == null ? null : before + cell.active;
    }
  }
  const rows = [...byDate.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([date, sum]) => ({
      date,
      installs: sum.installs,
      active: sum.active,
      share: sum.active.map((a) => (a == null || sum.installs === 0 ? null : a / sum.installs)),
    }));
  return { days, rows };
}

export function dayLabel(day: number): string {
  return `Day ${day}`;
}

// The colour scale's top: the highest share after install day (day 0 is
// 100% by definition and would wash every other cell out). Cells above it
// get the darkest colour.
export function scaleMax(matrix: CohortMatrix): number {
  let max = 0;
  for (const row of matrix.rows) {
    row.share.forEach((share, i) => {
      if (matrix.days[i] !== 0 && share != null && share > max) max = share;
    });
  }
  return max > 0 ? max : 1;
}

// A heatmap: columns are day N, rows install days (newest at the bottom, as
// in the table). Unobservable cells are left out, so they stay blank.
export function heatmapOption(matrix: CohortMatrix, labels: boolean): ChartOption {
  const top = scaleMax(matrix);
  const data: [number, number, number, number, number | null][] = [];
  matrix.rows.forEach((row, y) => {
    row.share.forEach((share, x) => {
      // [x, y, colour value (clamped to the scale), share, active]
      if (share != null) data.push([x, y, Math.min(share, top), share, row.active[x] ?? null]);
    });
  });
  return {
    tooltip: {
      formatter: (p: { value: [number, number, number, number, number | null] }) => {
        const [x, y, , share, active] = p.value;
        const row = matrix.rows[y];
        const day = matrix.days[x];
        if (!row || day === undefined) return '';
        return (
          `${row.date} · ${dayLabel(day)}<br>` +
          `${formatPercent(share)} active (${formatInt(active)} of ${formatInt(row.installs)})`
        );
      },
    },
    grid: { left: 8, right: 8, top: 8, bottom: 56, containLabel: true },
    xAxis: {
      type: 'category',
      data: matrix.days.map(dayLabel),
      position: 'top',
      splitArea: { show: true },
    },
    yAxis: {
      type: 'category',
      data: matrix.rows.map((row) => row.date),
      inverse: true,
      splitArea: { show: true },
    },
    visualMap: {
      type: 'continuous',
      dimension: 2,
      min: 0,
      max: top,
      calculable: false,
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
      itemHeight: 160,
      text: [formatPercent(top), '0%'],
      inRange: { color: ['#f0f5ff', '#85a5ff', '#1d39c4'] },
    },
    series: [
      {
        type: 'heatmap',
        name: 'Retention',
        data,
        label: {
          show: labels,
          fontSize: 10,
          formatter: (p: { value: [number, number, number, number] }) => formatPercent(p.value[3]),
        },
        emphasis: { itemStyle: { borderColor: '#1d2433', borderWidth: 1 } },
      },
    ],
  };
}

// The Overview page's data: the stats report turned into the four totals
// cards and one daily line chart per metric.
import type { StatsReport } from '$lib/api/client';
import type { ChartOption } from '$lib/charts/echarts';
import { formatCompact, formatInt, formatMoney } from '$lib/format';

export type Metric = 'events' | 'installs' | 'revenue' | 'unique_devices';

export interface TotalCard {
  testid: string; // data-testid of the card
  label: string;
  value: string; // formatted, exactly as shown
  estimate: boolean; // the value may be an estimate (shown as "≈")
}

// Colours of lib/charts/echarts.ts's PALETTE (0, 1, 2 and 5), copied: importing
// that module would load ECharts before the cards can show (+page.ts).
export const METRICS: { metric: Metric; label: string; testid: string; color: string }[] = [
  { metric: 'events', label: 'Events', testid: 'total-events', color: '#2f54eb' },
  { metric: 'installs', label: 'Installs', testid: 'total-installs', color: '#13a8a8' },
  { metric: 'revenue', label: 'Revenue', testid: 'total-revenue', color: '#fa8c16' },
  {
    metric: 'unique_devices',
    label: 'Unique devices',
    testid: 'total-unique-devices',
    color: '#722ed1',
  },
];

export function formatMetric(metric: Metric, value: number): string {
  return metric === 'revenue' ? formatMoney(value) : formatInt(value);
}

export function totalCards(report: StatsReport): TotalCard[] {
  return METRICS.map(({ metric, label, testid }) => ({
    testid,
    label,
    value: formatMetric(metric, report.totals[metric]),
    // A sketch of no device is exactly 0.
    estimate:
      metric === 'unique_devices' && !report.unique_devices_exact && report.totals[metric] > 0,
  }));
}

// A new app (or a quiet period): nothing to draw.
export function isEmptyStats(report: StatsReport): boolean {
  return report.totals.events === 0;
}

// One metric per day: dates on the x axis, the metric as a line.
export function dailyChartOption(report: StatsReport, metric: Metric): ChartOption {
  const { label, color } = METRICS.find((m) => m.metric === metric) ?? { label: metric };
  return {
    grid: { left: 8, right: 16, top: 16, bottom: 8 },
    tooltip: {
      trigger: 'axis',
      valueFormatter: (value: unknown) => formatMetric(metric, Number(value)),
    },
    xAxis: {
      type: 'category',
      boundaryGap: false,
      data: report.days.map((day) => day.date),
      axisLabel: { hideOverlap: true },
    },
    yAxis: {
      type: 'value',
      minInterval: metric === 'revenue' ? 0 : 1,
      axisLabel: { formatter: (value: number) => formatCompact(value) },
    },
    series: [
      {
        name: label,
        type: 'line',
        data: report.days.map((day) => day[metric]),
        showSymbol: report.days.length <= 31,
        color,
        areaStyle: { opacity: 0.08 },
      },
    ],
  };
}

import { describe, expect, it } from 'vitest';
import type { StatsReport } from '$lib/api/client';
import { PALETTE } from '$lib/charts/echarts';
import { METRICS, dailyChartOption, isEmptyStats, totalCards } from './overview';

const REPORT: StatsReport = {
  days: [
    { date: '2026-11-24', events: 1200, unique_devices: 300, installs: 40, revenue: 10.5 },
    { date: '2026-11-25', events: 0, unique_devices: 0, installs: 0, revenue: 0 },
    { date: '2026-11-26', events: 34, unique_devices: 20, installs: 2, revenue: 1234.567 },
  ],
  totals: { events: 1234, unique_devices: 310, installs: 42, revenue: 1245.067 },
  unique_devices_exact: false,
};

interface LineOption {
  xAxis: { data: string[] };
  series: { type: string; name: string; data: number[] }[];
  tooltip: { valueFormatter: (v: unknown) => string };
}

describe('overview', () => {
  it('formats the totals cards from the report totals', () => {
    expect(totalCards(REPORT)).toEqual([
      { testid: 'total-events', label: 'Events', value: '1,234', estimate: false },
      { testid: 'total-installs', label: 'Installs', value: '42', estimate: false },
      { testid: 'total-revenue', label: 'Revenue', value: '1,245.07', estimate: false },
      { testid: 'total-unique-devices', label: 'Unique devices', value: '310', estimate: true },
    ]);
    const exact = totalCards({ ...REPORT, unique_devices_exact: true });
    expect(exact[3]?.estimate).toBe(false);
    const zero = { events: 0, unique_devices: 0, installs: 0, revenue: 0 };
    expect(totalCards({ ...REPORT, totals: zero })[3]).toMatchObject({
      value: '0',
      estimate: false,
    });
  });

  it('draws one line per metric with the dates on the x axis', () => {
    const events = dailyChartOption(REPORT, 'events') as unknown as LineOption;
    expect(events.xAxis.data).toEqual(['2026-11-24', '2026-11-25', '2026-11-26']);
    expect(events.series).toHaveLength(1);
    expect(events.series[0]?.type).toBe('line');
    expect(events.series[0]?.name).toBe('Events');
    expect(events.series[0]?.data).toEqual([1200, 0, 34]);
    expect(events.tooltip.valueFormatter(1234567)).toBe('1,234,567');

    const revenue = dailyChartOption(REPORT, 'revenue') as unknown as LineOption;
    expect(revenue.series[0]?.data).toEqual([10.5, 0, 1234.567]);
    expect(revenue.tooltip.valueFormatter(1234.567)).toBe('1,234.57');

    const devices = dailyChartOption(REPORT, 'unique_devices') as unknown as LineOption;
    expect(devices.series[0]?.data).toEqual([300, 0, 20]);
    const installs = dailyChartOption(REPORT, 'installs') as unknown as LineOption;
    expect(installs.series[0]?.data).toEqual([40, 0, 2]);
  });

  it('calls a period without events empty', () => {
    expect(isEmptyStats(REPORT)).toBe(false);
    const zero = { events: 0, unique_devices: 0, installs: 0, revenue: 0 };
    expect(isEmptyStats({ ...REPORT, days: [{ date: '2026-11-26', ...zero }], totals: zero })).toBe(
      true,
    );
  });

  it('colours the charts with the dashboard palette', () => {
    expect(METRICS.map((m) => m.color)).toEqual([PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[5]]);
  });
});

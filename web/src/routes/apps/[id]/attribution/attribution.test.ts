import { describe, expect, it } from 'vitest';
import type { InstallReport, MtaModel, MtaReport, StatsReport } from '$lib/api/client';
import {
  compareChartOption,
  compareModels,
  conversionTypes,
  installTable,
  installsChartOption,
  isEmptyInstalls,
  readAttributionQuery,
  withoutChannels,
  writeAttributionQuery,
} from './attribution';

const INSTALLS: InstallReport = {
  rows: [
    { channel: 'google', installs: 10, deterministic: 8, probabilistic: 2, revenue: 12.5 },
    { channel: 'meta', installs: 5, deterministic: 5, probabilistic: 0, revenue: 3.25 },
  ],
  organic: 7,
  organic_revenue: 1.1,
  rejected_fraud: 0,
};

function mta(model: MtaModel, rows: [string, number][]): MtaReport {
  const total = rows.reduce((sum, [, c]) => sum + c, 0);
  return {
    model,
    conversion: 'install',
    total_conversions: total,
    total_revenue: 0,
    rows: rows.map(([channel, conversions]) => ({ channel, conversions, revenue: 0 })),
  };
}

// Three models answered (markov failed): a channel missing from a model is 0.
const ANSWERS: Partial<Record<MtaModel, MtaReport>> = {
  first: mta('first', [
    ['(organic)', 3],
    ['a', 2],
    ['b', 1],
  ]),
  last: mta('last', [
    ['(organic)', 3],
    ['b', 2.5],
    ['c', 0.5],
  ]),
  shapley: mta('shapley', [
    ['(organic)', 3],
    ['a', 4],
    ['b', -1],
  ]),
};

interface BarOption {
  yAxis: { data: string[] };
  xAxis: { data: string[] };
  series: { name: string; stack?: string; data: (number | null)[] }[];
  dataZoom: { type: string; startValue?: number; endValue?: number }[];
}

describe('installs by channel', () => {
  it('keeps the API order, adds the organic row and totals the columns', () => {
    const table = installTable(INSTALLS);
    expect(table.rows.map((r) => r.channel)).toEqual(['google', 'meta', '(organic)']);
    expect(table.rows[2]).toEqual({
      channel: '(organic)',
      label: 'Organic',
      installs: 7,
      deterministic: null,
      probabilistic: null,
      revenue: 1.1,
    });
    // 10 + 5 + 7 installs; 8 + 5 deterministic; 2 + 0 probabilistic;
    // 12.5 + 3.25 + 1.1 revenue.
    expect(table.total.installs).toBe(22);
    expect(table.total.deterministic).toBe(13);
    expect(table.total.probabilistic).toBe(2);
    expect(table.total.revenue).toBeCloseTo(16.85, 9);
  });

  it('stacks deterministic on probabilistic and draws organic as its own bar', () => {
    const option = installsChartOption(INSTALLS) as unknown as BarOption;
    expect(option.yAxis.data).toEqual(['google', 'meta', 'Organic']);
    expect(option.series.map((s) => [s.name, s.stack])).toEqual([
      ['Deterministic', 'installs'],
      ['Probabilistic', 'installs'],
      ['Organic', 'installs'],
    ]);
    expect(option.series[0]?.data).toEqual([8, 5, null]);
    expect(option.series[1]?.data).toEqual([2, 0, null]);
    expect(option.series[2]?.data).toEqual([null, null, 7]);
  });

  it('calls a report with no installs and no revenue empty', () => {
    expect(isEmptyInstalls(INSTALLS)).toBe(false);
    expect(isEmptyInstalls({ rows: [], organic: 0, organic_revenue: 0, rejected_fraud: 0 })).toBe(
      true,
    );
    expect(isEmptyInstalls({ rows: [], organic: 1, organic_revenue: 0, rejected_fraud: 0 })).toBe(
      false,
    );
  });
});

describe('multi-touch comparison', () => {
  it('takes the union of channels, 0 where a model has none, ordered by the chosen model', () => {
    const last = compareModels(ANSWERS, 'last');
    // last: (organic) 3, b 2.5, c 0.5, a none (0).
    expect(last.channels).toEqual(['(organic)', 'b', 'c', 'a']);
    expect(last.series).toEqual([
      { model: 'first', label: 'First touch', values: [3, 1, 0, 2] },
      { model: 'last', label: 'Last touch', values: [3, 2.5, 0.5, 0] },
      { model: 'shapley', label: 'Shapley value', values: [3, -1, 0, 4] },
    ]);

    // shapley: a 4, (organic) 3, c none (0), b -1 (negative credits last).
    expect(compareModels(ANSWERS, 'shapley').channels).toEqual(['a', '(organic)', 'c', 'b']);
  });

  it('falls back to the sum over models, then the name, when the chosen model has no answer', () => {
    // Sums: (organic) 9, a 6, b 2.5, c 0.5.
    expect(compareModels(ANSWERS, 'markov').channels).toEqual(['(organic)', 'a', 'b', 'c']);
    const tied = compareModels(
      {
        first: mta('first', [
          ['zeta', 1],
          ['alpha', 1],
        ]),
      },
      'first',
    );
    expect(tied.channels).toEqual(['alpha', 'zeta']);
    expect(compareModels({}, 'last')).toEqual({ channels: [], series: [] });
  });

  it('drops channels from every series', () => {
    const matrix = withoutChannels(compareModels(ANSWERS, 'last'), ['(organic)']);
    expect(matrix.channels).toEqual(['b', 'c', 'a']);
    expect(matrix.series.map((s) => s.values)).toEqual([
      [1, 0, 2],
      [2.5, 0.5, 0],
      [-1, 0, 4],
    ]);
  });

  it('draws one bar series per model and pages through many channels', () => {
    const matrix = compareModels(ANSWERS, 'last');
    const option = compareChartOption(matrix, 10) as unknown as BarOption;
    expect(option.xAxis.data).toEqual(['(organic)', 'b', 'c', 'a']);
    expect(option.series.map((s) => s.name)).toEqual([
      'First touch',
      'Last touch',
      'Shapley value',
    ]);
    expect(option.series[2]?.data).toEqual([3, -1, 0, 4]);
    expect(option.dataZoom).toEqual([]);
    const paged = compareChartOption(matrix, 2) as unknown as BarOption;
    expect(paged.dataZoom[0]).toMatchObject({ type: 'slider', startValue: 0, endValue: 1 });
  });
});

describe('attribution URL state', () => {
  it('reads the query with defaults for missing or bad values', () => {
    const read = (text: string) => readAttributionQuery(new URLSearchParams(text));
    expect(read('')).toEqual({ groupBy: 'source', model: 'last', conversion: 'install' });
    expect(read('group_by=campaign&model=shapley&conversion=purchase')).toEqual({
      groupBy: 'campaign',
      model: 'shapley',
      conversion: 'purchase',
    });
    expect(read('group_by=event_type&model=best&conversion=click')).toEqual({
      groupBy: 'source',
      model: 'last',
      conversion: 'install',
    });
    expect(read('conversion=Bad%20Type').conversion).toBe('install');
  });

  it('writes the query, keeping the period', () => {
    const query = new URLSearchParams('period=7d');
    writeAttributionQuery(query, { groupBy: 'campaign', model: 'markov', conversion: 'purchase' });
    expect(query.toString()).toBe('period=7d&group_by=campaign&model=markov&conversion=purchase');
  });

  it('offers install and the in-app event types of the period', () => {
    const zero = { events: 1, unique_devices: 1, installs: 0, revenue: 0 };
    const stats: StatsReport = {
      days: [],
      totals: zero,
      unique_devices_exact: true,
      group_by: 'event_type',
      groups: ['open', 'click', 'install', 'purchase', 'impression'].map((key) => ({
        key,
        days: [],
        totals: zero,
      })),
    };
    expect(conversionTypes(stats, 'install')).toEqual(['install', 'open', 'purchase']);
    expect(conversionTypes(stats, 'level_up')).toEqual(['install', 'open', 'purchase', 'level_up']);
    expect(conversionTypes(null, 'install')).toEqual(['install']);
  });
});

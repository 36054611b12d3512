// The Attribution page's data: the installs report turned into table rows
// and a stacked bar chart, and the seven multi-touch answers turned into one
// model × channel comparison. Also the page's URL state (period aside).
import type { InstallReport, MtaModel, MtaReport, StatsReport } from '$lib/api/client';
import { PALETTE, type ChartOption } from '$lib/charts/echarts';
import { formatCompact, formatDecimal, formatInt } from '$lib/format';

export type GroupBy = 'source' | 'campaign';

export const ORGANIC = '(organic)';

export const MODELS: { model: MtaModel; label: string; description: string }[] = [
  { model: 'first', label: 'First touch', description: 'All credit to the first touchpoint.' },
  {
    model: 'last',
    label: 'Last touch',
    description: 'All credit to the last touchpoint before the conversion.',
  },
  {
    model: 'linear',
    label: 'Linear',
    description: 'Credit split equally over the touchpoints of the path.',
  },
  {
    model: 'time_decay',
    label: 'Time decay',
    description: 'More credit to touchpoints closer to the conversion (half-life in the settings).',
  },
  {
    model: 'position_based',
    label: 'Position-based',
    description: '40% each to the first and last touchpoints, 20% shared by the others.',
  },
  {
    model: 'markov',
    label: 'Markov chain',
    description: 'Credit by removal effect in a Markov chain of every path, converting or not.',
  },
  {
    model: 'shapley',
    label: 'Shapley value',
    description: 'Credit by each channel’s Shapley value for the conversion rate; may be negative.',
  },
];

// One distinct colour per model, the same in every chart.
const MODEL_COLORS: Record<MtaModel, string> = {
  first: '#2f54eb',
  last: '#13a8a8',
  linear: '#fa8c16',
  time_decay: '#eb2f96',
  position_based: '#52c41a',
  markov: '#722ed1',
  shapley: '#f5222d',
};

export function modelInfo(model: MtaModel): { label: string; description: string } {
  return MODELS.find((m) => m.model === model) ?? { label: model, description: '' };
}

export interface AttributionQuery {
  groupBy: GroupBy;
  model: MtaModel;
  conversion: string;
}

export const DEFAULT_QUERY: AttributionQuery = {
  groupBy: 'source',
  model: 'last',
  conversion: 'install',
};

// Event types that are never conversions (touchpoints) or are offered first.
const NOT_IN_APP = new Set(['click', 'impression', 'install']);
const EVENT_TYPE = /^[a-z0-9_]{1,64}$/;

// Reads group_by, model and conversion; a missing or bad value is the default.
export function readAttributionQuery(query: URLSearchParams): AttributionQuery {
  const groupBy = query.get('group_by');
  const model = query.get('model');
  const conversion = query.get('conversion');
  return {
    groupBy: groupBy === 'campaign' ? 'campaign' : DEFAULT_QUERY.groupBy,
    model: MODELS.some((m) => m.model === model) ? (model as MtaModel) : DEFAULT_QUERY.model,
    conversion:
      conversion !== null &&
      EVENT_TYPE.test(conversion) &&
      conversion !== 'click' &&
      conversion !== 'impression'
        ? conversion
        : DEFAULT_QUERY.conversion,
  };
}

export function writeAttributionQuery(query: URLSearchParams, state: AttributionQuery): void {
  query.set('group_by', state.groupBy);
  query.set('model', state.model);
  query.set('conversion', state.conversion);
}

// The conversion selector's choices: install, then the in-app event types of
// the period (the stats report's event_type groups, biggest first), plus the
// current choice if the period has none of it.
export function conversionTypes(report: StatsReport | null, current: string): string[] {
  const types = ['install'];
  for (const group of report?.groups ?? []) {
    if (!NOT_IN_APP.has(group.key)) types.push(group.key);
  }
  if (!types.includes(current)) types.push(current);
  return types;
}

export interface InstallRow {
  channel: string; // as the API names it; `(organic)` for the organic row
  label: string; // as shown
  installs: number;
  deterministic: number | null; // null: not applicable (organic)
  probabilistic: number | null;
  revenue: number;
}

export interface InstallTable {
  rows: InstallRow[]; // channels as the API orders them (most installs first), then organic
  total: InstallRow;
}

export function installTable(report: InstallReport): InstallTable {
  const rows: InstallRow[] = report.rows.map((row) => ({
    channel: row.channel,
    label: row.channel,
    installs: row.installs,
    deterministic: row.deterministic,
    probabilistic: row.probabilistic,
    revenue: row.revenue,
  }));
  rows.push({
    channel: ORGANIC,
    label: 'Organic',
    installs: report.organic,
    deterministic: null,
    probabilistic: null,
    revenue: report.organic_revenue,
  });
  let deterministic = 0;
  let probabilistic = 0;
  for (const row of report.rows) {
    deterministic += row.deterministic;
    probabilistic += row.probabilistic;
  }
  return {
    rows,
    total: {
      channel: 'total',
      label: 'Total',
      installs: rows.reduce((sum, row) => sum + row.installs, 0),
      deterministic,
      probabilistic,
      revenue: rows.reduce((sum, row) => sum + row.revenue, 0),
    },
  };
}

export function isEmptyInstalls(report: InstallReport): boolean {
  return report.rows.length === 0 && report.organic === 0 && report.organic_revenue === 0;
}

// Pixels a bar chart needs for `categories` rows (horizontal bars).
export function barChartHeight(categories: number): number {
  return Math.max(160, 48 + 28 * categories);
}

// Horizontal bars, one per channel, most installs on top: deterministic and
// probabilistic stacked, and organic as its own bar.
export function installsChartOption(report: InstallReport): ChartOption {
  const table = installTable(report);
  const categories = table.rows.map((row) => row.label);
  const last = table.rows.length - 1; // the organic row
  const paid = (pick: (row: InstallRow) => number | null) =>
    table.rows.map((row, i) => (i === last ? null : pick(row)));
  return {
    grid: { left: 8, right: 24, top: 32, bottom: 8 },
    legend: { top: 0 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      valueFormatter: (value: unknown) => (value == null ? '–' : formatInt(Number(value))),
    },
    xAxis: {
      type: 'value',
      minInterval: 1,
      axisLabel: { formatter: (value: number) => formatCompact(value) },
    },
    yAxis: { type: 'category', data: categories, inverse: true },
    series: [
      {
        name: 'Deterministic',
        type: 'bar',
        stack: 'installs',
        data: paid((row) => row.deterministic),
        color: PALETTE[0],
      },
      {
        name: 'Probabilistic',
        type: 'bar',
        stack: 'installs',
        data: paid((row) => row.probabilistic),
        color: PALETTE[2],
      },
      {
        name: 'Organic',
        type: 'bar',
        stack: 'installs',
        data: table.rows.map((row, i) => (i === last ? row.installs : null)),
        color: '#8c8c8c',
      },
    ],
  };
}

export interface ModelSeries {
  model: MtaModel;
  label: string;
  values: number[]; // conversions credited, one per channel of the matrix
}

export interface ComparisonMatrix {
  channels: string[];
  series: ModelSeries[]; // models in MODELS order, those with an answer
}

// Every channel any model credits, with each model's credit (0 where a model
// gives a channel none). Channels are ordered by the chosen model's credit,
// highest first; ties (and channels the chosen model lacks) by the sum over
// all models, highest first, then by name.
export function compareModels(
  answers: Partial<Record<MtaModel, MtaReport>>,
  chosen: MtaModel,
): ComparisonMatrix {
  const credit = new Map<MtaModel, Map<string, number>>();
  const sums = new Map<string, number>();
  for (const { model } of MODELS) {
    const answer = answers[model];
    if (!answer) continue;
    const byChannel = new Map<string, number>();
    for (const row of answer.rows) {
      byChannel.set(row.channel, (byChannel.get(row.channel) ?? 0) + row.conversions);
      sums.set(row.channel, (sums.get(row.channel) ?? 0) + row.conversions);
    }
    credit.set(model, byChannel);
  }
  const chosenCredit = credit.get(chosen) ?? new Map<string, number>();
  const channels = [...sums.keys()].sort(
    (a, b) =>
      (chosenCredit.get(b) ?? 0) - (chosenCredit.get(a) ?? 0) ||
      (sums.get(b) ?? 0) - (sums.get(a) ?? 0) ||
      (a < b ? -1 : a > b ? 1 : 0),
  );
  const series: ModelSeries[] = [];
  for (const { model, label } of MODELS) {
    const byChannel = credit.get(model);
    if (byChannel) {
      series.push({ model, label, values: channels.map((c) => byChannel.get(c) ?? 0) });
    }
  }
  return { channels, series };
}

// The matrix without some channels (the chart leaves out `(organic)`, which
// every model credits alike).
export function withoutChannels(matrix: ComparisonMatrix, drop: string[]): ComparisonMatrix {
  const keep = matrix.channels.map((channel) => !drop.includes(channel));
  return {
    channels: matrix.channels.filter((_, i) => keep[i]),
    series: matrix.series.map((s) => ({ ...s, values: s.values.filter((_, i) => keep[i]) })),
  };
}

// Grouped bars: x = channel, one bar per model. With more channels than
// `visible`, a slider pages through them.
export function compareChartOption(matrix: ComparisonMatrix, visible: number): ChartOption {
  const zoom = matrix.channels.length > visible;
  return {
    // The axis labels stay above the slider (outerBounds), whatever their length.
    grid: {
      left: 8,
      right: 16,
      top: 40,
      bottom: zoom ? 48 : 8,
      outerBounds: { left: 0, right: 0, top: 0, bottom: zoom ? 40 : 0 },
    },
    legend: { top: 0, type: 'scroll', itemGap: 8 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      valueFormatter: (value: unknown) => formatDecimal(Number(value)),
    },
    xAxis: {
      type: 'category',
      data: matrix.channels,
      axisLabel: { interval: 0, rotate: matrix.channels.length > 4 ? 30 : 0 },
    },
    yAxis: {
      type: 'value',
      axisLabel: { formatter: (value: number) => formatCompact(value) },
    },
    dataZoom: zoom
      ? [
          {
            type: 'slider',
            xAxisIndex: 0,
            startValue: 0,
            endValue: visible - 1,
            bottom: 8,
            height: 22,
            showDetail: false,
          },
          { type: 'inside', xAxisIndex: 0, zoomOnMouseWheel: false, moveOnMouseWheel: false },
        ]
      : [],
    series: matrix.series.map((s) => ({
      name: s.label,
      type: 'bar',
      data: s.values,
      color: MODEL_COLORS[s.model],
    })),
  };
}

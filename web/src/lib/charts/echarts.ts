// ECharts, tree-shaken: only the charts and components the pages use are
// registered (the full bundle is ~1 MB). This module registers what every
// chart needs (line charts, grid, tooltip, canvas): the Overview loads only
// this. Bar and heatmap charts, legends, visual maps and zoom live in
// ./echarts-extra.ts, which the pages that draw them import. Add a chart type
// to one of the two before using it.
import { LineChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, GridComponent, TooltipComponent, CanvasRenderer]);

export type ChartOption = echarts.EChartsCoreOption;
export { echarts };

// The dashboard's series colours, in order.
export const PALETTE = [
  '#2f54eb',
  '#13a8a8',
  '#fa8c16',
  '#eb2f96',
  '#52c41a',
  '#722ed1',
  '#faad14',
  '#1890ff',
  '#a0d911',
  '#f5222d',
];

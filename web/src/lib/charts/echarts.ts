// ECharts, tree-shaken: only the charts and components the pages use are
// registered (the full bundle is ~1 MB). Add a chart type here before using it.
import { BarChart, HeatmapChart, LineChart } from 'echarts/charts';
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  HeatmapChart,
  LineChart,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

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

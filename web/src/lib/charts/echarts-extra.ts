// The ECharts parts only some pages need (see ./echarts.ts): bar and heatmap
// charts, legends, visual maps and data zoom. Imported for its side effect by
// Attribution, Cohorts and Live, so the Overview's first load skips them.
import { BarChart, HeatmapChart } from 'echarts/charts';
import { DataZoomComponent, LegendComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';

echarts.use([BarChart, HeatmapChart, DataZoomComponent, LegendComponent, VisualMapComponent]);

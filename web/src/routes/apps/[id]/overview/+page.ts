// Asks for the period's stats as soon as the route is known, alongside the
// layout's app request rather than after the page has rendered: the cards
// are the first thing the dashboard shows. The promise is not awaited, so a
// period change shows the previous report (dimmed) until the new one is in.
// The charts (ECharts, most of the page's code) are imported by the page
// only when drawn, so this module is small and runs early; the import starts
// here so that their download overlaps the request.
import { periodFromQuery, periodRange } from '$lib/period';
import { fetchStats } from './stats';

export function load({ params, url }) {
  const range = periodRange(periodFromQuery(url.searchParams), Date.now());
  import('$lib/charts/Chart.svelte').catch(() => {}); // the page shows the failure
  return { range, stats: fetchStats(params.id, range) };
}

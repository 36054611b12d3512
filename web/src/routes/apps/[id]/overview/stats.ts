// The Overview's one request: the whole stats report for a period.
import { api, unwrap, type StatsReport } from '$lib/api/client';
import type { DateRange } from '$lib/period';

export function fetchStats(appId: string, range: DateRange): Promise<StatsReport> {
  const stats = unwrap(
    api.GET('/v1/apps/{app_id}/stats', {
      params: { path: { app_id: appId }, query: { from: range.from, to: range.to } },
    }),
  );
  // The page handles the error; this only keeps an early failure (before the
  // page is there to listen) from being reported as unhandled.
  stats.catch(() => {});
  return stats;
}

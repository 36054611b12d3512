// The Device lookup page's data: a device's stored events turned into
// timeline items (kind, what to show, which touchpoint won the install).
import type { DeviceReport } from '$lib/api/client';

export type EventKind = 'click' | 'impression' | 'install' | 'in_app';

export interface TimelineItem {
  eventId: string;
  type: string; // event_type as sent
  kind: EventKind;
  timestamp: number; // ms since epoch
  source: string | null; // touchpoints only
  campaign: string | null; // touchpoints only
  revenue: number | null; // null when zero
  currency: string | null;
  winning: boolean; // the touchpoint the install was attributed to
  attributedInstall: boolean; // the install the attribution is about
}

// Long journeys show this many events until the user asks for all.
export const TIMELINE_PAGE = 200;

export const KIND_LABELS: Record<EventKind, string> = {
  click: 'Click',
  impression: 'Impression',
  install: 'Install',
  in_app: 'In-app event',
};

export const MATCH_LABELS: Record<'deterministic' | 'probabilistic' | 'organic', string> = {
  deterministic: 'Deterministic (device id)',
  probabilistic: 'Probabilistic (IP + user agent)',
  organic: 'Organic (no touchpoint)',
};

export function eventKind(type: string): EventKind {
  return type === 'click' || type === 'impression' || type === 'install' ? type : 'in_app';
}

export function timelineItems(report: DeviceReport): TimelineItem[] {
  const winner = report.install?.touchpoint_event_id ?? null;
  const installAt = report.install?.timestamp ?? null;
  let installMarked = false;
  return report.events.map((event) => {
    const kind = eventKind(event.event_type);
    const touchpoint = kind === 'click' || kind === 'impression';
    // Re-installs follow the first install; only the first one (at the
    // attributed install's time) is the attributed one.
    const attributedInstall = kind === 'install' && !installMarked && event.timestamp === installAt;
    if (attributedInstall) installMarked = true;
    return {
      eventId: event.event_id,
      type: event.event_type,
      kind,
      timestamp: event.timestamp,
      source: touchpoint ? (event.source ?? null) : null,
      campaign: touchpoint ? (event.campaign ?? null) : null,
      revenue: event.revenue !== 0 && Number.isFinite(event.revenue) ? event.revenue : null,
      currency: event.currency ?? null,
      winning: touchpoint && winner !== null && event.event_id === winner,
      attributedInstall,
    };
  });
}

// What the erasure's answer means for the user.
export function erasureMessage(status: number, message: string): { ok: boolean; text: string } {
  if (status === 202) {
    return {
      ok: true,
      text: 'Erasure recorded. The device’s events are no longer returned or counted; its raw data is removed from storage shortly.',
    };
  }
  if (status === 503) {
    return {
      ok: false,
      text: 'The erasure is recorded but not yet applied. Try again to confirm it.',
    };
  }
  return { ok: false, text: message };
}

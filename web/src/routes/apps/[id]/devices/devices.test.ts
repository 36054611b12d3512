import { describe, expect, it } from 'vitest';
import type { DeviceReport } from '$lib/api/client';
import { erasureMessage, eventKind, timelineItems } from './devices';

type Event = DeviceReport['events'][number];

function event(id: string, type: string, timestamp: number, extra: Partial<Event> = {}): Event {
  return {
    event_id: id,
    app_id: 'app_0000000000000001',
    event_type: type,
    timestamp,
    received_ms: timestamp + 5,
    device_id: 'dev-1',
    revenue: 0,
    ...extra,
  };
}

const REPORT: DeviceReport = {
  device_id: 'dev-1',
  install: {
    timestamp: 3000,
    channel: 'unity_ads',
    source: 'unity_ads',
    campaign: 'row',
    match: 'deterministic',
    touchpoint_event_id: 'c2',
  },
  events: [
    event('i1', 'impression', 1000, { source: 'meta', campaign: 'awareness' }),
    event('c2', 'click', 2000, { source: 'unity_ads', campaign: 'row', medium: 'cpc' }),
    event('in3', 'install', 3000, { source: 'ignored_on_installs' }),
    event('o4', 'open', 4000),
    event('p5', 'purchase', 5000, { revenue: 4.99, currency: 'USD' }),
    event('c6', 'click', 6000, { source: 'unity_ads' }),
    event('in7', 'install', 7000),
  ],
};

describe('timelineItems', () => {
  it('sorts events into kinds and keeps their order', () => {
    const items = timelineItems(REPORT);
    expect(items.map((i) => [i.eventId, i.kind])).toEqual([
      ['i1', 'impression'],
      ['c2', 'click'],
      ['in3', 'install'],
      ['o4', 'in_app'],
      ['p5', 'in_app'],
      ['c6', 'click'],
      ['in7', 'install'],
    ]);
    expect(eventKind('click_through')).toBe('in_app');
  });

  it('highlights only the winning touchpoint, by event id', () => {
    const items = timelineItems(REPORT);
    expect(items.filter((i) => i.winning).map((i) => i.eventId)).toEqual(['c2']);
    // Same source, later click: not the winner.
    expect(items[5]?.winning).toBe(false);
    // The attributed install is the first one at the install's time, not the re-install.
    expect(items.filter((i) => i.attributedInstall).map((i) => i.eventId)).toEqual(['in3']);
  });

  it('shows source and campaign for touchpoints only, revenue only when non-zero', () => {
    const items = timelineItems(REPORT);
    expect(items[0]).toMatchObject({ source: 'meta', campaign: 'awareness', revenue: null });
    expect(items[5]).toMatchObject({ source: 'unity_ads', campaign: null });
    expect(items[2]).toMatchObject({ source: null, campaign: null });
    expect(items[4]).toMatchObject({ revenue: 4.99, currency: 'USD' });
    expect(items[3]).toMatchObject({ revenue: null, currency: null });
  });

  it('highlights nothing for an organic or install-less device', () => {
    const organic: DeviceReport = {
      ...REPORT,
      install: { ...REPORT.install!, match: 'organic', touchpoint_event_id: null },
    };
    expect(timelineItems(organic).some((i) => i.winning)).toBe(false);
    const none: DeviceReport = { ...REPORT, install: null };
    expect(timelineItems(none).some((i) => i.winning || i.attributedInstall)).toBe(false);
  });
});

describe('erasureMessage', () => {
  it('tells a recorded erasure from one to repeat', () => {
    expect(erasureMessage(202, '').ok).toBe(true);
    expect(erasureMessage(503, 'busy')).toEqual({
      ok: false,
      text: 'The erasure is recorded but not yet applied. Try again to confirm it.',
    });
    expect(erasureMessage(400, 'device_id is too long')).toEqual({
      ok: false,
      text: 'device_id is too long',
    });
  });
});

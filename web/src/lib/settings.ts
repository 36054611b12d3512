// App settings as the forms edit them: ATTRIBUTION.md's "App settings" with
// the API's ranges (src/meta/app.h), checked before anything is sent so a
// mistake is named next to its field. The server checks again.
import type { AppSettings } from '$lib/api/client';

export interface SettingSpec {
  key: keyof AppSettings;
  label: string;
  help: string;
  kind: 'int' | 'number' | 'bool';
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
}

export const SETTING_SPECS: SettingSpec[] = [
  {
    key: 'click_lookback_hours',
    label: 'Click lookback (hours)',
    help: 'Max age of a click that can win an install.',
    kind: 'int',
    min: 0,
    max: 8760,
  },
  {
    key: 'impression_lookback_hours',
    label: 'Impression lookback (hours)',
    help: 'Max age of an impression that can win an install.',
    kind: 'int',
    min: 0,
    max: 8760,
  },
  {
    key: 'probabilistic',
    label: 'Probabilistic matching',
    help: 'Match by IP + user agent when no device id matches.',
    kind: 'bool',
  },
  {
    key: 'probabilistic_window_hours',
    label: 'Probabilistic window (hours)',
    help: 'Max age of a click for an IP + user-agent match.',
    kind: 'int',
    min: 0,
    max: 8760,
  },
  {
    key: 'mta_lookback_days',
    label: 'Multi-touch lookback (days)',
    help: 'Max age of a touchpoint in a conversion path.',
    kind: 'int',
    min: 1,
    max: 365,
  },
  {
    key: 'time_decay_half_life_hours',
    label: 'Time-decay half-life (hours)',
    help: 'Credit halves for every half-life before the conversion.',
    kind: 'number',
    min: 0,
    max: 8760,
    exclusiveMin: true,
  },
  {
    key: 'retention_days',
    label: 'Retention (days)',
    help: 'Raw events older than this are removed; daily totals stay.',
    kind: 'int',
    min: 1,
    max: 3650,
  },
];

export const DEFAULT_SETTINGS: AppSettings = {
  click_lookback_hours: 168,
  impression_lookback_hours: 24,
  probabilistic: true,
  probabilistic_window_hours: 24,
  mta_lookback_days: 30,
  time_decay_half_life_hours: 168,
  retention_days: 400,
};

// Form values: numbers are edited as text.
export type SettingsForm = Record<keyof AppSettings, string | boolean>;

export function toForm(settings: AppSettings): SettingsForm {
  const form = {} as SettingsForm;
  for (const spec of SETTING_SPECS) {
    const value = settings[spec.key];
    form[spec.key] = typeof value === 'boolean' ? value : String(value);
  }
  return form;
}

// Parses and range-checks the form. Errors are keyed by setting.
export function parseSettings(
  form: SettingsForm,
): { settings: AppSettings; errors: null } | { settings: null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const settings = { ...DEFAULT_SETTINGS };
  for (const spec of SETTING_SPECS) {
    const raw = form[spec.key];
    if (spec.kind === 'bool') {
      (settings as Record<string, unknown>)[spec.key] = raw === true;
      continue;
    }
    const text = String(raw).trim();
    const value = Number(text);
    const bounds =
      spec.exclusiveMin === true
        ? `more than ${spec.min} and at most ${spec.max}`
        : `${spec.min} to ${spec.max}`;
    if (text === '' || !Number.isFinite(value)) {
      errors[spec.key] = 'Enter a number.';
    } else if (spec.kind === 'int' && !Number.isInteger(value)) {
      errors[spec.key] = 'Enter a whole number.';
    } else if (
      (spec.min !== undefined && (spec.exclusiveMin ? value <= spec.min : value < spec.min)) ||
      (spec.max !== undefined && value > spec.max)
    ) {
      errors[spec.key] = `Must be ${bounds}.`;
    } else {
      (settings as Record<string, unknown>)[spec.key] = value;
    }
  }
  return Object.keys(errors).length > 0 ? { settings: null, errors } : { settings, errors: null };
}

// The setting key of an API error field such as "settings.click_lookback_hours".
export function settingOfField(field: string | undefined): string | null {
  return field?.startsWith('settings.') ? field.slice('settings.'.length) : null;
}

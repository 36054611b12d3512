// The Settings page's PATCH body: only what the user changed, so a setting
// somebody else changed meanwhile is not overwritten with a stale value.
import type { App, AppSettings, Schemas } from '$lib/api/client';
import { SETTING_SPECS } from '$lib/settings';

export type AppPatch = Schemas['AppPatch'];

// The name as it will be sent, or an error message.
export function checkName(
  name: string,
): { name: string; error: null } | { name: null; error: string } {
  const trimmed = name.trim();
  if (trimmed === '') return { name: null, error: 'Enter a name.' };
  if (new TextEncoder().encode(trimmed).length > 200)
    return { name: null, error: 'At most 200 bytes.' };
  return { name: trimmed, error: null };
}

// The changed keys of `app` (name, settings); null when nothing changed.
export function appPatch(app: App, name: string, settings: AppSettings): AppPatch | null {
  const patch: AppPatch = {};
  if (name !== app.name) patch.name = name;
  const changed: Partial<AppSettings> = {};
  for (const spec of SETTING_SPECS) {
    if (settings[spec.key] !== app.settings[spec.key]) {
      (changed as Record<string, unknown>)[spec.key] = settings[spec.key];
    }
  }
  if (Object.keys(changed).length > 0) patch.settings = changed;
  return Object.keys(patch).length > 0 ? patch : null;
}

// Deleting an app needs its exact name typed (surrounding blanks ignored).
export function deleteConfirmed(app: App, typed: string): boolean {
  return typed.trim() === app.name;
}

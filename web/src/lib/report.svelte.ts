// The state of one report on a page: its last answer, whether a request is in
// flight, and the last request's error. Only the latest request counts: an
// answer that arrives after a newer request started (the period changed
// meanwhile) is dropped, so a slow old answer never replaces a new one.
import type { ApiError } from '$lib/api/client';

export class ReportState<T> {
  report: T | null = $state(null);
  loading = $state(true);
  error: ApiError | null = $state(null);
  #generation = 0;

  // Runs `request`; resolves to true when it was still the latest one once it
  // settled (its answer or error is shown), false when a newer one took over.
  async load(request: () => Promise<T>): Promise<boolean> {
    const mine = ++this.#generation;
    this.loading = true;
    this.error = null;
    try {
      const answer = await request();
      if (mine === this.#generation) this.report = answer;
    } catch (e) {
      if (mine === this.#generation) this.error = e as ApiError;
    } finally {
      if (mine === this.#generation) this.loading = false;
    }
    return mine === this.#generation;
  }
}

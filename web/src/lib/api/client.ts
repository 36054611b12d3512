// The typed API client. `paths` and `components` are generated from
// docs/openapi.yaml by `npm run gen:api` (part of build and check), so a
// change of the API that breaks a page breaks the dashboard's build.
import createClient, { type Middleware } from 'openapi-fetch';
import { clearToken, getToken } from '$lib/auth';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type App = Schemas['App'];
export type AppWithKey = Schemas['AppWithKey'];
export type AppSettings = Schemas['AppSettings'];
export type StatsReport = Schemas['StatsReport'];
export type InstallReport = Schemas['InstallReport'];
export type MtaReport = Schemas['MtaReport'];
export type MtaModel = Schemas['MtaModel'];
export type CohortReport = Schemas['CohortReport'];
export type DeviceReport = Schemas['DeviceReport'];

// An error answer of the API (API.md: {"error": {"code", "message", "field"?}}),
// or a network failure (status 0, code "network_error").
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// Called when the server answers 401: the token is gone or was wrong.
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) {
      clearToken();
      onUnauthorized();
    }
    return response;
  },
};

export const api = createClient<paths>({
  baseUrl: typeof location === 'undefined' ? 'http://localhost' : location.origin,
});
api.use(auth);

export function toApiError(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; field?: unknown } } | null)
    ?.error;
  if (error && typeof error.code === 'string') {
    return new ApiError(
      status,
      error.code,
      typeof error.message === 'string' ? error.message : error.code,
      typeof error.field === 'string' ? error.field : undefined,
    );
  }
  return new ApiError(status, 'http_error', `The server answered ${status}.`);
}

// Awaits an openapi-fetch call and returns its data, or throws an ApiError.
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (e) {
    throw new ApiError(0, 'network_error', `Cannot reach the server: ${String(e)}`);
  }
  if (!result.response.ok) throw toApiError(result.response.status, result.error);
  return result.data as T;
}

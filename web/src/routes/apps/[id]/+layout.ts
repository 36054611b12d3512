import { error } from '@sveltejs/kit';
import { api, unwrap, ApiError } from '$lib/api/client';

export async function load({ params }) {
  try {
    const app = await unwrap(
      api.GET('/v1/apps/{app_id}', { params: { path: { app_id: params.id } } }),
    );
    return { app };
  } catch (e) {
    const err = e as ApiError;
    error(err.status === 404 ? 404 : err.status || 503, err.message);
  }
}

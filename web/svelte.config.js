import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    // A single-page app: the server answers index.html for every client-side
    // route (src/api/static_files.cc), so no page is prerendered.
    adapter: adapter({ fallback: 'index.html', precompress: false, strict: true }),
    version: { pollInterval: 0 },
  },
};

export default config;

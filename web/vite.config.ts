import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    // `npm run dev` proxies the API to a server started with ./scripts/run.
    proxy: { '/v1': process.env.UNMOGROWP_URL ?? 'http://127.0.0.1:8080' },
  },
  build: {
    chunkSizeWarningLimit: 700,
    // Rolldown's report of slow plugins is noise in every build log here.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});

import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/** `npm run dev`: Vite on 5173 with the API, y-websocket and socket.io proxied to the server. */
const target = process.env.MENTEO_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [svelte()],
  server: {
    port: 5173,
    proxy: {
      '/api': target,
      '/healthz': target,
      '/yjs': { target, ws: true },
      '/socket.io': { target, ws: true },
    },
  },
  build: { outDir: 'dist', sourcemap: true },
});

import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/** `npm run dev`: Vite on 5173 with the API, y-websocket and socket.io proxied to the server. */
const target = process.env.MENTEO_API ?? 'http://127.0.0.1:3000';

/**
 * Vendor chunks by what loads them: the first page (login, my rooms) needs none of these; the
 * room loads the sync libraries; the notes editor (Tiptap + ProseMirror) is imported lazily by
 * the room. Each stays under Vite's 500 kB warning and is cached across deploys that do not
 * change it. The shared sync libraries outrank the editor group, which would otherwise pull
 * Yjs in with Tiptap (groups take their modules' dependencies along) and make the room wait
 * for the editor after all. linkifyjs gets its own small chunk for the same reason: chat's
 * links use it, and Tiptap's link extension would take it into the editor group. Sizes before and after are in the README (Performance, "The client bundle").
 */
const VENDOR_GROUPS = [
  // zod, the switch that keeps it from probing eval (CSP), and the shared packages whose schemas
  // are built when they load: one chunk, in execution order, so the switch runs before any
  // schema is built. Split across chunks, an imported chunk runs first and zod probed eval.
  { name: 'shared', priority: 3, test: /[\\/]node_modules[\\/]zod[\\/]|[\\/]packages[\\/](protocol|room-doc)[\\/]src[\\/]|[\\/]client[\\/]src[\\/]zod-jitless\.ts$/ },
  { name: 'editor', priority: 1, test: /[\\/]node_modules[\\/](@tiptap|prosemirror-[^\\/]+|orderedmap|rope-sequence|w3c-keyname|@?y-prosemirror)[\\/]/ },
  { name: 'sync', priority: 2, test: /[\\/]node_modules[\\/](yjs|y-protocols|y-websocket|y-indexeddb|lib0)[\\/]/ },
  { name: 'links', priority: 2, test: /[\\/]node_modules[\\/]linkifyjs[\\/]/ },
  { name: 'socket', priority: 2, test: /[\\/]node_modules[\\/](socket\.io-client|socket\.io-parser|engine\.io-client|engine\.io-parser|@socket\.io[\\/]component-emitter|xmlhttprequest-ssl)[\\/]/ },
];

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
  build: {
    outDir: 'dist',
    sourcemap: true,
    rolldownOptions: { output: { codeSplitting: { groups: VENDOR_GROUPS } } },
  },
});

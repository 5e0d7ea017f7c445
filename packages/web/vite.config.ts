import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The API server listens on 8420 by default; the dev server proxies to it so the UI
// runs on the same origin as in production (the server serves dist/ at `/`).
const API = 'http://127.0.0.1:8420';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Keep the bundle inspectable in CI size checks.
    reportCompressedSize: true,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: {
      // SSE (live tail) must not be buffered by the proxy.
      '/api': { target: API, changeOrigin: false },
      '/healthz': { target: API, changeOrigin: false },
    },
  },
});

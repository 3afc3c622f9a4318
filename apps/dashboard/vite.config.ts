import path from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The dashboard is a static single-page app: `nx run dashboard:build` writes it to dist/apps/dashboard,
 * which grid-api serves at `/` (DASHBOARD_DIR). Paths are relative to this file so that the build does
 * not depend on the working directory.
 */
export default defineConfig({
  root: __dirname,
  base: '/',
  plugins: [react()],
  // @gridwerk/shared/* libs (pure TypeScript, e.g. the Berlin calendar) resolve through tsconfig paths
  resolve: { tsconfigPaths: true },
  build: {
    outDir: path.resolve(__dirname, '../../dist/apps/dashboard'),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
  },
});

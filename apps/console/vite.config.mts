import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

// Served by the API under /console (libs/platform/src/http/console-static.ts); no dev server in production.
export default defineConfig({
  root: here,
  base: '/console/',
  // JSX through Vite's own transformer (Oxc): no Babel, a fast build
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    // the CSP allows no inline script: Vite's module preload polyfill would be one
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
    reportCompressedSize: false,
    rolldownOptions: {
      // antd marks its modules "use client" for React Server Components, which a browser bundle ignores
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
      // ECharts (and zrender) in a chunk of their own: left to itself the bundler puts its runtime helpers in the
      // ECharts chunk, which the entry then imports, and the sign-in route loads the charts (bench:console)
      output: { codeSplitting: { groups: [{ name: 'echarts', test: /node_modules[\\/](echarts|zrender|tslib)[\\/]/ }] } },
    },
  },
  logLevel: 'warn',
  server: { proxy: { '/v1': 'http://127.0.0.1:3000' } },
});

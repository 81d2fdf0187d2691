/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// The build lands in dist/, which dashboards/ui.go embeds into the binary. Everything is
// bundled (fonts included): the page loads nothing from another origin, as the CSP demands.
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { "/api": { target: "http://127.0.0.1:8080", ws: true } },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});

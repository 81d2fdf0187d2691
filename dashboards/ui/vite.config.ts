/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";
import Components from "unplugin-vue-components/vite";
import { ElementPlusResolver } from "unplugin-vue-components/resolvers";
import { compression } from "vite-plugin-compression2";

// The build lands in dist/, which dashboards/ui.go embeds into the binary. Everything is
// bundled (fonts included): the page loads nothing from another origin, as the CSP demands.
// Element Plus components used in templates are imported on demand (the resolver), so a page
// carries only the components it uses; its stylesheet is imported once in main.ts. Every
// asset is precompressed (.gz and .br beside it); the server picks one by Accept-Encoding.
export default defineConfig({
  base: "/",
  plugins: [
    vue(),
    Components({ resolvers: [ElementPlusResolver({ importStyle: false })], dts: false }),
    compression({ algorithms: ["gzip", "brotliCompress"], include: /\.(js|mjs|css|svg|json|woff2?)$/, threshold: 1024 }),
  ],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
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

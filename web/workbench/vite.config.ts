import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

// Served by the gateway (infra/nginx) at "/", next to /api/<service>/.
// `npm run dev` proxies /api to a running gateway (make up) on :8000.
export default defineConfig({
  plugins: [vue()],
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        manualChunks: { "element-plus": ["element-plus"], vue: ["vue", "vue-router", "vue-i18n"] },
      },
    },
  },
  server: { proxy: { "/api": "http://127.0.0.1:8000" } },
});

import { availableParallelism } from "node:os";
import { fileURLToPath, URL } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

const apiTarget = process.env.VITE_DEV_API_TARGET ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) },
  },
  build: {
    rollupOptions: {
      output: {
        // The editor is the biggest dependency and changes least often: its own cached file.
        manualChunks: (id) =>
          /node_modules\/@(codemirror|lezer)\//.test(id) ? "codemirror" : undefined,
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      "/api": { target: apiTarget, changeOrigin: true },
      "/v1": { target: apiTarget, changeOrigin: true },
    },
  },
  test: {
    environment: "jsdom",
    // Every core: the default leaves one to the main process, which on two cores halves the
    // run (jsdom set-up per file dominates, not the main process).
    pool: "threads",
    maxWorkers: availableParallelism(),
    minWorkers: availableParallelism(),
    globals: true,
    setupFiles: ["./src/testing/setup-tests.ts"],
    include: ["src/**/__tests__/**/*.test.{ts,tsx}"],
    // Node's fetch needs absolute URLs; the browser resolves "" against the page origin.
    env: { VITE_API_BASE_URL: "http://portal.test" },
    restoreMocks: true,
  },
});

import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** `npm run dev`: Vite on :5173 proxying /api to the API on :3000. `npm run build`: apps/web/dist, served by apps/api. */
export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: { "/api": { target: "http://127.0.0.1:3000", changeOrigin: false } },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    target: "es2022",
  },
});

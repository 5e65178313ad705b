import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const here = fileURLToPath(new URL(".", import.meta.url));
/** Where the dev server forwards /api and /auth: the local Functions host unless PORTAL_API says otherwise. */
const api = process.env.PORTAL_API ?? "http://localhost:7071";

/** The Function App serves the build at /portal/ under a CSP that forbids inline scripts. */
export default defineConfig({
  root: here,
  base: "/portal/",
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("../dist/portal", import.meta.url)),
    emptyOutDir: true,
    // modulepreload polyfill is bundled, not inlined; keep it that way (no inline script under the CSP)
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 900,
  },
  server: {
    proxy: {
      "/api": api,
      "/auth": api,
    },
  },
});

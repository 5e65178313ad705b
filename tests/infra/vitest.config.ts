import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// tests/infra runs only from infra/check.sh (npm run infra:check), after `bicep build` has
// written infra/build/. The root vitest.config.ts excludes this folder so `npm test` stays
// fast and needs no Bicep CLI.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["tests/infra/**/*.test.ts"],
    testTimeout: 30_000,
  },
});

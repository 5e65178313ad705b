// When the last `npm run build` finished, and whether a source changed since (npm run admin rebuilds only then).
import { globSync, statSync, writeFileSync } from "node:fs";

export const STAMP = "dist/.build-stamp";

/** True when a source file is newer than the last build (paths relative to the repository root). */
export function isStale() {
  let built = 0;
  try {
    built = statSync(STAMP).mtimeMs;
  } catch {
    return true;
  }
  const sources = ["package.json", "package-lock.json", ...globSync("{functions,shared,local}/**/*.{ts,cts,json,cjs,mjs}")];
  return sources.some((f) => statSync(f).mtimeMs > built);
}

export function stamp() {
  writeFileSync(STAMP, new Date().toISOString());
}

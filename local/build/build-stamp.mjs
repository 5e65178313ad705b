// When the last `npm run build` finished, and whether a source changed since (npm run admin rebuilds only then).
import { createHash } from "node:crypto";
import { existsSync, globSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const STAMP = "dist/.build-stamp";

/** True when a source file is newer than the last build (paths relative to the repository root). */
export function isStale() {
  let built = 0;
  try {
    built = statSync(STAMP).mtimeMs;
  } catch {
    return true;
  }
  const sources = [
    "package.json",
    "package-lock.json",
    ...globSync("{functions,shared,local}/**/*.{ts,cts,json,cjs,mjs}"),
  ];
  return sources.some((f) => statSync(f).mtimeMs > built);
}

export function stamp() {
  writeFileSync(STAMP, new Date().toISOString());
}

// The portal's build (`npm run build`: 20-25 s of tsc and Vite) is skipped when its inputs are
// unchanged: dist/portal/.inputs holds a hash of every file of portal/ and of package-lock.json,
// written once a build succeeded (a failed or interrupted build leaves none, so the next one runs).
export const PORTAL_STAMP = "dist/portal/.inputs";

/** A hash of what the portal's build is made of (file names and contents). */
export function portalInputs() {
  const hash = createHash("sha256");
  const files = [
    "package-lock.json",
    ...globSync("portal/**/*", { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name)),
  ];
  for (const file of files.sort()) hash.update(`${file}\0`).update(readFileSync(file)).update("\0");
  return hash.digest("hex");
}

/** True when dist/portal was built from the current inputs. */
export function portalIsCurrent(inputs = portalInputs()) {
  return (
    existsSync(join("dist", "portal", "index.html")) &&
    existsSync(PORTAL_STAMP) &&
    readFileSync(PORTAL_STAMP, "utf8") === inputs
  );
}

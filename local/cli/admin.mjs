// `npm run admin -- ...`: rebuilds only when a source changed, then runs the bundled CLI in this process.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isStale } from "../build/build-stamp.mjs";

process.chdir(join(dirname(fileURLToPath(import.meta.url)), "..", ".."));
if (isStale()) {
  const build = spawnSync(process.execPath, ["local/build/build.mjs"], { stdio: ["ignore", "ignore", "inherit"] });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const { runAdmin } = await import("../../dist/admin.js");
process.exit(await runAdmin(process.argv.slice(2)));

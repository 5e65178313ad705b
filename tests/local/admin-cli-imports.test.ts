import { describe, expect, it } from "vitest";
import { build } from "esbuild";

/** The admin CLI is a production tool: it must not load the local host's queue emulator (Azurite) or runner. */

describe("the admin CLI's module graph", () => {
  it("holds neither local/queue-host.ts nor azurite nor the Functions host's @azure/functions", async () => {
    const result = await build({
      entryPoints: ["local/admin.ts"],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      write: false,
      metafile: true,
      outdir: "dist-unused",
      external: ["@azure/functions-core"],
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain("local/admin/jobs.ts");
    expect(inputs).toContain("local/local-queue.ts");
    expect(inputs.filter((i) => /local\/(queue-host|host)\.ts$|node_modules\/(azurite|@azure\/functions)\//.test(i))).toEqual([]);
  });
});

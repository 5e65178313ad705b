import { describe, expect, it } from "vitest";
import { build } from "esbuild";

/**
 * The admin CLI (local/cli/) is a production tool: it must not load the local host (local/host/), its
 * queue emulator (Azurite) or its development OpenID provider (oidc-provider). From local/host/ it
 * takes only the constants of where the embedded store and queue listen and the dev workload id.
 */

describe("the admin CLI's module graph", () => {
  it("holds, of local/host/, only its constant files: no host, no queue emulator, no OpenID provider, no Functions host", async () => {
    const result = await build({
      entryPoints: ["local/cli/admin.ts"],
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
    expect(inputs).toContain("local/cli/admin/jobs.ts");
    expect(inputs.filter((i) => i.startsWith("local/host/")).sort()).toEqual([
      "local/host/dev-workload.ts",
      "local/host/local-queue.ts",
      "local/host/local-store.ts",
    ]);
    expect(
      inputs.filter((i) => /^local\/(tools|build)\/|node_modules\/(azurite|oidc-provider|@azure\/functions)\//.test(i)),
    ).toEqual([]);
  });
});

import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startHost } from "../../local/host/host.js";
import { client, entraUser } from "../helpers/host.js";

/** `npm start` keeps the embedded store's data in files (here in a temporary folder, never .data/): see tests/local/store-journal.test.ts. */

const dir = mkdtempSync(join(tmpdir(), "scim-store-file-"));
const dataFile = join(dir, "local-store.json");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const start = (env: Record<string, string> = {}) => startHost({ port: 0, storePort: 0, env, log: () => {}, dataFile });

describe("the local store's data file", () => {
  it("keeps tenants, tokens and resources across a restart, with one default tenant and a usable new token", async () => {
    const first = await start();
    const created = await client(first, first.defaultTenant!.token).post("/Users", entraUser("kept@contoso.com"));
    expect(created.status).toBe(201);
    await first.services.tenants.create("Contoso", new Date());
    await first.close();

    const second = await start();
    expect(second.defaultTenant!.id).toBe(first.defaultTenant!.id);
    expect((await second.services.tenants.list()).map((t: { name: string }) => t.name)).toEqual([
      "Default tenant",
      "Contoso",
    ]);
    const scim = client(second, second.defaultTenant!.token);
    expect((await scim.get(`/Users/${created.body.id}`)).body.userName).toBe("kept@contoso.com");
    expect((await client(second, first.defaultTenant!.token).get("/Users")).status).toBe(200);
    await second.close();
  });

  it("reuses SCIM_DEV_TOKEN after a restart instead of creating it twice", async () => {
    const env = { SCIM_DEV_TOKEN: "scimf_test_token_0123456789abcdef0123456789" };
    const first = await start(env);
    await first.close();
    const second = await start(env);
    expect(second.defaultTenant).toEqual({ id: first.defaultTenant!.id, token: env.SCIM_DEV_TOKEN });
    expect((await client(second, env.SCIM_DEV_TOKEN).get("/Users")).status).toBe(200);
    await second.close();
  });

  it("holds token hashes, never the secrets, and leaves no temporary file behind", () => {
    // The data is a journal of changes beside the snapshot (written once the journal has grown).
    // Beside them, local-token: the printed token's secret, kept (owner-only) so that a restart reuses it.
    expect(statSync(join(dir, "local-token")).mode & 0o077).toBe(0);
    const files = readdirSync(dir)
      .filter((f) => f !== "local-token")
      .sort();
    expect(files.every((f) => f === "local-store.json" || /^local-store\.json\.journal\.\d+$/.test(f))).toBe(true);
    const text = files.map((f) => readFileSync(join(dir, f), "utf8")).join("");
    expect(text).not.toContain("scimf_");
    // A token document is named by the SHA-256 of its secret.
    expect(text).toMatch(/"c":"scim\/tokens","k":"[0-9a-f]{64}","put":\{"id":"[0-9a-f]{64}"/);
  });
});

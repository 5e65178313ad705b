import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedStore, type EmbeddedStore } from "../helpers/store.js";
import { createServices } from "../../shared/services.js";
import { ADMIN_CLI, type OperationContext, type Services } from "../../shared/operations/context.js";
import { addOAuthSecret, createOAuthClient, revokeOAuthSecret } from "../../shared/operations/oauth.js";
import { StaleWriteError } from "../../shared/store/resources.js";

/**
 * An OAuth client is changed load → plan → write: the store writes a client only under the ETag it
 * was loaded with, and the operation plans again on a lost race, so concurrent admins lose nothing
 * and a secret is drawn once however often the plan runs.
 */

let store: EmbeddedStore;
let services: Services;
let tenantId: string;
const ctx = (): OperationContext => ({ tenantId, actor: ADMIN_CLI, now: new Date(), services, baseUrl: "" });

beforeAll(async () => {
  store = await startEmbeddedStore();
  services = createServices(store.config);
  tenantId = (await services.tenants.create("OAuth changes", new Date())).id;
});
afterAll(async () => store?.close());

describe("OAuth client changes", () => {
  it("refuses a write over a client that changed since it was loaded (StaleWriteError)", async () => {
    const { client } = await createOAuthClient(ctx(), { name: "stale" });
    const loaded = await services.oauth.loadClient(tenantId, client.clientId);
    await addOAuthSecret(ctx(), client.clientId);
    await expect(
      services.oauth.writeClient({ ...loaded, revokedAt: "2026-12-05T00:00:00.000Z" }, loaded),
    ).rejects.toBeInstanceOf(StaleWriteError);
    expect((await services.oauth.loadClient(tenantId, client.clientId)).revokedAt).toBeUndefined();
  });

  it("keeps every one of 6 secrets added at once, and a revocation made meanwhile", async () => {
    const { client } = await createOAuthClient(ctx(), { name: "busy" });
    const first = client.secrets[0]!.id;
    const added = await Promise.all([
      ...Array.from({ length: 6 }, () => addOAuthSecret(ctx(), client.clientId)),
      revokeOAuthSecret(ctx(), client.clientId, first),
    ]);
    const doc = await services.oauth.loadClient(tenantId, client.clientId);
    expect(doc.secrets).toHaveLength(7);
    expect(doc.secrets.find((s) => s.id === first)?.revokedAt).toBeDefined();
    const ids = added.slice(0, 6).map((a) => (a as { secret: { id: string } }).secret.id);
    expect(new Set(ids).size).toBe(6);
    for (const id of ids) expect(doc.secrets.some((s) => s.id === id && !s.revokedAt)).toBe(true);
  });
});

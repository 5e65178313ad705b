import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedStore, type EmbeddedStore } from "../helpers/store.js";
import { createServices } from "../../shared/services.js";
import { ADMIN_CLI, type OperationContext, type Services } from "../../shared/operations/context.js";
import { StaleWriteError } from "../../shared/store/resources.js";
import { tenantSettings, updateSettings } from "../../shared/operations/settings.js";

/**
 * The settings document is written with a precondition, never through a callback: the store loads
 * it with its version and writes only if nobody changed it since; the operation (load → plan →
 * write, operations/retry.ts) plans again on a lost race, so concurrent admins lose no change.
 */

let store: EmbeddedStore;
let services: Services;
let tenantId: string;
const ctx = (): OperationContext => ({ tenantId, actor: ADMIN_CLI, now: new Date(), services, baseUrl: "" });

beforeAll(async () => {
  store = await startEmbeddedStore();
  services = createServices(store.config);
  tenantId = (await services.tenants.create("Settings", new Date())).id;
});
afterAll(async () => store?.close());

describe("the settings store", () => {
  it("refuses a write whose version is no longer current (StaleWriteError), and writes nothing", async () => {
    const first = await services.settings.load(tenantId);
    await services.settings.write(tenantId, { ...first.settings, deletedUserRetentionDays: 7 }, first.version);
    const error = await services.settings
      .write(tenantId, { ...first.settings, deletedUserRetentionDays: 9 }, first.version)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StaleWriteError);
    expect((await services.settings.load(tenantId)).settings.deletedUserRetentionDays).toBe(7);
  });

  it("keeps every one of 12 concurrent changes (each plans again on the document another just wrote)", async () => {
    const names = Array.from({ length: 12 }, (_, i) => `Team ${i}`);
    await Promise.all(
      names.map((name, i) =>
        updateSettings(ctx(), (s) => ({
          ...s,
          teams: [...s.teams, { id: `t${i}`, name, createdAt: "2026-12-05T00:00:00.000Z" }],
        })),
      ),
    );
    const teams = (await tenantSettings(ctx(), { fresh: true })).teams.map((t) => t.name);
    expect(teams.sort()).toEqual([...names].sort());
  });
});

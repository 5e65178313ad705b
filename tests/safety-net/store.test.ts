import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedStore, type EmbeddedStore } from "../helpers/store.js";
import { SafetyNetStore } from "../../shared/store/safety-net.js";
import { StaleWriteError } from "../../shared/store/resources.js";
import { eventDoc, type ProvisioningEventType } from "../../shared/store/event-feed.js";

/** The safety net's store: the window's removals read incrementally, the active-user count reused, held deletes per hold. */

let embedded: EmbeddedStore;
let store: SafetyNetStore;
const T0 = new Date("2026-12-05T10:00:00.000Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

beforeAll(async () => {
  embedded = await startEmbeddedStore();
  store = new SafetyNetStore(embedded.cosmos.resources);
});
afterAll(async () => embedded.close());

async function event(tenantId: string, type: ProvisioningEventType, resourceId: string, time: Date) {
  await embedded.cosmos.resources.items.create(
    eventDoc({ tenantId, type, time: time.toISOString(), resourceType: "User", resourceId, actor: "entra" }),
  );
}

const ids = (rows: { resourceId: string; type: string }[]) => rows.map((r) => `${r.type}:${r.resourceId}`).sort();

describe("the window's removals", () => {
  it("reads the window once, then what was written since, and drops what leaves the window", async () => {
    const tenant = "t-window";
    await event(tenant, "user.deleted", "old", at(-3700));
    await event(tenant, "user.deactivated", "a", at(-600));
    await event(tenant, "user.created", "c", at(-500));
    await event(tenant, "user.activated", "c", at(-450));
    await event("another-tenant", "user.deleted", "x", at(-300));
    expect(ids(await store.removals(tenant, at(-3600), T0))).toEqual(["user.deactivated:a"]);

    await event(tenant, "user.deleted", "a", at(5));
    await event(tenant, "user.deleted", "b", at(6));
    expect(ids(await store.removals(tenant, at(-3600 + 10), at(10)))).toEqual([
      "user.deactivated:a",
      "user.deleted:a",
      "user.deleted:b",
    ]);
    // The window moves past a's disconnect.
    expect(ids(await store.removals(tenant, at(-590), at(20)))).toEqual(["user.deleted:a", "user.deleted:b"]);
    // A window reaching back further than the one remembered is read whole again.
    expect(ids(await store.removals(tenant, at(-3600), at(30)))).toHaveLength(3);
  });
});

describe("the active users", () => {
  it("counts users whose active is not false, reused for a minute", async () => {
    const tenant = "t-active";
    const user = (id: string, active?: boolean) =>
      embedded.cosmos.resources.items.create({
        id,
        tenantId: tenant,
        kind: "User",
        resource: { userName: `${id}@x.dev`, ...(active === undefined ? {} : { active }) },
        norm: {},
        meta: { created: T0.toISOString(), lastModified: T0.toISOString() },
      });
    await user("u1", true);
    await user("u2");
    await user("u3", false);
    expect(await store.activeUsers(tenant, T0)).toEqual({ count: 2, measuredAt: T0 });
    await user("u4", true);
    expect((await store.activeUsers(tenant, at(59))).count).toBe(2);
    expect(await store.activeUsers(tenant, at(61))).toEqual({ count: 3, measuredAt: at(61) });
  });
});

describe("held deletes", () => {
  it("are kept per hold: first time, attempts, the total, in the order they were first held", async () => {
    const tenant = "t-held";
    await store.recordHeld(tenant, "h1", { id: "u-b", userName: "bea@x.dev" }, T0);
    await store.recordHeld(tenant, "h1", { id: "u-a", userName: "al@x.dev" }, at(1));
    await store.recordHeld(tenant, "h1", { id: "u-b", userName: "bea@x.dev" }, at(2));
    await store.recordHeld(tenant, "h2", { id: "u-c", userName: "cy@x.dev" }, at(3));
    const { held, total } = await store.held(tenant, "h1", 10);
    expect(total).toBe(2);
    expect(held.map((h) => [h.userName, h.firstHeldAt, h.lastHeldAt, h.attempts])).toEqual([
      ["bea@x.dev", T0.toISOString(), at(2).toISOString(), 2],
      ["al@x.dev", at(1).toISOString(), at(1).toISOString(), 1],
    ]);
    expect((await store.held(tenant, "h1", 1)).held).toHaveLength(1);
    expect((await store.held("another-tenant", "h1", 10)).total).toBe(0);
  });
});

describe("the state", () => {
  it("is created, then replaced only under the ETag it was loaded with (StaleWriteError else)", async () => {
    const tenant = "t-state";
    expect(await store.state(tenant)).toBeUndefined();
    const hold = { id: "h", since: T0.toISOString(), cause: "because", by: "entra" };
    const first = await store.write(tenant, undefined, { hold });
    expect(first).toMatchObject({ id: "safety-net", kind: "SafetyNet", hold });
    // A second create from "none yet": another got there first.
    await expect(store.write(tenant, undefined, { armedSince: "y" })).rejects.toBeInstanceOf(StaleWriteError);
    const loaded = (await store.state(tenant))!;
    await store.write(tenant, loaded, { armedSince: "x" });
    // The same loaded state again: it changed since.
    await expect(store.write(tenant, loaded, { hold: undefined })).rejects.toBeInstanceOf(StaleWriteError);
    const state = await store.state(tenant);
    expect(state?.hold).toBeUndefined();
    expect(state?.armedSince).toBe("x");
  });
});

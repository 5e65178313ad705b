import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedStore, type EmbeddedStore } from "../helpers/store.js";
import { create } from "../helpers/operations.js";
import { USER } from "../helpers/host.js";
import { createServices } from "../../shared/services.js";
import { runAdmin } from "../../local/cli/admin.js";
import type { OperationContext, Services } from "../../shared/operations/context.js";
import type { ResourceDoc } from "../../shared/store/resources.js";
import { eventDoc, type ProvisioningEventType } from "../../shared/store/event-feed.js";
import { listAudit } from "../../shared/operations/audit.js";
import {
  DeleteHeldError,
  discardHold,
  guardUserDelete,
  releaseHold,
  safetyNetView,
  setSafetyNetSettings,
} from "../../shared/operations/safety-net.js";
import { OperationError } from "../../shared/operations/errors.js";
import { ScimError } from "../../shared/scim/errors.js";

/**
 * The safety net's operations against the embedded store: the guard the SCIM user delete calls
 * (called directly here, as operations/resources.ts calls it before it plans a delete), the view,
 * release, discard, settings, the provisioning log, and the CLI. Removals are event documents
 * (store/event-feed.ts) written here as the SCIM writes write them, so this file does not depend
 * on which writes already emit them.
 */

let embedded: EmbeddedStore;
let services: Services;
let clock = new Date("2026-12-05T10:00:00.000Z");
const MINUTE = 60_000;
const tick = (ms: number) => (clock = new Date(clock.getTime() + ms));

beforeAll(async () => {
  embedded = await startEmbeddedStore();
  services = createServices(embedded.config, () => clock);
});
afterAll(async () => embedded.close());

const entra = (tenantId: string): OperationContext => ({
  tenantId,
  actor: { kind: "token", tokenId: "tok_entra", tokenName: "entra-provisioning" },
  now: clock,
  services,
  baseUrl: "https://scim.example/scim/v2",
});
const admin = (tenantId: string): OperationContext => ({
  tenantId,
  actor: { kind: "admin", id: "portal:ann", name: "portal:ann" },
  now: clock,
  services,
  baseUrl: "",
});

/** A tenant with `active` active users (created through the SCIM create operation). */
async function tenantWith(active: number): Promise<{ tenantId: string; users: ResourceDoc[] }> {
  const tenantId = (await services.tenants.create(`net ${active}`, clock)).id;
  const users: ResourceDoc[] = [];
  for (let i = 0; i < active; i++) {
    const written = await create(entra(tenantId), "User", {
      schemas: [USER],
      userName: `user${i}@contoso.dev`,
      active: true,
    });
    users.push((await services.resources.get(tenantId, "User", written.id))!);
  }
  return { tenantId, users };
}

/** Removal events as the SCIM writes leave them, `minutesAgo` before the clock. */
async function removed(tenantId: string, type: ProvisioningEventType, ids: string[], minutesAgo = 5) {
  const time = new Date(clock.getTime() - minutesAgo * MINUTE).toISOString();
  for (const resourceId of ids)
    await embedded.cosmos.resources.items.create(
      eventDoc({ tenantId, type, time, resourceType: "User", resourceId, actor: "entra-provisioning" }),
    );
}

const gone = (n: number, prefix = "gone") => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

async function held(ctx: OperationContext, user: ResourceDoc): Promise<DeleteHeldError> {
  const error = await guardUserDelete(ctx, user).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeleteHeldError);
  return error as DeleteHeldError;
}

const log = async (tenantId: string, operation: string) =>
  (await listAudit(admin(tenantId), { operation, limit: 50, page: 1 })).events;

describe("the guard", () => {
  it("lets deletes through up to the limit (25 of 100), and holds the next with 429, Retry-After and a detail", async () => {
    // 75 active users, and 25 deleted in the last hour: 100 active an hour ago, 25 removed.
    const { tenantId, users } = await tenantWith(75);
    await removed(tenantId, "user.deleted", gone(24));
    await expect(guardUserDelete(entra(tenantId), users[0]!)).resolves.toBeUndefined();
    await removed(tenantId, "user.deleted", ["gone-24"], 0);

    const error = await held(entra(tenantId), users[1]!);
    expect(error).toBeInstanceOf(ScimError);
    expect(error.status).toBe(429);
    expect(error.scimType).toBeUndefined();
    expect(error.headers).toEqual({ "Retry-After": "60" });
    expect(error.detail).toMatch(/^Delete held by the deprovisioning safety net: 26 of 100 active users \(26%\)/);
    expect(error.detail).toMatch(/more than the limit of 25 \(20% of the active users, at least 25\)/);
    expect(error.detail).toMatch(/Disconnects \(active=false\) still take effect/);
    expect(error.detail).toContain(`safety-net release|discard --tenant ${tenantId}`);

    // Held now: every further delete, without counting; the same user again counts an attempt.
    await held(entra(tenantId), users[2]!);
    tick(MINUTE);
    await held(entra(tenantId), users[1]!);
    const view = await safetyNetView(admin(tenantId));
    expect(view.hold).toEqual({
      since: "2026-12-05T10:00:00.000Z",
      cause: expect.stringMatching(/^26 of 100 active users/),
      total: 2,
      held: [
        { userId: users[1]!.id, userName: "user1@contoso.dev", firstHeldAt: "2026-12-05T10:00:00.000Z", attempts: 2 },
        { userId: users[2]!.id, userName: "user2@contoso.dev", firstHeldAt: "2026-12-05T10:00:00.000Z", attempts: 1 },
      ],
    });
    expect(view.window).toMatchObject({ disconnected: 0, deleted: 25, activeUsers: 100, threshold: 25 });

    const [hold, ...more] = await log(tenantId, "delete-hold");
    expect(more).toEqual([]);
    expect(hold).toMatchObject({
      tokenName: "entra-provisioning",
      resourceType: "SafetyNet",
      resourceId: tenantId,
      status: 200,
      detail: expect.stringMatching(/^User deletes are held from now on \(disconnects still take effect\): 26 of 100/),
    });
  });

  it("counts disconnects and deletes of distinct users, only within the last hour", async () => {
    const { tenantId, users } = await tenantWith(80);
    await removed(tenantId, "user.deleted", gone(30, "old"), 61); // before the window
    await removed(tenantId, "user.deactivated", gone(15, "d"), 30);
    await removed(tenantId, "user.deleted", gone(10, "d"), 20); // the same users, deleted after their disconnect
    await removed(tenantId, "user.deactivated", gone(10, "e"), 10);
    // 25 distinct users removed in the hour; 80 active + 25 = 105 an hour ago: limit max(25, 21) = 25.
    await expect(guardUserDelete(entra(tenantId), users[0]!)).rejects.toBeInstanceOf(DeleteHeldError);
    const view = await safetyNetView(admin(tenantId));
    expect(view.window).toMatchObject({ disconnected: 25, deleted: 10, activeUsers: 105, threshold: 25 });
  });

  it("holds on disconnects alone: past the limit, the next delete is held", async () => {
    const { tenantId, users } = await tenantWith(74);
    await removed(
      tenantId,
      "user.deactivated",
      users.slice(0, 26).map((u) => u.id),
    );
    await held(entra(tenantId), users[0]!);
  });

  it("never holds another tenant's deletes", async () => {
    const a = await tenantWith(30);
    const b = await tenantWith(30);
    await removed(a.tenantId, "user.deleted", gone(26));
    await held(entra(a.tenantId), a.users[0]!);
    await expect(guardUserDelete(entra(b.tenantId), b.users[0]!)).resolves.toBeUndefined();
    expect((await safetyNetView(admin(b.tenantId))).hold).toBeUndefined();
  });
});

describe("release", () => {
  it("lets the held deletes and the clean-up's further deletes through for 24 hours, then arms the net again", async () => {
    const start = clock;
    const { tenantId, users } = await tenantWith(75);
    await removed(tenantId, "user.deleted", gone(25));
    await held(entra(tenantId), users[0]!);

    const view = await releaseHold(admin(tenantId));
    expect(view.hold).toBeUndefined();
    expect(view.release).toEqual({
      at: start.toISOString(),
      until: new Date(start.getTime() + 24 * 3600_000).toISOString(),
      by: "portal:ann",
      held: 1,
    });
    await expect(guardUserDelete(entra(tenantId), users[0]!)).resolves.toBeUndefined();
    await removed(tenantId, "user.deleted", gone(30, "cleanup"), 0);
    await expect(guardUserDelete(entra(tenantId), users[1]!)).resolves.toBeUndefined();

    const [event] = await log(tenantId, "delete-hold-release");
    expect(event).toMatchObject({ tokenName: "portal:ann", status: 200, resourceType: "SafetyNet" });
    expect(event!.detail).toMatch(
      /^Released the hold placed .*: 1 held delete \(user0@contoso\.dev\) goes through at Entra's next retry/,
    );
    await expect(releaseHold(admin(tenantId))).rejects.toMatchObject({ status: 409, detail: /nothing to release/ });

    // After the release the net counts from its end: the clean-up is not counted against it.
    tick(24 * 3600_000 + MINUTE);
    await expect(guardUserDelete(entra(tenantId), users[2]!)).resolves.toBeUndefined();
    expect((await safetyNetView(admin(tenantId))).release).toBeUndefined();
    clock = new Date(start.getTime() + 5 * MINUTE);
  });
});

describe("discard", () => {
  it("drops the held deletes, ends the hold and counts afresh from then", async () => {
    const { tenantId, users } = await tenantWith(75);
    await removed(tenantId, "user.deleted", gone(25));
    await held(entra(tenantId), users[0]!);
    await held(entra(tenantId), users[1]!);

    const view = await discardHold(admin(tenantId));
    expect(view.hold).toBeUndefined();
    expect(view.window).toMatchObject({ from: clock.toISOString(), deleted: 0 });
    const [event] = await log(tenantId, "delete-hold-discard");
    expect(event!.detail).toMatch(
      /2 held deletes dropped \(user0@contoso\.dev, user1@contoso\.dev\); those users stay/,
    );
    expect(await services.resources.get(tenantId, "User", users[0]!.id)).toBeDefined();

    // Entra sends the discarded deletes again: still refused. Other deletes are judged afresh (the 25
    // before the discard no longer count).
    tick(MINUTE);
    await expect(guardUserDelete(entra(tenantId), users[0]!)).rejects.toMatchObject({
      status: 429,
      detail: expect.stringMatching(/^Delete refused: an admin discarded it/),
    });
    await expect(guardUserDelete(entra(tenantId), users[2]!)).resolves.toBeUndefined();
    await removed(tenantId, "user.deleted", gone(26, "again"), 0);
    await held(entra(tenantId), users[3]!);
    const again = await safetyNetView(admin(tenantId));
    expect(again.hold?.held.map((h) => [h.userName, h.attempts])).toEqual([["user3@contoso.dev", 1]]);
    await discardHold(admin(tenantId));
    await expect(discardHold(admin(tenantId))).rejects.toMatchObject({ status: 409, detail: /nothing to discard/ });
  });

  it("ends a release early", async () => {
    const { tenantId, users } = await tenantWith(75);
    await removed(tenantId, "user.deleted", gone(25));
    await held(entra(tenantId), users[0]!);
    await releaseHold(admin(tenantId));
    await removed(tenantId, "user.deleted", gone(26, "more"), 0);
    tick(MINUTE);
    const view = await discardHold(admin(tenantId));
    expect(view.release).toBeUndefined();
    expect((await log(tenantId, "delete-hold-discard"))[0]!.detail).toMatch(/^Ended the release early/);
    // Armed again from now: the deletes made during the release do not count.
    tick(MINUTE);
    await expect(guardUserDelete(entra(tenantId), users[1]!)).resolves.toBeUndefined();
  });
});

describe("settings", () => {
  it("raise the limit, switch the net off and on, refuse values out of bounds, and log old → new", async () => {
    const { tenantId, users } = await tenantWith(75);
    await removed(tenantId, "user.deleted", gone(30));
    const view = await setSafetyNetSettings(admin(tenantId), { sharePercent: 40, minUsers: 10 });
    expect(view.settings).toEqual({ enabled: true, sharePercent: 40, minUsers: 10 });
    expect(view.window.threshold).toBe(42); // 40% of 105
    await expect(guardUserDelete(entra(tenantId), users[0]!)).resolves.toBeUndefined();

    const [event] = await log(tenantId, "safety-net-settings");
    expect(event).toMatchObject({
      tokenName: "portal:ann",
      changedAttributes: ["deleteSafety.sharePercent", "deleteSafety.minUsers"],
      changes: [
        { attribute: "deleteSafety.sharePercent", old: "20", new: "40" },
        { attribute: "deleteSafety.minUsers", old: "25", new: "10" },
      ],
    });

    await setSafetyNetSettings(admin(tenantId), { sharePercent: 20, minUsers: 25 });
    await held(entra(tenantId), users[0]!);
    await setSafetyNetSettings(admin(tenantId), { enabled: false });
    await expect(guardUserDelete(entra(tenantId), users[0]!)).resolves.toBeUndefined();
    await setSafetyNetSettings(admin(tenantId), { enabled: true });
    await held(entra(tenantId), users[0]!);

    for (const [change, field] of [
      [{ sharePercent: 0 }, "sharePercent"],
      [{ sharePercent: 101 }, "sharePercent"],
      [{ minUsers: 0 }, "minUsers"],
      [{ enabled: "no" }, "enabled"],
      [{}, "enabled"],
    ] as const) {
      const error = await setSafetyNetSettings(admin(tenantId), change).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OperationError);
      expect(error).toMatchObject({ status: 400, field });
    }
    expect((await safetyNetView(admin(tenantId))).settings).toEqual({ enabled: true, sharePercent: 20, minUsers: 25 });
  });
});

describe("the CLI", () => {
  async function cli(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAdmin(argv, { services, out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, text: out.join("\n"), err: err.join("\n") };
  }

  it("shows the hold, releases and discards it, and changes the settings", async () => {
    const { tenantId, users } = await tenantWith(75);
    await removed(tenantId, "user.deleted", gone(25));
    await held(entra(tenantId), users[3]!);

    const status = await cli("safety-net", "status", "--tenant", tenantId);
    expect(status.code).toBe(0);
    expect(status.text).toMatch(
      /^Safety net on: deletes are held when more than 20% of the active users \(at least 25\)/,
    );
    expect(status.text).toMatch(/DELETES HELD since .*: 26 of 100 active users/);
    expect(status.text).toContain(`user3@contoso.dev  ${users[3]!.id}`);
    const json = JSON.parse((await cli("safety-net", "status", "--tenant", tenantId, "--json")).text);
    expect(json.hold.held).toHaveLength(1);

    const released = await cli("safety-net", "release", "--tenant", tenantId);
    expect(released).toMatchObject({ code: 0, text: expect.stringMatching(/^Released: the held deletes go through/) });
    expect((await cli("safety-net", "release", "--tenant", tenantId)).err).toMatch(/nothing to release/);
    expect((await cli("safety-net", "discard", "--tenant", tenantId)).text).toMatch(/^Discarded/);

    const set = await cli("safety-net", "set", "--tenant", tenantId, "--share", "30", "--min", "5", "--off");
    expect(set).toMatchObject({ code: 0, text: "Safety net off: every delete Entra sends goes ahead." });
    expect((await safetyNetView(admin(tenantId))).settings).toEqual({ enabled: false, sharePercent: 30, minUsers: 5 });
    const bad = await cli("safety-net", "set", "--tenant", tenantId, "--share", "150");
    expect(bad).toMatchObject({
      code: 2,
      err: expect.stringMatching(/\(sharePercent\) must be a whole number from 1 to 100/),
    });
    expect(await cli("safety-net", "set", "--tenant", tenantId, "--share", "x")).toMatchObject({ code: 2 });
    expect(await cli("safety-net", "set", "--tenant", tenantId)).toMatchObject({ code: 2 });
    expect(await cli("safety-net", "set", "--tenant", tenantId, "--on", "--off")).toMatchObject({ code: 2 });
  });
});

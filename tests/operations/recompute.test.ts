import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { runAdmin } from "../../local/cli/admin.js";
import { ADMIN_CLI, type Services } from "../../shared/operations/context.js";
import { recomputeRoles } from "../../shared/operations/recompute.js";
import type { ResourceDoc } from "../../shared/store/resources.js";
import { GROUP, entraUser, patch, startTestHost, type Client } from "../helpers/host.js";

/** A role is written only from facts that still hold: a recompute that read a user before another change reads again. */

let host: RunningHost;
let scim: Client;
let tenantId: string;
let clock = new Date("2026-12-01T10:00:00.000Z");

beforeAll(async () => {
  ({ host, scim } = await startTestHost({ now: () => clock }));
  tenantId = host.defaultTenant!.id;
});
afterAll(async () => host?.close());

const role = async (id: string) =>
  ((await host.services.resources.get(tenantId, "User", id))!.product as { role: string }).role;

describe("recomputeRoles", () => {
  it("does not write a role from a stale read: the guarded write fails and the user's groups are read again", async () => {
    const user = (await scim.post("/Users", entraUser("stale@contoso.com"))).body;
    const group = (await scim.post("/Groups", { schemas: [GROUP], displayName: "Stale Managers" })).body;
    expect(
      await runAdmin(["role", "map", "--tenant", tenantId, "--group", "Stale Managers", "--role", "Manager"], {
        services: host.services,
        out: () => {},
      }),
    ).toBe(0);
    clock = new Date(clock.getTime() + 6000);
    // A job step read the user here (role User), and will take it to be a member of the group...
    const stale = (await host.services.resources.get(tenantId, "User", user.id)) as ResourceDoc;
    // ...while Entra adds the user to the group and removes it again (its role: Manager, then User).
    expect(
      (await scim.patch(`/Groups/${group.id}`, patch({ op: "add", path: "members", value: [{ value: user.id }] })))
        .status,
    ).toBe(204);
    expect(await role(user.id)).toBe("Manager");
    expect(
      (await scim.patch(`/Groups/${group.id}`, patch({ op: "remove", path: `members[value eq "${user.id}"]` }))).status,
    ).toBe(204);
    expect(await role(user.id)).toBe("User");

    // The step now writes from what it read: the user as it was, and its groups as they were.
    const resources = new Proxy(host.services.resources, {
      get(target, prop) {
        if (prop === "getMany")
          return async (t: string, type: string, ids: string[]) =>
            type === "User" ? [stale] : target.getMany(t, type as "Group", ids);
        const value = (target as unknown as Record<string | symbol, unknown>)[prop];
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const services = { ...host.services, resources } as Services;
    await recomputeRoles({ tenantId, actor: ADMIN_CLI, now: clock, services, baseUrl: "" }, [user.id], {
      groupsOf: async () => new Map([[user.id, [group.id]]]),
    });
    expect(await role(user.id)).toBe("User");
  });

  it("reads a job step's users before their groups: a member added meanwhile is not demoted from groups read too early", async () => {
    const user = (await scim.post("/Users", entraUser("early@contoso.com"))).body;
    const group = (await scim.post("/Groups", { schemas: [GROUP], displayName: "Early Managers" })).body;
    expect(
      await runAdmin(["role", "map", "--tenant", tenantId, "--group", "Early Managers", "--role", "Manager"], {
        services: host.services,
        out: () => {},
      }),
    ).toBe(0);
    clock = new Date(clock.getTime() + 6000);
    const ctx = { tenantId, actor: ADMIN_CLI, now: clock, services: host.services, baseUrl: "" };
    await recomputeRoles(ctx, [user.id], {
      // The step's membership query answers "no groups"; before its answer is used, Entra adds the user to the group.
      groupsOf: async () => {
        const before = new Map([[user.id, [] as string[]]]);
        expect(
          (await scim.patch(`/Groups/${group.id}`, patch({ op: "add", path: "members", value: [{ value: user.id }] })))
            .status,
        ).toBe(204);
        return before;
      },
    });
    expect(await role(user.id)).toBe("Manager");
  });
});

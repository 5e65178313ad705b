import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedStore, type EmbeddedStore } from "../helpers/store.js";
import { createServices } from "../../shared/services.js";
import { ADMIN_CLI, type OperationContext, type Services } from "../../shared/operations/context.js";
import { create as createOp, patch as patchOp } from "../helpers/operations.js";
import { mapRole, unmapRole } from "../../shared/operations/roles.js";
import { showUser } from "../../shared/operations/users.js";
import { tenantSettings } from "../../shared/operations/settings.js";
import { UnavailableError } from "../../shared/store/errors.js";
import { GROUP, entraUser } from "../helpers/host.js";
import { addMembers, removeMembersDefault } from "./entra.js";

/**
 * A role mapping saved while a membership change is between its plan and its write: the mapping's
 * recompute reads the members before the change writes them, and the change read the mappings
 * before the mapping was saved. Neither may leave a user with the wrong role.
 */

let store: EmbeddedStore;
let services: Services;
let tenantId: string;
const ctx = (s: Services = services): OperationContext => ({
  tenantId,
  actor: ADMIN_CLI,
  now: new Date(),
  services: s,
  baseUrl: "",
});

/** Services whose membership write (the first batch) first runs `meanwhile` (another request, landing in the window). */
function withMappingInTheWindow(meanwhile: () => Promise<unknown>): Services {
  const resources = Object.create(services.resources) as Services["resources"];
  let ran = false;
  resources.writeBatch = async (...args: Parameters<Services["resources"]["writeBatch"]>) => {
    if (!ran) {
      ran = true;
      await meanwhile();
    }
    return services.resources.writeBatch(...args);
  };
  return { ...services, resources };
}

beforeAll(async () => {
  store = await startEmbeddedStore();
  services = createServices(store.config);
  tenantId = (await services.tenants.create("Race", new Date())).id;
});
afterAll(async () => store?.close());

const newUser = async (name: string) => (await createOp(ctx(), "User", entraUser(name))).id;
const newGroup = async (name: string) => (await createOp(ctx(), "Group", { schemas: [GROUP], displayName: name })).id;

describe("a mapping saved while members change", () => {
  it("gives an added member the role of a mapping saved between the change's plan and its write", async () => {
    const user = await newUser("race-add@contoso.com");
    const group = await newGroup("Race Admins");
    const racing = withMappingInTheWindow(() => mapRole(ctx(), "Race Admins", "Admin"));
    await patchOp(ctx(racing), "Group", group, addMembers([user]));
    expect((await showUser(ctx(), user)).role).toBe("Admin");
  });

  it("takes the role of a mapping saved in the window away from a removed member", async () => {
    const user = await newUser("race-remove@contoso.com");
    const keeper = await newUser("race-keeper@contoso.com");
    const group = await newGroup("Race Managers");
    await patchOp(ctx(), "Group", group, addMembers([user, keeper]));
    const racing = withMappingInTheWindow(() => mapRole(ctx(), "Race Managers", "Manager"));
    await patchOp(ctx(racing), "Group", group, removeMembersDefault([user]));
    expect((await showUser(ctx(), user)).role).toBe("User");
    expect((await showUser(ctx(), keeper)).role).toBe("Manager");
  });

  it("takes away the role of a mapping removed in the window from an added member", async () => {
    const user = await newUser("race-unmap@contoso.com");
    const group = await newGroup("Race Leads");
    await mapRole(ctx(), "Race Leads", "Manager");
    const racing = withMappingInTheWindow(() => unmapRole(ctx(), "Race Leads"));
    await patchOp(ctx(racing), "Group", group, addMembers([user]));
    expect((await showUser(ctx(), user)).role).toBe("User");
  });
});

describe("a mapping made before its group exists (pending)", () => {
  it("binds when Entra creates the group between the mapping's look for it and its write (the create saw no pending mapping)", async () => {
    const user = await newUser("race-pending@contoso.com");
    let group = "";
    const settings = Object.create(services.settings) as Services["settings"];
    settings.write = async (...args: Parameters<Services["settings"]["write"]>) => {
      if (!group) {
        const created = await createOp(ctx(), "Group", {
          schemas: [GROUP],
          displayName: "Race Newcomers",
          members: [{ value: user }],
        });
        group = created.id;
        expect((await showUser(ctx(), user)).role).toBe("User");
      }
      return services.settings.write(...args);
    };
    const mapped = await mapRole(ctx({ ...services, settings }), "Race Newcomers", "Admin", { pending: true });
    expect(mapped).toMatchObject({ pending: false, group: { id: group, name: "Race Newcomers" } });
    expect((await showUser(ctx(), user)).role).toBe("Admin");
    expect((await tenantSettings(ctx(), { fresh: true })).roleMappings).toContainEqual({
      group: { id: group },
      role: "Admin",
    });
  });

  it("binds at the group's next write when the create landed but its binding failed (Entra then goes on with the existing group)", async () => {
    const user = await newUser("race-late@contoso.com");
    await mapRole(ctx(), "Race Late", "Manager", { pending: true });
    const settings = Object.create(services.settings) as Services["settings"];
    settings.write = async () => {
      throw new UnavailableError("the store answered 503");
    };
    await expect(
      createOp(ctx({ ...services, settings }), "Group", { schemas: [GROUP], displayName: "Race Late" }),
    ).rejects.toThrow(UnavailableError);
    const group = (await services.resources.findBy(tenantId, "Group", "displayName", "Race Late"))!.id;
    expect((await tenantSettings(ctx(), { fresh: true })).roleMappings).toContainEqual({
      group: { pending: "Race Late" },
      role: "Manager",
    });
    await patchOp(ctx(), "Group", group, addMembers([user]));
    expect((await showUser(ctx(), user)).role).toBe("Manager");
    expect((await tenantSettings(ctx(), { fresh: true })).roleMappings).toContainEqual({
      group: { id: group },
      role: "Manager",
    });
  });
});

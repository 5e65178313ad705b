import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedStore, type EmbeddedStore } from "../helpers/store.js";
import { createServices } from "../../shared/services.js";
import { ADMIN_CLI, type OperationContext, type Services } from "../../shared/operations/context.js";
import { create as createOp, patch as patchOp, remove as removeOp } from "../helpers/operations.js";
import { mapRole } from "../../shared/operations/roles.js";
import { showUser } from "../../shared/operations/users.js";
import { UnavailableError } from "../../shared/store/errors.js";
import type { EventDoc } from "../../shared/store/event-feed.js";
import { GROUP, entraUser } from "../helpers/host.js";
import { addMembers, removeMembersDefault } from "./entra.js";

/**
 * A membership change of a group that maps a role writes each chunk's memberships, the members'
 * new roles and all their events in one transactional batch (operations/memberships.ts, plans.ts
 * planMemberChunk): nobody ever sees a member without the role its groups give it, a lost reply
 * is completed by Entra's retry without a second event, and concurrent changes of one user's
 * groups end with the role its groups give it.
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

beforeAll(async () => {
  store = await startEmbeddedStore();
  services = createServices(store.config);
  tenantId = (await services.tenants.create("Batch", new Date())).id;
});
afterAll(async () => store?.close());

const newUser = async (name: string) => (await createOp(ctx(), "User", entraUser(name))).id;
const newGroup = async (name: string) => (await createOp(ctx(), "Group", { schemas: [GROUP], displayName: name })).id;
const role = async (id: string) => (await showUser(ctx(), id)).role;

/** Services whose batch writes run `after` once each batch landed (before the operation goes on). */
function watchingBatches(after: (n: number) => Promise<void>): Services {
  const resources = Object.create(services.resources) as Services["resources"];
  let n = 0;
  resources.writeBatch = async (...args: Parameters<Services["resources"]["writeBatch"]>) => {
    await services.resources.writeBatch(...args);
    await after(++n);
  };
  return { ...services, resources };
}

async function eventsOf(resourceId: string): Promise<EventDoc[]> {
  const { resources } = await store.cosmos.resources.items
    .query<EventDoc>({
      query: "SELECT * FROM c WHERE c.tenantId = @t AND c.kind = 'Event' AND c.resourceId = @id ORDER BY c.id",
      parameters: [
        { name: "@t", value: tenantId },
        { name: "@id", value: resourceId },
      ],
    })
    .fetchAll();
  return resources;
}

describe("memberships and the roles they give, in one batch", () => {
  it("an added member holds the mapped role the moment its membership lands, and a removed one loses it with its membership", async () => {
    const user = await newUser("batch-seen@contoso.com");
    const group = await newGroup("Batch Managers");
    await mapRole(ctx(), "Batch Managers", "Manager");
    const seen: [boolean, string][] = [];
    const watching = watchingBatches(async () => {
      const member = (await services.memberships.groupsOf(tenantId, user)).includes(group);
      seen.push([member, await role(user)]);
    });
    await patchOp(ctx(watching), "Group", group, addMembers([user]));
    await patchOp(ctx(watching), "Group", group, removeMembersDefault([user]));
    expect(seen).toEqual([
      [true, "Manager"],
      [false, "User"],
    ]);
  });

  it("a reply lost after the batch landed: Entra's retry finds it done, and no event is written twice", async () => {
    const user = await newUser("batch-lost@contoso.com");
    const group = await newGroup("Batch Leads");
    await mapRole(ctx(), "Batch Leads", "Manager");
    const losing = watchingBatches(async (n) => {
      if (n === 1) throw new UnavailableError("the reply was lost");
    });
    await expect(patchOp(ctx(losing), "Group", group, addMembers([user]))).rejects.toThrow(UnavailableError);
    expect(await role(user)).toBe("Manager");
    await patchOp(ctx(), "Group", group, addMembers([user]));
    expect(await role(user)).toBe("Manager");
    expect((await eventsOf(group)).filter((e) => e.type === "membership.added")).toHaveLength(1);
    expect((await eventsOf(user)).filter((e) => e.type === "role.changed")).toHaveLength(1);
  });

  it("concurrent changes of one user's mapped groups end with the role its groups give it", async () => {
    const managers = await newGroup("Batch Race Managers");
    const admins = await newGroup("Batch Race Admins");
    await mapRole(ctx(), "Batch Race Managers", "Manager");
    await mapRole(ctx(), "Batch Race Admins", "Admin");
    // An Admin who is not the last one, so the last-Admin rule does not keep anyone's role.
    const keeper = await newUser("batch-keeper@contoso.com");
    await patchOp(ctx(), "Group", admins, addMembers([keeper]));
    for (let round = 0; round < 6; round++) {
      const user = await newUser(`batch-race-${round}@contoso.com`);
      await patchOp(ctx(), "Group", managers, addMembers([user]));
      // One request takes the user out of Managers while another adds it to Admins, and then the reverse.
      await Promise.all([
        patchOp(ctx(), "Group", managers, removeMembersDefault([user])),
        patchOp(ctx(), "Group", admins, addMembers([user])),
      ]);
      expect(await role(user)).toBe("Admin");
      await Promise.all([
        patchOp(ctx(), "Group", admins, removeMembersDefault([user])),
        patchOp(ctx(), "Group", managers, addMembers([user])),
      ]);
      expect(await role(user)).toBe("Manager");
    }
  });

  it("a mapped group deleted while a member add was between its load and its batch takes its role back from the added member", async () => {
    const keeper = await newUser("batch-deleted-keeper@contoso.com");
    const user = await newUser("batch-deleted@contoso.com");
    const admins = await newGroup("Batch Deleted Admins");
    const gone = await newGroup("Batch Deleted Managers");
    await mapRole(ctx(), "Batch Deleted Admins", "Admin");
    await mapRole(ctx(), "Batch Deleted Managers", "Manager");
    await patchOp(ctx(), "Group", admins, addMembers([keeper]));
    // The delete reads the group's members (none yet) and finishes before the add's batch lands.
    const resources = Object.create(services.resources) as Services["resources"];
    let ran = false;
    resources.writeBatch = async (...args: Parameters<Services["resources"]["writeBatch"]>) => {
      if (!ran) {
        ran = true;
        await removeOp(ctx(), "Group", gone);
      }
      return services.resources.writeBatch(...args);
    };
    await expect(patchOp(ctx({ ...services, resources }), "Group", gone, addMembers([user]))).rejects.toThrow(
      /deleted while its members were being changed/,
    );
    expect(await services.memberships.groupsOf(tenantId, user)).toEqual([]);
    expect(await role(user)).toBe("User");
  });

  it("a mapped group's change of more members than one batch holds lands every member with its role", async () => {
    const group = await newGroup("Batch Many");
    await mapRole(ctx(), "Batch Many", "Manager");
    const users = await Promise.all(Array.from({ length: 70 }, (_, i) => newUser(`batch-many-${i}@contoso.com`)));
    await patchOp(ctx(), "Group", group, addMembers(users));
    const members = (await services.memberships.membersOf(tenantId, [group])).get(group) ?? [];
    expect(members.sort()).toEqual([...users].sort());
    expect(new Set(await Promise.all(users.map(role)))).toEqual(new Set(["Manager"]));
    const added = (await eventsOf(group)).filter((e) => e.type === "membership.added");
    expect(added.map((e) => e.members?.length)).toEqual([33, 33, 4]);
  });
});

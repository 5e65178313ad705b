import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import type { EventDoc } from "../../shared/store/event-feed.js";
import { runAdmin } from "../../local/cli/admin.js";
import { GROUP, entraUser, patch, type Client } from "../helpers/host.js";
import { startJobsHost } from "../jobs/helpers.js";

/**
 * Every change Entra makes writes its provisioning events with it (store/event-feed.ts): one per
 * created, changed, activated, deactivated or deleted user and group, per membership change (only
 * the members that really changed) and per role change, each about its resource, in order.
 */

let host: RunningHost;
let scim: Client;
let tenantId: string;
let container: Awaited<ReturnType<typeof startJobsHost>>["container"];

beforeAll(async () => {
  ({ host, scim, tenantId, container } = await startJobsHost());
});
afterAll(async () => host?.close());

/** The events of a resource, oldest first. */
async function eventsOf(resourceId: string): Promise<EventDoc[]> {
  const { resources } = await container.items
    .query<EventDoc>(
      {
        query: "SELECT * FROM c WHERE c.tenantId = @t AND c.kind = 'Event' AND c.resourceId = @id ORDER BY c.id",
        parameters: [
          { name: "@t", value: tenantId },
          { name: "@id", value: resourceId },
        ],
      },
      { partitionKey: tenantId },
    )
    .fetchAll();
  return resources;
}

const types = async (id: string) => (await eventsOf(id)).map((e) => e.type);

async function newUser(name: string): Promise<string> {
  const res = await scim.post("/Users", entraUser(`${name}@contoso.com`));
  expect(res.status).toBe(201);
  return res.body.id;
}

describe("provisioning events written with each change", () => {
  it("a user's life: created, changed, deactivated, activated, deleted, each once and in order", async () => {
    const id = await newUser("life");
    expect((await scim.patch(`/Users/${id}`, patch({ op: "Replace", path: "title", value: "CFO" }))).status).toBe(200);
    expect((await scim.patch(`/Users/${id}`, patch({ op: "Replace", path: "active", value: "False" }))).status).toBe(
      200,
    );
    // Entra sends an unchanged value again: no event.
    expect((await scim.patch(`/Users/${id}`, patch({ op: "Replace", path: "active", value: "False" }))).status).toBe(
      200,
    );
    expect((await scim.patch(`/Users/${id}`, patch({ op: "Replace", path: "active", value: "True" }))).status).toBe(
      200,
    );
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    expect(await types(id)).toStrictEqual([
      "user.created",
      "user.changed",
      "user.deactivated",
      "user.activated",
      "user.deleted",
    ]);
    const events = await eventsOf(id);
    expect(events[1]).toMatchObject({ changedAttributes: ["title"], data: { title: "CFO" } });
    expect(events.every((e) => e.resourceType === "User" && e.tenantId === tenantId && e.actor)).toBe(true);
  });

  it("a group's members: one event per change, naming only the members that really changed", async () => {
    const [a, b, c] = [await newUser("m-a"), await newUser("m-b"), await newUser("m-c")];
    const created = await scim.post("/Groups", {
      schemas: [GROUP],
      displayName: "Events crew",
      externalId: "obj-events-crew",
      members: [{ value: a }],
    });
    expect(created.status).toBe(201);
    const g = created.body.id as string;
    // Entra adds a member already there together with a new one: only the new one is an event.
    const add = patch({ op: "Add", path: "members", value: [{ value: a }, { value: b }, { value: c }] });
    expect((await scim.patch(`/Groups/${g}`, add)).status).toBe(204);
    expect((await scim.patch(`/Groups/${g}`, add)).status).toBe(204);
    const remove = patch({ op: "Remove", path: "members", value: [{ value: b }] });
    expect((await scim.patch(`/Groups/${g}`, remove)).status).toBe(204);
    expect((await scim.patch(`/Groups/${g}`, remove)).status).toBe(204);
    expect(
      (await scim.patch(`/Groups/${g}`, patch({ op: "Replace", path: "displayName", value: "Events team" }))).status,
    ).toBe(204);
    expect((await scim.delete(`/Groups/${g}`)).status).toBe(204);
    const events = await eventsOf(g);
    expect(events.map((e) => [e.type, e.members ?? e.changedAttributes ?? []])).toStrictEqual([
      ["group.created", []],
      ["membership.added", [a]],
      ["membership.added", [b, c]],
      ["membership.removed", [b]],
      ["group.changed", ["displayName"]],
      ["group.deleted", []],
    ]);
    expect(events[0]!.data).not.toHaveProperty("members");
  });

  it("a role change is a role.changed event saying from, to and why", async () => {
    const u = await newUser("role-1");
    const created = await scim.post("/Groups", {
      schemas: [GROUP],
      displayName: "Events managers",
      externalId: "obj-events-managers",
      members: [{ value: u }],
    });
    expect(created.status).toBe(201);
    const out: string[] = [];
    const code = await runAdmin(
      ["role", "map", "--group", "Events managers", "--role", "Manager", "--tenant", tenantId],
      { services: host.services, out: (t) => out.push(t), err: (t) => out.push(t) },
    );
    expect(code, out.join("\n")).toBe(0);
    const roles = (await eventsOf(u)).filter((e) => e.type === "role.changed");
    expect(roles).toHaveLength(1);
    expect(roles[0]!.role).toMatchObject({ from: "User", to: "Manager" });
    expect(roles[0]!.role!.because).toContain("Events managers");
  });
});

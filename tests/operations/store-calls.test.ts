import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { ADMIN_CLI, type OperationContext } from "../../shared/operations/context.js";
import { mapRole } from "../../shared/operations/roles.js";
import { GROUP, entraUser, patch, q, startTestHost, type Client } from "../helpers/host.js";

/**
 * Store round trips per SCIM request, on the local host (its embedded store counts the requests
 * it serves). A request reads the tenant's settings fresh at most once, plus the re-read after a
 * membership write that guards against a concurrent role-mapping change; any other repeated read
 * makes these counts grow and these tests fail.
 */

let host: RunningHost;
let scim: Client;
let n = 0;

beforeAll(async () => {
  // Only the request's own calls: the event worker (woken by each write through the queue, and its
  // minute sweep) runs beside the request and would be counted with it.
  ({ host, scim } = await startTestHost({ env: { LOCAL_TIMERS: "0" } }));
  Object.assign(host.services, { eventQueue: undefined });
  // The store client's first calls also read its metadata (partition key ranges) once: not counted.
  const user = (await scim.post("/Users", entraUser("warm-up@contoso.com"))).body.id as string;
  const group = await newGroup("Warm-up");
  await scim.patch(`/Groups/${group}`, patch({ op: "Add", path: "members", value: [{ value: user }] }));
});
afterAll(async () => host?.close());

async function calls(run: () => Promise<{ status: number }>, status: number): Promise<number> {
  const before = host.storeRequests();
  const reply = await run();
  expect(reply.status).toBe(status);
  return host.storeRequests() - before;
}

const newUser = async () => (await scim.post("/Users", entraUser(`calls-${++n}@contoso.com`))).body.id as string;
const newGroup = async (name: string) =>
  (await scim.post("/Groups", { schemas: [GROUP], displayName: name })).body.id as string;
const ctx = (): OperationContext => ({
  tenantId: host.defaultTenant!.id,
  actor: ADMIN_CLI,
  now: new Date(),
  services: host.services,
  baseUrl: "",
});

describe("store round trips per request", () => {
  it("reads the settings fresh once before a member change and once after it (the race guard), and nothing twice", async () => {
    const out: Record<string, number> = {};
    out.create = await calls(() => scim.post("/Users", entraUser(`calls-${++n}@contoso.com`)), 201);
    out.lookup = await calls(() => scim.get(`/Users?filter=${q('userName eq "calls-1@contoso.com"')}`), 200);
    const group = await newGroup("Plain");
    const user = await newUser();
    out.add = await calls(
      () => scim.patch(`/Groups/${group}`, patch({ op: "Add", path: "members", value: [{ value: user }] })),
      204,
    );
    out.remove = await calls(
      () => scim.patch(`/Groups/${group}`, patch({ op: "Remove", path: `members[value eq "${user}"]` })),
      204,
    );
    const mapped = await newGroup("Mapped");
    await mapRole(ctx(), "Mapped", "Manager");
    await scim.get("/Users?count=0");
    out.addMapped = await calls(
      () => scim.patch(`/Groups/${mapped}`, patch({ op: "Add", path: "members", value: [{ value: user }] })),
      204,
    );
    out.removeMapped = await calls(
      () => scim.patch(`/Groups/${mapped}`, patch({ op: "Remove", path: `members[value eq "${user}"]` })),
      204,
    );
    // create: the batch (user, lookups, log event), then the event moved to the log. lookup: the
    // userName record, then the user. add: the group, settings, the new member, the group's
    // lastModified, the membership batch, the group and member again in one bulk read (a
    // concurrent delete), settings again (a mapping saved meanwhile), the log event. A mapped
    // group loads the member, its groups (one query) and their documents; its new role and role
    // event go in the membership batch (13 and 10 store calls when the role was a write of its own).
    expect(out).toStrictEqual({ create: 3, lookup: 2, add: 8, remove: 6, addMapped: 11, removeMapped: 9 });
  });
});

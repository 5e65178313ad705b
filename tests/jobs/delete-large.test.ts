import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { listJobs } from "../../shared/operations/jobs.js";
import { mapRole } from "../../shared/operations/roles.js";
import { listAudit } from "../../shared/operations/audit.js";
import { GROUP, q, type Client } from "../helpers/host.js";
import { groupWithMembers, roleCounts, rolesOf, startJobsHost, storeCalls } from "./helpers.js";

// The default limits: groups of more than 100 members go to the background, 200 members per step.
let host: RunningHost;
let scim: Client;
let tenantId: string;
let ctx: Awaited<ReturnType<typeof startJobsHost>>["ctx"];
let container: Awaited<ReturnType<typeof startJobsHost>>["container"];

beforeAll(async () => {
  ({ host, scim, tenantId, ctx, container } = await startJobsHost({
    JOBS_INLINE_MEMBERS: "100",
    JOBS_STEP_SIZE: "200",
  }));
});
afterAll(async () => {
  await host?.close();
});

const jobOf = async (id: string) => (await listJobs(ctx(), 500)).find((j) => j.id === id)!;

describe("DELETE of a large mapped group", () => {
  it("answers within a constant number of store calls; the name is free at once and every member's role converges", async () => {
    // Mapped before the groups exist (pending: no job; each binds when its group is created), then seeded with the role the mapping gives.
    await mapRole(ctx(), "Big Team", "Manager", { pending: true });
    await mapRole(ctx(), "Mid Team", "Manager", { pending: true });
    const big = await groupWithMembers(host, scim, container, "Big Team", 2000, "Manager");
    const mid = await groupWithMembers(host, scim, container, "Mid Team", 150, "Manager");
    expect(await roleCounts(host, big.members)).toEqual({ Manager: 2000 });

    // The worker waits while the requests are counted: the store serves nothing else meanwhile.
    await host.jobs.pause();
    const small = await storeCalls(host, () => scim.delete(`/Groups/${mid.id}`));
    const large = await storeCalls(host, () => scim.delete(`/Groups/${big.id}`));
    expect([small.result.status, large.result.status]).toEqual([204, 204]);
    // The same handful of calls for 150 and for 2,000 members (one more when a 5-second cache refreshes).
    expect(large.calls).toBeLessThanOrEqual(small.calls + 1);
    expect(large.calls).toBeLessThanOrEqual(8);

    expect((await scim.get(`/Groups/${big.id}`)).status).toBe(404);
    expect((await scim.get(`/Groups?filter=${q('displayName eq "Big Team"')}`)).body.totalResults).toBe(0);
    // Provisioned again by Entra (the same object ID) while the job runs: a new group, which the mapping (by object ID) matches.
    const again = await scim.post("/Groups", {
      schemas: [GROUP],
      displayName: "Big Team",
      externalId: "ext-Big Team",
      members: [{ value: big.members[0] }],
    });
    expect(again.status).toBe(201);
    expect(await roleCounts(host, big.members.slice(0, 1))).toEqual({ Manager: 1 });
    host.jobs.resume();
    await host.jobs.idle();

    const roles = await rolesOf(host, big.members);
    expect(roles.get(big.members[0]!)).toBe("Manager");
    expect(await roleCounts(host, big.members.slice(1))).toEqual({ User: 1999 });
    expect(await roleCounts(host, mid.members)).toEqual({ User: 150 });
    expect(await host.services.jobs.countMembers(tenantId, big.id)).toBe(0);
    expect(await host.services.jobs.countMembers(tenantId, again.body.id)).toBe(1);
    expect(await jobOf(`job.delete-group.${big.id}`)).toMatchObject({
      kind: "delete-group",
      state: "done",
      processed: 2000,
      total: 2000,
      steps: 11,
    });
    const del = (await listAudit(ctx(), { operation: "delete", resourceId: big.id, limit: 5, page: 1 })).events;
    expect(del).toMatchObject([
      { status: 204, resourceType: "Group", detail: expect.stringContaining(`job job.delete-group.${big.id}`) },
    ]);
  }, 300_000);
});

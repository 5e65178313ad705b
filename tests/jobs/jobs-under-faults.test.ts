import { afterEach, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { faultLayer } from "../../local/host/faults.js";
import { listJobs } from "../../shared/operations/jobs.js";
import { mapRole } from "../../shared/operations/roles.js";
import { entraClient, expectOnlyHonestAnswers, retried } from "../faults/entra.js";
import { groupWithMembers, roleCounts, startJobsHost } from "./helpers.js";

/**
 * Background jobs while a fifth of the store's requests fail as Cosmos DB fails under load
 * (local/host/faults.ts: 429 on requests and on single bulk operations, 503, timeouts, lost replies).
 * A step that fails is delivered again; a bulk role write whose reply was lost is found changed
 * (412) and read again. Every job must finish and the roles must be exactly what the mappings give.
 */

let host: RunningHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

describe("background jobs with 20% of store requests failing", () => {
  it.each([1, 2])(
    "finish, and leave exactly the roles and memberships the mappings and deletes mean (seed %i)",
    { timeout: 120_000 },
    async (seed) => {
      const faults = faultLayer({ rate: 0.2, seed, retryAfterMs: 1 });
      faults.enabled = false;
      const started = await startJobsHost({}, [faults.plugin]);
      host = started.host;
      const { scim, container, ctx } = started;
      const big = await groupWithMembers(host, scim, container, "Faulty Team", 120);
      const leads = await groupWithMembers(host, scim, container, "Faulty Leads", 0);
      const entra = entraClient(host, host.defaultTenant!.token);
      await retried(() => mapRole(ctx(), "Faulty Leads", "Admin"));
      faults.enabled = true;

      // Ten of the big group's members are also leads (Admins) (inline: at most 10 members change).
      await entra.expectStatus(
        "PATCH",
        `/Groups/${leads.id}`,
        {
          schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          Operations: [{ op: "Add", path: "members", value: big.members.slice(0, 10).map((value) => ({ value })) }],
        },
        [204],
      );
      const mapped = await retried(() => mapRole(ctx(), "Faulty Team", "Manager"));
      expect(mapped.jobs).toHaveLength(1);
      await host.jobs.idle();
      // A DELETE whose reply was lost is retried and finds the group gone: 404, as Entra expects.
      await entra.expectStatus("DELETE", `/Groups/${big.id}`, undefined, [204, 404]);
      await host.jobs.idle();
      const injected = { ...faults.stats.injected };
      faults.enabled = false;

      const jobs = await listJobs(ctx(), 10);
      // A job whose create's reply was lost is started anyway, and the retried call makes another: both run.
      const ofGroup = jobs.filter((j) => j.groupId === big.id);
      expect(ofGroup.map((j) => j.state)).toEqual(ofGroup.map(() => "done"));
      expect(ofGroup.filter((j) => j.kind === "delete-group").map((j) => j.processed)).toEqual([120]);
      expect(ofGroup.filter((j) => j.kind === "recompute-roles").every((j) => j.processed === 120)).toBe(true);
      expect(await roleCounts(host, big.members)).toEqual({ Admin: 10, User: 110 });
      expect((await scim.get(`/Groups/${big.id}`)).status).toBe(404);
      expect(await host.services.jobs.countMembers(host.defaultTenant!.id, big.id)).toBe(0);
      expect(await host.services.jobs.countMembers(host.defaultTenant!.id, leads.id)).toBe(10);
      expectOnlyHonestAnswers(entra.seen);
      // The faults were there: throttled requests and bulk operations, lost replies.
      expect(injected.throttled + injected.throttledOps).toBeGreaterThan(0);
      expect(injected.lostReply + injected.timeout).toBeGreaterThan(0);
    },
  );
});

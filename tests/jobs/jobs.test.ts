import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.setConfig({ testTimeout: 120_000 });
import { QueueClient } from "@azure/storage-queue";
import type { RunningHost } from "../../local/host/host.js";
import { JOBS_QUEUE } from "../../shared/config.js";
import {
  MAX_WAITS,
  listJobs,
  newJob,
  retryJob,
  runJobStep,
  sweepStalledJobs,
  type JobMessage,
} from "../../shared/operations/jobs.js";
import { updateSettings } from "../../shared/operations/settings.js";
import { mapRole, unmapRole } from "../../shared/operations/roles.js";
import { listAudit } from "../../shared/operations/audit.js";
import { ThrottledError, UnavailableError } from "../../shared/store/errors.js";
import { runAdmin } from "../../local/cli/admin.js";
import { patch, type Client } from "../helpers/host.js";
import { groupWithMembers, roleCounts, startJobsHost, storeCalls } from "./helpers.js";

let host: RunningHost;
let scim: Client;
let tenantId: string;
let ctx: Awaited<ReturnType<typeof startJobsHost>>["ctx"];
let container: Awaited<ReturnType<typeof startJobsHost>>["container"];

beforeAll(async () => {
  ({ host, scim, tenantId, ctx, container } = await startJobsHost());
});
afterAll(async () => {
  await host?.close();
});

const jobOf = async (id: string) => (await listJobs(ctx(), 500)).find((j) => j.id === id)!;
const send = (m: JobMessage) =>
  new QueueClient(host.jobs.connectionString!, JOBS_QUEUE).sendMessage(
    Buffer.from(JSON.stringify(m)).toString("base64"),
  );

describe("role mapping of a large group", () => {
  it("returns a job at once and the members' roles converge in the background", async () => {
    const g = await groupWithMembers(host, scim, container, "Map Team", 60);
    const { result } = await storeCalls(host, () => mapRole(ctx(), "Map Team", "Manager"));
    expect(result.recomputedUsers).toBe(0);
    expect(result.jobs).toEqual([{ id: expect.stringMatching(/^job\./), groupId: g.id }]);
    await host.jobs.idle();
    expect(await roleCounts(host, g.members)).toEqual({ Manager: 60 });
    expect(await jobOf(result.jobs[0]!.id)).toMatchObject({
      kind: "recompute-roles",
      reason: "role-map",
      state: "done",
      processed: 60,
      total: 60,
      steps: 3,
      groupName: "Map Team",
    });
    const events = (await listAudit(ctx(), { operation: "job", resourceId: result.jobs[0]!.id, limit: 10, page: 1 }))
      .events;
    expect(events.map((e) => [e.status, e.changedAttributes[0]!.split(":")[0]])).toEqual([
      [200, "finished"],
      [202, "started"],
    ]);
  });

  it("still recomputes a group at or below the inline limit inside the call", async () => {
    const g = await groupWithMembers(host, scim, container, "Small Team", 10);
    const result = await mapRole(ctx(), "Small Team", "Manager");
    expect(result).toMatchObject({ recomputedUsers: 10, jobs: [] });
    expect(await roleCounts(host, g.members)).toEqual({ Manager: 10 });
  });

  it("ends in the roles of the last of several mapping changes, whichever job runs last", async () => {
    const g = await groupWithMembers(host, scim, container, "Churn Team", 60);
    const other = await groupWithMembers(host, scim, container, "Other Team", 30);
    // The jobs of all four changes wait until the last one is made (were a step to run between
    // them, its members could become Admins, and the last of those keeps the role: the last-Admin rule).
    await host.jobs.pause();
    try {
      await mapRole(ctx(), "Churn Team", "Admin");
      await mapRole(ctx(), "Other Team", "Manager");
      await unmapRole(ctx(), "Churn Team");
      await mapRole(ctx(), "Churn Team", "Manager");
    } finally {
      host.jobs.resume();
    }
    await host.jobs.idle();
    expect(await roleCounts(host, g.members)).toEqual({ Manager: 60 });
    expect(await roleCounts(host, other.members)).toEqual({ Manager: 30 });
    await unmapRole(ctx(), "Churn Team");
    await host.jobs.idle();
    expect(await roleCounts(host, g.members)).toEqual({ User: 60 });
  });

  it("keeps every member's role when a mapped large group is renamed (the mapping keeps its id): no job, a few store calls", async () => {
    const g = await groupWithMembers(host, scim, container, "Rename Me", 60);
    await mapRole(ctx(), "Rename Me", "Manager");
    await host.jobs.idle();
    expect(await roleCounts(host, g.members)).toEqual({ Manager: 60 });
    const { result, calls } = await storeCalls(host, () =>
      scim.patch(`/Groups/${g.id}`, patch({ op: "Replace", path: "displayName", value: "Renamed" })),
    );
    expect(result.status).toBe(204);
    expect(calls).toBeLessThanOrEqual(12);
    await host.jobs.idle();
    expect(await roleCounts(host, g.members)).toEqual({ Manager: 60 });
    expect((await listJobs(ctx())).filter((j) => j.groupId === g.id && j.reason === "rename")).toEqual([]);
  });
});

describe("delivery", () => {
  it("drops re-delivered and duplicated messages of steps already done", async () => {
    const g = await groupWithMembers(host, scim, container, "Dup Team", 60);
    const { jobs } = await mapRole(ctx(), "Dup Team", "Manager");
    const id = jobs[0]!.id;
    // A second copy of the first step, sent while the job runs.
    await send({ tenantId, jobId: id, kind: "recompute-roles", groupId: g.id, step: 0 });
    await host.jobs.idle();
    const done = await jobOf(id);
    expect(done).toMatchObject({ state: "done", processed: 60, total: 60, steps: 3 });
    for (const step of [0, 1, 2]) await send({ tenantId, jobId: id, kind: "recompute-roles", groupId: g.id, step });
    await host.jobs.idle();
    expect(await jobOf(id)).toEqual(done);
    expect(
      await runJobStep(
        host.services,
        { tenantId, jobId: id, kind: "recompute-roles", groupId: g.id, step: 1 },
        { dequeueCount: 3, maxDequeueCount: 5 },
      ),
    ).toBe("dropped");
    expect(await roleCounts(host, g.members)).toEqual({ Manager: 60 });
  });

  it("runs a step again at once when the store failed it briefly, and the job finishes", async () => {
    const g = await groupWithMembers(host, scim, container, "Flaky Team", 60);
    const resources = host.services.resources;
    const original = resources.setProductMany.bind(resources);
    let calls = 0;
    // The second step's bulk role write fails once.
    resources.setProductMany = async (...args) => {
      if (++calls === 2) throw new UnavailableError("injected: the store answered 503");
      return original(...args);
    };
    try {
      const { jobs } = await mapRole(ctx(), "Flaky Team", "Manager");
      await host.jobs.idle();
      expect(await jobOf(jobs[0]!.id)).toMatchObject({ state: "done", processed: 60, failedAttempts: 0 });
    } finally {
      resources.setProductMany = original;
    }
    expect(calls).toBe(4);
    expect(await roleCounts(host, g.members)).toEqual({ Manager: 60 });
  });

  it("makes a step the store keeps throttling wait and run again, however often: the job finishes, never fails", async () => {
    const g = await groupWithMembers(host, scim, container, "Busy Team", 60);
    const resources = host.services.resources;
    const original = resources.setProductMany.bind(resources);
    let calls = 0;
    // The second step is throttled 10 times in a row: more than a step retries at once (4) and more than maxDequeueCount (5).
    resources.setProductMany = async (...args) => {
      if (++calls >= 2 && calls <= 11) throw new ThrottledError(1);
      return original(...args);
    };
    try {
      const { jobs } = await mapRole(ctx(), "Busy Team", "Manager");
      await host.jobs.idle();
      const job = await jobOf(jobs[0]!.id);
      expect(job).toMatchObject({ state: "done", processed: 60 });
      expect(job!.failedAttempts).toBeGreaterThanOrEqual(2);
      expect(job!.error).toBeUndefined();
    } finally {
      resources.setProductMany = original;
    }
    expect(await roleCounts(host, g.members)).toEqual({ Manager: 60 });
  });

  it("stops waiting after MAX_WAITS waits in a row: the store's error then counts as a failure, and the last delivery fails the job", async () => {
    const g = await groupWithMembers(host, scim, container, "Never Team", 30);
    const group = (await host.services.resources.get(tenantId, "Group", g.id))!;
    const job = await host.services.jobs.create(newJob(ctx(), "recompute-roles", group, "role-map", true));
    const jobStore = host.services.jobs;
    const original = jobStore.memberPage.bind(jobStore);
    jobStore.memberPage = async () => {
      throw new ThrottledError(1);
    };
    try {
      const message: JobMessage = { tenantId, jobId: job.id, kind: "recompute-roles", groupId: g.id, step: 0 };
      await expect(
        runJobStep(host.services, { ...message, waits: MAX_WAITS }, { dequeueCount: 5, maxDequeueCount: 5 }),
      ).rejects.toBeInstanceOf(ThrottledError);
    } finally {
      jobStore.memberPage = original;
    }
    expect(await jobOf(job.id)).toMatchObject({ state: "failed", error: expect.stringContaining("busy") });
    await host.jobs.idle();
    expect(await jobOf(job.id)).toMatchObject({ state: "failed" });
  });

  it("marks a job failed with the error after maxDequeueCount deliveries, and a retry finishes it", async () => {
    const g = await groupWithMembers(host, scim, container, "Poison Team", 60);
    const jobStore = host.services.jobs;
    const original = jobStore.memberPage.bind(jobStore);
    jobStore.memberPage = async (t, groupId, after, limit) => {
      // Not the store being busy (that only makes a step wait): a failure of the step itself.
      if (groupId === g.id && after !== undefined) throw new Error("injected: the step is broken");
      return original(t, groupId, after, limit);
    };
    let id: string;
    try {
      id = (await mapRole(ctx(), "Poison Team", "Manager")).jobs[0]!.id;
      await host.jobs.idle();
      expect(await jobOf(id)).toMatchObject({
        state: "failed",
        processed: 25,
        steps: 1,
        failedAttempts: 5,
        error: expect.stringContaining("injected: the step is broken"),
      });
      const events = (
        await listAudit(ctx(), { operation: "job", resourceId: id, outcome: "failure", limit: 5, page: 1 })
      ).events;
      expect(events).toMatchObject([{ status: 500, detail: expect.stringContaining("injected") }]);
    } finally {
      jobStore.memberPage = original;
    }
    await retryJob(ctx(), id);
    await host.jobs.idle();
    expect(await jobOf(id)).toMatchObject({ state: "done", processed: 60 });
    expect(await roleCounts(host, g.members)).toEqual({ Manager: 60 });
  });
});

describe("lost messages", () => {
  it("sends again the current step of a job that has not moved for 10 minutes (the sweep), and it finishes", async () => {
    const g = await groupWithMembers(host, scim, container, "Lost Team", 30);
    // The mapping lands, but the job's first message is lost: the job is stored and nothing is sent.
    await updateSettings(ctx(), (s) => ({
      ...s,
      roleMappings: [...s.roleMappings, { group: { id: g.id }, role: "Manager" }],
    }));
    const group = (await host.services.resources.get(tenantId, "Group", g.id))!;
    const job = await host.services.jobs.create(
      newJob({ ...ctx(), now: new Date(Date.now() - 20 * 60_000) }, "recompute-roles", group, "role-map", true),
    );
    await host.jobs.idle();
    expect(await jobOf(job.id)).toMatchObject({ state: "queued", processed: 0 });
    expect(await sweepStalledJobs(host.services)).toBe(1);
    await host.jobs.idle();
    expect(await jobOf(job.id)).toMatchObject({ state: "done", processed: 30 });
    expect(await roleCounts(host, g.members)).toEqual({ Manager: 30 });
    expect(await sweepStalledJobs(host.services)).toBe(0);
  });
});

describe("admin CLI", () => {
  it("lists jobs with kind, group, state, progress and times", async () => {
    const lines: string[] = [];
    expect(
      await runAdmin(["jobs", "list", "--tenant", tenantId], { services: host.services, out: (t) => lines.push(t) }),
    ).toBe(0);
    const text = lines.join("\n");
    expect(text).toMatch(/^kind\s+group\s+state\s+processed\s+started\s+finished\s+id\s+error$/m);
    expect(text).toMatch(/recompute-roles\s+Poison Team\s+done\s+60\/60\s+\S+Z\s+\S+Z\s+job\./);
    const json: string[] = [];
    await runAdmin(["jobs", "list", "--tenant", tenantId, "--json"], {
      services: host.services,
      out: (t) => json.push(t),
    });
    expect(JSON.parse(json[0]!)[0]).toMatchObject({
      id: expect.any(String),
      kind: expect.any(String),
      state: expect.any(String),
      processed: expect.any(Number),
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { ADMIN_CLI, type OperationContext } from "../../shared/operations/context.js";
import { newJob } from "../../shared/operations/jobs.js";
import { updateSettings } from "../../shared/operations/settings.js";
import { openCosmos } from "../../shared/store/cosmos.js";
import { entraUser, type Client } from "../helpers/host.js";
import { ANN, BOB, Browser, signIn, startWithAdmin, type Reply } from "../helpers/portal.js";
import { groupWithMembers, roleCounts } from "../jobs/helpers.js";

/** The background jobs of docs/admin-api.md over HTTP: GET /api/admin/jobs and POST /api/admin/jobs/{id}/retry. */

let host: RunningHost;
let scim: Client;
let tenantId: string;
let admin: Browser;
let container: ReturnType<typeof openCosmos>["resources"];

beforeAll(async () => {
  // More than 10 members go to a background job, 25 members per step.
  ({ host, scim, tenantId, admin } = await startWithAdmin({
    env: { JOBS_INLINE_MEMBERS: "10", JOBS_STEP_SIZE: "25" },
  }));
  container = openCosmos(host.services.config.cosmos).resources;
});
afterAll(async () => host?.close());

const cli = (): OperationContext => ({
  tenantId,
  actor: ADMIN_CLI,
  now: new Date(),
  services: host.services,
  baseUrl: "",
});
const portalActor = `portal:${ANN.preferredUsername}`;

function expectProblem(reply: Reply, status: number, detail?: RegExp, field?: string) {
  expect(reply.status).toBe(status);
  expect(reply.headers.get("content-type")).toBe("application/problem+json");
  expect(reply.json).toMatchObject({
    type: "about:blank",
    status,
    title: expect.any(String),
    detail: expect.any(String),
  });
  if (detail) expect(reply.json.detail).toMatch(detail);
  if (field) expect(reply.json.errors).toEqual([{ field, detail: reply.json.detail }]);
}

const jobs = async (query = "") => {
  const reply = await admin.get(`/api/admin/jobs${query}`);
  expect(reply.status).toBe(200);
  return reply.json.jobs as { id: string; state: string; reason: string }[];
};

/** A job that failed on every delivery, written straight into the store (as the poison queue leaves it), for a group mapped to Manager. */
async function failedJob(name: string, members: number) {
  const g = await groupWithMembers(host, scim, container, name, members);
  await updateSettings(cli(), (s) => ({
    ...s,
    roleMappings: [...s.roleMappings, { group: { id: g.id }, role: "Manager" }],
  }));
  const group = (await host.services.resources.get(tenantId, "Group", g.id))!;
  const job = await host.services.jobs.create({
    ...newJob(cli(), "recompute-roles", group, "role-map", true),
    state: "failed",
    failedAttempts: 5,
    error: "injected: the store is down",
    finishedAt: new Date().toISOString(),
  });
  return { ...g, jobId: job.id };
}

describe("GET /api/admin/jobs", () => {
  it("answers an empty list before any job ran", async () => {
    expect(await jobs()).toEqual([]);
  });

  it("lists a role mapping's job with kind, reason, group, progress, steps, times and who started it; newest first", async () => {
    const g = await groupWithMembers(host, scim, container, "Job Team", 30);
    expect((await admin.post("/api/admin/roles/map", { group: "Job Team", role: "Manager" })).status).toBe(200);
    await host.jobs.idle();
    expect(await roleCounts(host, g.members)).toEqual({ Manager: 30 });
    const [mapped] = await jobs();
    expect(mapped).toEqual({
      id: expect.stringMatching(/^job\./),
      kind: "recompute-roles",
      reason: "role-map",
      groupId: g.id,
      groupName: "Job Team",
      state: "done",
      processed: 30,
      total: 30,
      steps: 2,
      createdAt: expect.any(String),
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
      failedAttempts: 0,
      startedBy: portalActor,
    });

    expect((await admin.post("/api/admin/roles/unmap", { group: "Job Team" })).status).toBe(200);
    await host.jobs.idle();
    const listed = await jobs();
    expect(listed.map((j) => [j.reason, j.state])).toEqual([
      ["role-unmap", "done"],
      ["role-map", "done"],
    ]);
    expect(listed[1]!.id).toBe(mapped!.id);
    expect((await jobs("?limit=1")).map((j) => j.reason)).toEqual(["role-unmap"]);
    expect(await jobs("?limit=200")).toHaveLength(2);
  });

  it.each(["0", "201", "abc", "1.5", "-1", "1e2"])("refuses limit=%s with 400 naming limit", async (limit) => {
    expectProblem(
      await admin.get(`/api/admin/jobs?limit=${limit}`),
      400,
      /^Limit must be a whole number from 1 to 200/,
      "limit",
    );
  });
});

describe("POST /api/admin/jobs/{id}/retry", () => {
  let failed: Awaited<ReturnType<typeof failedJob>>;
  beforeAll(async () => {
    failed = await failedJob("Failed Team", 40);
  });
  const stateOf = async (id: string) => (await host.services.jobs.get(tenantId, id))?.state;

  it("lists the failed job with its error", async () => {
    expect((await jobs()).find((j) => j.id === failed.jobId)).toMatchObject({
      state: "failed",
      error: "injected: the store is down",
      failedAttempts: 5,
      startedBy: "admin-cli",
    });
  });

  it("refuses a signed-in non-admin with 403, leaving the job failed", async () => {
    expect((await scim.post("/Users", entraUser(BOB.preferredUsername, { externalId: BOB.oid }))).status).toBe(201);
    const bob = new Browser(host);
    expect((await signIn(bob, BOB)).status).toBe(302);
    expect((await bob.me()).json.isAdmin).toBe(false);
    expectProblem(await bob.get("/api/admin/jobs"), 403, /Admin/);
    expectProblem(await bob.post(`/api/admin/jobs/${failed.jobId}/retry`), 403, /Admin/);
    expect(await stateOf(failed.jobId)).toBe("failed");
  });

  it.each([
    ["no CSRF token", { csrf: null }, /X-CSRF-Token header is missing/],
    ["a wrong CSRF token", { csrf: "x".repeat(43) }, /does not match/],
    ["another Origin", { origin: "https://evil.example" }, /another site/],
  ])("refuses a retry with %s: 403, the job stays failed", async (_, options, detail) => {
    expectProblem(await admin.request("POST", `/api/admin/jobs/${failed.jobId}/retry`, options), 403, detail);
    expect(await stateOf(failed.jobId)).toBe("failed");
  });

  it("retries a failed job: it runs again from the step that failed and finishes, and the provisioning log names who retried it", async () => {
    expect(await roleCounts(host, failed.members)).toEqual({ User: 40 });
    const retried = await admin.post(`/api/admin/jobs/${failed.jobId}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.json.job).toMatchObject({ id: failed.jobId, state: "queued", steps: 0 });
    await host.jobs.idle();
    const done = (await jobs()).find((j) => j.id === failed.jobId);
    expect(done).toMatchObject({ state: "done", processed: 40, total: 40, steps: 2, failedAttempts: 5 });
    expect(done).not.toHaveProperty("error");
    expect(await roleCounts(host, failed.members)).toEqual({ Manager: 40 });
    const log = await admin.get(`/api/admin/audit?operation=job&resource=${encodeURIComponent(failed.jobId)}`);
    expect(log.json.events.filter((e: { tokenName: string }) => e.tokenName === portalActor)).toEqual([
      expect.objectContaining({
        operation: "job",
        resourceType: "Job",
        resourceId: failed.jobId,
        status: 200,
        changedAttributes: ["retried: recompute-roles of group Failed Team (role-map) from step 0"],
      }),
    ]);
  });

  it("refuses to retry a job that did not fail (409) and an unknown job (404), changing and logging nothing", async () => {
    const before = await host.services.jobs.get(tenantId, failed.jobId);
    const logged = async () => (await admin.get("/api/admin/audit?operation=job&pageSize=200")).json.events.length;
    const events = await logged();
    expectProblem(
      await admin.post(`/api/admin/jobs/${failed.jobId}/retry`),
      409,
      /is done, not failed: only a failed job can be retried/,
      "job",
    );
    expectProblem(await admin.post("/api/admin/jobs/job.no-such-job/retry"), 404, /No job job\.no-such-job/, "job");
    expect(await host.services.jobs.get(tenantId, failed.jobId)).toEqual(before);
    expect(await logged()).toBe(events);
  });
});

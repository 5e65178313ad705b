import { randomUUID } from "node:crypto";
import type { JobDoc, JobKind } from "../store/jobs.js";
import { StaleWriteError, type ResourceDoc } from "../store/resources.js";
import { PreconditionFailedError, ThrottledError, UnavailableError } from "../store/errors.js";
import { Retry, withRetries } from "../store/retry.js";
import { withRetry } from "./retry.js";
import { actorFields, type OperationContext, type Services } from "./context.js";
import { AuditTrail, logged } from "./audit-trail.js";
import { OperationError, toScimError } from "./errors.js";
import { recomputeRoles } from "./recompute.js";
import { tenantSettings } from "./settings.js";
import type { TenantSettings } from "../product/settings.js";
import { groupFacts } from "./views.js";
import type { Job } from "../contracts/admin-api.js";

/**
 * Background jobs: work that grows with a group's size (recomputing its members' roles, removing
 * a deleted group's memberships) runs off the request path, one bounded step per queue message.
 *
 * A message names its job and the step it is for. The worker reads the job, drops a message for a
 * step already done (at-least-once delivery, duplicates), processes at most `stepSize` memberships
 * after the job's cursor, then commits the job (step + 1, cursor, counts; guarded by its ETag, so
 * of two copies of one message only one commits) and only then sends the next step's message.
 * Every step's work is idempotent (a role is recomputed from the current state; deleting a
 * membership already gone is a no-op), so a step that failed half-way is simply done again.
 */

/** A queue message: one step of one job. */
export interface JobMessage {
  tenantId: string;
  jobId: string;
  kind: JobKind;
  groupId: string;
  step: number;
  cursor?: string;
  /** How many times in a row this step has waited for a throttled or unavailable store. */
  waits?: number;
}

/** How the worker got the message: the queue's delivery count and the host's maxDequeueCount. */
export interface Delivery {
  dequeueCount: number;
  maxDequeueCount: number;
}

/** Jobs are kept this long after they were made (Cosmos DB TTL), so `jobs list` shows recent history. */
const JOB_TTL_SECONDS = 30 * 86_400;
/** An unfinished job whose document has not moved for this long has lost its message: the sweep sends it again. */
const STALLED_AFTER_MS = 10 * 60_000;

/** The id of the job that finishes deleting a group: one per group, so a retried DELETE finds it. */
export const deleteJobId = (groupId: string) => `job.delete-group.${groupId}`;

/** A new job document for a group (not yet stored). */
export function newJob(
  ctx: OperationContext,
  kind: JobKind,
  group: ResourceDoc,
  reason: string,
  recompute: boolean,
): JobDoc {
  const facts = groupFacts(group);
  const at = ctx.now.toISOString();
  return {
    id: kind === "delete-group" ? deleteJobId(group.id) : `job.${randomUUID()}`,
    tenantId: ctx.tenantId,
    kind: "Job",
    resource: {},
    job: kind,
    reason,
    groupId: group.id,
    ...(facts.displayName !== undefined ? { groupName: facts.displayName } : {}),
    ...(facts.externalId !== undefined ? { groupExternalId: facts.externalId } : {}),
    recompute,
    state: "queued",
    step: 0,
    processed: 0,
    createdAt: at,
    updatedAt: at,
    failedAttempts: 0,
    ...actorFields(ctx.actor),
    ttl: JOB_TTL_SECONDS,
  };
}

const messageOf = (job: JobDoc): JobMessage => ({
  tenantId: job.tenantId,
  jobId: job.id,
  kind: job.job,
  groupId: job.groupId,
  step: job.step,
  ...(job.cursor ? { cursor: job.cursor } : {}),
});

/** The queue, or 503 where none is configured (checked before anything is written). */
export function requireQueue(services: Services) {
  if (!services.jobQueue)
    throw new UnavailableError("background jobs are not configured (set JobsQueue__queueServiceUri)", 60_000);
  return services.jobQueue;
}

/** Sends the message of a job's current step. */
async function enqueueStep(services: Services, job: JobDoc): Promise<void> {
  await requireQueue(services).send(messageOf(job));
}

/**
 * Sends a stored job's first message. A send that fails does not fail the request whose change
 * already landed: the job is recorded, and the sweep (functions/jobs-sweep.ts) sends it later.
 */
export async function kickOff(ctx: OperationContext, job: JobDoc): Promise<void> {
  await enqueueStep(ctx.services, job).catch((error) =>
    ctx.services.report(`Could not enqueue job ${job.id}; the sweep will send it`, error),
  );
}

/** Stores and starts a job (a retried request that makes the same delete job gets the existing one, sent again). */
export async function startJob(ctx: OperationContext, job: JobDoc): Promise<JobDoc> {
  requireQueue(ctx.services);
  let stored: JobDoc;
  try {
    stored = await ctx.services.jobs.create(job);
  } catch (error) {
    // A create whose reply was lost (timeout, 503) may have landed: send its message anyway (the
    // worker drops a message whose job does not exist), rather than leave it to the sweep.
    if (error instanceof UnavailableError) await kickOff(ctx, job);
    throw error;
  }
  if (stored.state === "queued" || stored.state === "running") await kickOff(ctx, stored);
  return stored;
}

function jobContext(services: Services, job: JobDoc): OperationContext {
  return {
    tenantId: job.tenantId,
    actor: { kind: "admin", id: job.tokenId, name: job.tokenName },
    now: services.now(),
    services,
    baseUrl: "",
  };
}

const describeJob = (job: JobDoc) => `${job.job} of group ${job.groupName ?? job.groupId} (${job.reason})`;

/** A provisioning-log event about a job (operation `job`). */
async function logJob(
  ctx: OperationContext,
  job: JobDoc,
  status: number,
  what: string,
  detail?: string,
): Promise<void> {
  const trail = new AuditTrail(ctx, "job", "Job", job.id);
  trail.changedAttributes = [what];
  await trail
    .finish(status, detail)
    .catch((error) => ctx.services.report(`Could not log ${what} of job ${job.id}`, error));
}

/** The work of one step: recompute the page's members (and, for a delete, remove their memberships). Returns the memberships it covered. */
async function doStep(ctx: OperationContext, job: JobDoc): Promise<{ id: string; userId: string }[]> {
  const { jobs, memberships, config } = ctx.services;
  const page = await jobs.memberPage(job.tenantId, job.groupId, job.cursor, config.jobs.stepSize);
  const users = page.map((m) => m.userId);
  if (job.recompute && users.length > 0) {
    // A mapping changed while the step ran: do it again with the new one (the first pass reads the
    // settings fresh; a later pass uses those the check after the previous pass has just read).
    let latest: TenantSettings | undefined;
    for (let pass = 0; pass < 3; pass++) {
      const used = await recomputeRoles(ctx, users, {
        groupsOf: () => memberships.groupsOfUsers(job.tenantId, users),
        withoutGroup: job.job === "delete-group" ? job.groupId : undefined,
        ...(latest ? { settings: latest } : {}),
      });
      latest = await tenantSettings(ctx, { fresh: true });
      if (
        JSON.stringify(latest.roleMappings) === JSON.stringify(used?.roleMappings) &&
        latest.defaultRole === used?.defaultRole
      )
        break;
    }
  }
  if (job.job === "delete-group")
    await memberships.removeDocs(
      job.tenantId,
      page.map((m) => m.id),
    );
  return page;
}

/**
 * Runs a step's work again at once when the store throttled it or failed it briefly (after the
 * store's Retry-After, at most 2 s; up to 4 tries): the work is idempotent, so repeating it is safe.
 */
async function retriedBriefly<T>(run: () => Promise<T>): Promise<T> {
  return withRetries({ attempts: 4, what: "a job step" }, async (n) => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof ThrottledError) throw new Retry(Math.min(2000, error.retryAfterMs), error);
      if (error instanceof UnavailableError) throw new Retry(Math.min(2000, 50 * n), error);
      throw error;
    }
  });
}

/**
 * How many times in a row a step waits for a busy store (about 1.5 hours with the back-off) before
 * its error counts as a failure (deliveries, then `failed`): a store that never answers, or an
 * error that only looks transient, must not keep a job waiting forever.
 */
export const MAX_WAITS = 24;

/** Seconds a step waits for a throttled or unavailable store: the store's Retry-After, doubled per wait in a row, at most 5 minutes. */
function waitBeforeRetry(error: ThrottledError | UnavailableError, waits: number): number {
  const asked = Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000));
  return Math.min(300, asked * 2 ** Math.min(8, waits - 1));
}

/**
 * The worker: runs the step a message names, at most once per step in effect. A step the store
 * throttled or could not serve waits and runs again (a new message, delayed; "waiting"), so a
 * busy store slows a job down but never fails it. Any other failure throws (the queue delivers
 * the message again after host.json's visibilityTimeout); it is recorded on the job, and on the
 * last delivery the job is marked failed.
 */
export async function runJobStep(
  services: Services,
  message: JobMessage,
  delivery: Delivery,
): Promise<"done" | "next" | "dropped" | "waiting"> {
  const loaded = await services.jobs.get(message.tenantId, message.jobId);
  if (!loaded || loaded.state === "done" || loaded.state === "failed") return "dropped";
  let job = loaded;
  if (message.step !== job.step) {
    // A step already done. A re-delivery of the step just done may be one whose attempt committed
    // the job but died before sending the next message: send it again (a duplicate is dropped here).
    if (message.step === job.step - 1 && (delivery.dequeueCount > 1 || (message.waits ?? 0) > 0))
      await enqueueStep(services, job);
    return "dropped";
  }
  const ctx = jobContext(services, job);
  try {
    const first = job.state === "queued";
    // The members are counted once, and the count is stored before the first step changes
    // anything: a first step whose delete landed but whose job write failed would otherwise be
    // counted again on its retry, short by the page it had already removed.
    if (job.total === undefined) {
      const counted = await services.jobs.countMembers(job.tenantId, job.groupId);
      try {
        job = await services.jobs.replace({ ...job, total: counted });
      } catch (error) {
        if (error instanceof PreconditionFailedError) return "dropped"; // a duplicate of this message got there first
        throw error;
      }
    }
    const total = job.total!;
    const page = await retriedBriefly(() => doStep(ctx, job));
    const last = page.length < services.config.jobs.stepSize;
    const at = services.now().toISOString();
    let next: JobDoc;
    try {
      next = await services.jobs.replace({
        ...job,
        state: last ? "done" : "running",
        step: job.step + 1,
        ...(page.length ? { cursor: page[page.length - 1]!.id } : {}),
        // A delete step that failed after removing its page makes its retry read the next page:
        // the count lags mid-way, but a finished delete has removed every membership it counted.
        processed:
          last && job.job === "delete-group"
            ? Math.max(total, job.processed + page.length)
            : job.processed + page.length,
        total: Math.max(total, job.processed + page.length),
        startedAt: job.startedAt ?? at,
        ...(last ? { finishedAt: at } : {}),
        updatedAt: at,
        error: undefined,
      });
    } catch (error) {
      if (error instanceof PreconditionFailedError) return "dropped"; // a duplicate of this message committed the step first
      throw error;
    }
    if (first) await logJob(ctx, next, 202, `started: ${describeJob(next)}, ${total} member(s)`);
    if (last) {
      await logJob(
        ctx,
        next,
        200,
        `finished: ${describeJob(next)}, ${next.processed} member(s) in ${next.step} step(s)`,
      );
      return "done";
    }
    await enqueueStep(services, next);
    return "next";
  } catch (error) {
    const detail = toScimError(error)?.detail ?? (error as Error).message ?? String(error);
    if ((error instanceof ThrottledError || error instanceof UnavailableError) && (message.waits ?? 0) < MAX_WAITS) {
      // The store is throttling or unavailable: the step waits and runs again, however long that
      // takes, instead of using up deliveries and failing the job (only other errors do that).
      const waits = (message.waits ?? 0) + 1;
      const delaySeconds = waitBeforeRetry(error, waits);
      await changeJob(services, job.tenantId, job.id, (j) =>
        j.step !== message.step || j.state === "done" || j.state === "failed"
          ? undefined
          : {
              ...j,
              failedAttempts: j.failedAttempts + 1,
              error: `waiting ${delaySeconds} s: ${detail}`,
              updatedAt: services.now().toISOString(),
            },
      ).catch((e: unknown) => services.report(`Could not record the wait of job ${job.id}`, e));
      // A send that fails leaves the message to be delivered again (the error is thrown).
      await requireQueue(services).send({ ...message, waits }, delaySeconds);
      return "waiting";
    }
    const final = delivery.dequeueCount >= delivery.maxDequeueCount;
    const failed = await changeJob(services, job.tenantId, job.id, (j) =>
      j.step !== message.step || j.state === "done"
        ? undefined
        : {
            ...j,
            failedAttempts: j.failedAttempts + 1,
            error: detail,
            updatedAt: services.now().toISOString(),
            ...(final ? { state: "failed", finishedAt: services.now().toISOString() } : {}),
          },
    ).catch((e: unknown) => (services.report(`Could not record the failure of job ${job.id}`, e), undefined));
    if (final && failed?.state === "failed")
      await logJob(ctx, failed, 500, `failed: ${describeJob(failed)} at step ${message.step}`, detail);
    throw error;
  }
}

/**
 * Load → plan → write of a job document: `plan` gives the next job from the one loaded (pure;
 * undefined leaves it as it is), written only if no other worker changed it meanwhile; a lost race
 * plans again on the fresh job (retry.ts). Returns the job as it then is (undefined: gone).
 */
async function changeJob(
  services: Services,
  tenantId: string,
  id: string,
  plan: (job: JobDoc) => JobDoc | undefined,
): Promise<JobDoc | undefined> {
  return withRetry(
    `updating job ${id}`,
    () => services.jobs.get(tenantId, id),
    (job) => job && plan(job),
    async (next, job) => {
      if (!job || !next) return job;
      try {
        return await services.jobs.replace({ ...next, _etag: job._etag });
      } catch (error) {
        throw error instanceof PreconditionFailedError ? new StaleWriteError(`job ${id}`) : error;
      }
    },
    undefined,
    10,
  );
}

/** A message the queue gave up on (moved to the poison queue): its job is failed, with the last error. */
export async function failPoisoned(services: Services, message: JobMessage): Promise<void> {
  let changed = false;
  const job = await changeJob(services, message.tenantId, message.jobId, (j) => {
    changed = !(j.state === "done" || j.state === "failed" || j.step !== message.step);
    return changed
      ? {
          ...j,
          state: "failed",
          finishedAt: services.now().toISOString(),
          updatedAt: services.now().toISOString(),
          error: j.error ?? `step ${message.step} failed on every delivery`,
        }
      : undefined;
  });
  if (job && changed)
    await logJob(jobContext(services, job), job, 500, `failed: ${describeJob(job)} at step ${message.step}`, job.error);
}

/** Sends again the current step of every unfinished job that has not moved for a while (a message lost between a commit and its send). */
export async function sweepStalledJobs(services: Services, limit = 100): Promise<number> {
  const before = new Date(services.now().getTime() - STALLED_AFTER_MS).toISOString();
  const stalled = await services.jobs.stalled(before, limit);
  for (const job of stalled) {
    await changeJob(services, job.tenantId, job.id, (j) =>
      j.step === job.step && j.state !== "done" && j.state !== "failed"
        ? { ...j, updatedAt: services.now().toISOString() }
        : undefined,
    );
    await enqueueStep(services, job);
  }
  return stalled.length;
}

/** What `jobs list` shows of a job. */
export type JobView = Job;

const view = (j: JobDoc): JobView => ({
  id: j.id,
  kind: j.job,
  reason: j.reason,
  groupId: j.groupId,
  ...(j.groupName !== undefined ? { groupName: j.groupName } : {}),
  state: j.state,
  processed: j.processed,
  ...(j.total !== undefined ? { total: j.total } : {}),
  steps: j.step,
  createdAt: j.createdAt,
  ...(j.startedAt ? { startedAt: j.startedAt } : {}),
  ...(j.finishedAt ? { finishedAt: j.finishedAt } : {}),
  ...(j.error ? { error: j.error } : {}),
  failedAttempts: j.failedAttempts,
  startedBy: j.tokenName,
});

/** How many jobs a list shows when no limit is given, and at most through the admin API (the CLI allows 1,000). */
const JOBS_LIST_DEFAULT = 50;
const JOBS_LIST_MAX = 200;

/** A list's `limit` given as text (a query parameter): a whole number from 1 to `max`, else 400 naming `limit`. */
export function jobsLimit(raw: string | null | undefined, max = JOBS_LIST_MAX): number {
  if (raw === undefined || raw === null || raw === "") return JOBS_LIST_DEFAULT;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max)
    throw new OperationError(400, `limit must be a whole number from 1 to ${max} (got "${raw}")`, "limit");
  return Number(raw);
}

/** The tenant's background jobs, newest first (the CLI's `jobs list`, the portal's admin API). */
export async function listJobs(ctx: OperationContext, limit = JOBS_LIST_DEFAULT): Promise<JobView[]> {
  return (await ctx.services.jobs.list(ctx.tenantId, limit)).map(view);
}

const notFailed = (job: JobDoc) =>
  new OperationError(
    409,
    `job ${job.id} is ${job.state}, not failed: only a failed job can be retried (see: jobs list)`,
    "job",
  );

/**
 * Starts a failed job again from the step that failed (its work is idempotent): 404 for an unknown
 * job, 409 for one that did not fail. Logged (operation `job`). A send of its message that fails
 * leaves the job to the sweep, as when a job is started.
 */
export async function retryJob(ctx: OperationContext, jobId: string): Promise<JobView> {
  requireQueue(ctx.services);
  const current = await ctx.services.jobs.get(ctx.tenantId, jobId);
  if (!current) throw new OperationError(404, `no job ${jobId} in this tenant (see: jobs list)`, "job");
  if (current.state !== "failed") throw notFailed(current);
  return logged(ctx, { operation: "job", resourceType: "Job", resourceId: jobId }, async (trail) => {
    let refused: JobDoc | undefined;
    const job = await changeJob(ctx.services, ctx.tenantId, jobId, (j) => {
      refused = j.state === "failed" ? undefined : j;
      return refused
        ? undefined
        : { ...j, state: j.startedAt ? "running" : "queued", finishedAt: undefined, updatedAt: ctx.now.toISOString() };
    });
    if (!job) throw new OperationError(404, `no job ${jobId} in this tenant (see: jobs list)`, "job");
    if (refused) throw notFailed(refused);
    trail.changedAttributes = [`retried: ${describeJob(job)} from step ${job.step}`];
    await kickOff(ctx, job);
    return view(job);
  });
}

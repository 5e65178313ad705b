import { randomUUID } from "node:crypto";
import { ScimError } from "../scim/errors.js";
import {
  HOLD_RETRY_AFTER_SECONDS,
  RELEASE_MS,
  changeDeleteSafety,
  countWindow,
  discardedDeleteDetail,
  heldDeleteDetail,
  holdCause,
  mustHold,
  safetyThreshold,
  windowStart,
  type DeleteSafety,
  type DeleteSafetyChange,
  type WindowCount,
} from "../product/safety-net.js";
import type { AttributeChange } from "../scim/changes.js";
import { DISCARDED_MS, type HoldRecord, type SafetyNetDoc, type SafetyNetFields } from "../store/safety-net.js";
import { withRetry } from "./retry.js";
import type { ResourceDoc } from "../store/resources.js";
import type { SafetyNetView } from "../contracts/admin-api.js";
import { actorFields, type OperationContext } from "./context.js";
import { AuditTrail, logged } from "./audit-trail.js";
import { OperationError } from "./errors.js";
import { tenantSettings, updateSettings } from "./settings.js";

/**
 * The deprovisioning safety net (product/safety-net.ts has the rule). The SCIM user delete calls
 * `guardUserDelete` before it plans or writes anything; when the last hour's removals exceed the
 * tenant's limit the delete is refused with 429 + Retry-After and a `detail` saying why and where
 * to release it, and recorded as held. Disconnects are never held (they only count). An admin
 * sees the hold (`safetyNetView`), releases it (`releaseHold`: every user delete goes through for
 * 24 hours, the held ones at Entra's next retry) or discards it (`discardHold`: the held deletes
 * are dropped, the users stay, and the net counts afresh from then); each step is in the log.
 *
 * Why 429 (Too Many Requests) with Retry-After. Entra retries every operation that fails: it
 * keeps it in "escrow" and tries again at the next cycle (about 40 minutes), then 6, 12, 24 hours
 * ... up to a week after the first failure. Every escrowed failure counts towards quarantine
 * (more than 40% of a cycle's operations failing, past a minimum number of failures); no answer
 * avoids that except a success, and a success would be a lie Entra never retries. Among failures:
 * a 4xx other than 429 says the *request* is wrong (Entra reports it as the admin's data error);
 * a 5xx or a timeout says the *service* is failing (and when every call fails, Entra quarantines
 * the job at once as a global failure, and our own 5xx alerts fire). 429 says exactly what is
 * happening: too many deprovisionings in a given amount of time (RFC 6585 §4), retry later; it is
 * the status Entra's provisioning service treats as throttling and retries, honouring Retry-After
 * (Microsoft Q&A). What keeps it from quarantine is how few operations it touches: only user
 * DELETEs fail; lookups, creates, updates and disconnects of the same cycle succeed, and Test
 * Connection never fails. Retry-After is short (product/safety-net.ts HOLD_RETRY_AFTER_SECONDS).
 */

/** A held delete, as the SCIM client sees it: 429, Retry-After, and a detail that says why and where to release it. */
export class DeleteHeldError extends ScimError {
  constructor(detail: string) {
    super(429, detail, undefined, { "Retry-After": String(HOLD_RETRY_AFTER_SECONDS) });
    this.name = "DeleteHeldError";
  }
}

/** What the view lists at most of the held deletes (`hold.total` says how many there are). */
const HELD_LIST_LIMIT = 1000;
/** The log names this many held users, then "and N more". */
const LOGGED_NAMES = 20;
const NET = "Deprovisioning safety net";
/** The provisioning log's resourceType of the net's own events (resourceId: the tenant). */
const NET_TYPE = "SafetyNet";

const releaseInForce = (state: SafetyNetDoc | undefined, now: Date) =>
  state?.release !== undefined && Date.parse(state.release.until) > now.getTime() ? state.release : undefined;

const actorName = (ctx: OperationContext) => actorFields(ctx.actor).tokenName;

/** The window as it stands: its start (an hour ago, or when the net was re-armed) and its counts. */
async function measure(
  ctx: OperationContext,
  armedSince: string | undefined,
  deleting?: string,
): Promise<{ from: Date; count: WindowCount }> {
  const store = ctx.services.safetyNet;
  const from = windowStart(ctx.now, armedSince);
  const [events, active] = await Promise.all([
    store.removals(ctx.tenantId, from, ctx.now),
    store.activeUsers(ctx.tenantId, ctx.now),
  ]);
  return { from, count: countWindow(events, active.count, active.measuredAt, deleting) };
}

/**
 * Called by the SCIM user delete (operations/resources.ts) before the delete is planned or
 * written: returns when the delete may go ahead; throws DeleteHeldError (429) when it must be held,
 * having recorded it. Costs a point read of the state document (settings are cached); counting
 * happens only while nothing is held and no release is in force.
 */
export async function guardUserDelete(ctx: OperationContext, user: ResourceDoc): Promise<void> {
  const settings = (await tenantSettings(ctx)).deleteSafety;
  if (!settings.enabled) return;
  const state = await ctx.services.safetyNet.state(ctx.tenantId);
  if (releaseInForce(state, ctx.now)) return;
  // A delete an admin discarded stays refused while Entra may retry it (until a release).
  const discarded = (state?.discarded ?? []).filter((d) => d.until > ctx.now.toISOString()).map((d) => d.holdId);
  if (discarded.length && (await ctx.services.safetyNet.heldBy(ctx.tenantId, discarded, user.id)))
    throw new DeleteHeldError(discardedDeleteDetail(ctx.tenantId));
  const hold = state?.hold ?? (await tripIfOver(ctx, settings, state, user.id));
  if (!hold) return;
  const userName = typeof user.resource.userName === "string" ? user.resource.userName : user.id;
  await ctx.services.safetyNet.recordHeld(ctx.tenantId, hold.id, { id: user.id, userName }, ctx.now);
  throw new DeleteHeldError(heldDeleteDetail(hold.cause, ctx.tenantId));
}

/**
 * Counts the window with this delete in it; over the limit, places the hold (once: a request that
 * loses the race uses the hold the other one placed) and logs it. Undefined: the delete may go.
 */
async function tripIfOver(
  ctx: OperationContext,
  settings: DeleteSafety,
  state: SafetyNetDoc | undefined,
  userId: string,
): Promise<HoldRecord | undefined> {
  const { from, count } = await measure(ctx, state?.armedSince, userId);
  if (!mustHold(settings, count)) return undefined;
  const now = ctx.now.toISOString();
  const hold: HoldRecord = {
    id: `${now.replace(/[^0-9]/g, "")}-${randomUUID().slice(0, 8)}`,
    since: now,
    cause: holdCause(settings, count, from, ctx.now),
    by: actorName(ctx),
  };
  const { state: after, changed } = await changeState(ctx, (current) => {
    if (current?.hold || releaseInForce(current, ctx.now)) return undefined;
    return { hold, ...(current?.armedSince ? { armedSince: current.armedSince } : {}) };
  });
  if (changed) {
    const trail = new AuditTrail(ctx, "delete-hold", NET_TYPE, ctx.tenantId);
    trail.resourceName = NET;
    trail.changedAttributes = ["hold"];
    const detail = `User deletes are held from now on (disconnects still take effect): ${hold.cause}`;
    await record(ctx, trail, detail);
  }
  return after?.hold;
}

/** The net as the portal and CLI show it: settings, the last hour, and the hold or release in force. */
export async function safetyNetView(ctx: OperationContext): Promise<SafetyNetView> {
  const settings = (await tenantSettings(ctx)).deleteSafety;
  const state = await ctx.services.safetyNet.state(ctx.tenantId);
  const release = releaseInForce(state, ctx.now);
  // During a release the net does not count; the view shows the plain last hour.
  const { from, count } = await measure(ctx, release ? undefined : state?.armedSince);
  const view: SafetyNetView = {
    settings,
    window: {
      from: from.toISOString(),
      disconnected: count.disconnected,
      deleted: count.deleted,
      activeUsers: count.activeUsers,
      threshold: safetyThreshold(settings, count.activeUsers),
    },
  };
  if (state?.hold) {
    const { held, total } = await ctx.services.safetyNet.held(ctx.tenantId, state.hold.id, HELD_LIST_LIMIT);
    view.hold = {
      since: state.hold.since,
      cause: state.hold.cause,
      total,
      held: held.map((h) => ({
        userId: h.userId,
        userName: h.userName,
        firstHeldAt: h.firstHeldAt,
        attempts: h.attempts,
      })),
    };
  }
  if (release) view.release = release;
  return view;
}

const deletes = (n: number) => `${n} held ${n === 1 ? "delete" : "deletes"}`;

/**
 * Writes an admin step's log event with its detail. The step has landed by then: a failed log
 * write is reported to the operators, not answered as a failed step (as `logged` does).
 */
async function record(ctx: OperationContext, trail: AuditTrail, detail: string): Promise<void> {
  await trail.finish(200, detail).catch((e) => ctx.services.report("Could not write the provisioning log", e));
}

/** "alice@x, bob@x and 3 more" for the log. */
function names(held: { userName: string }[], total: number): string {
  const shown = held.slice(0, LOGGED_NAMES).map((h) => h.userName);
  return total > shown.length ? `${shown.join(", ")} and ${total - shown.length} more` : shown.join(", ");
}

/** The hold in force and its held deletes, or 409 when nothing is held. */
async function currentHold(ctx: OperationContext) {
  const state = await ctx.services.safetyNet.state(ctx.tenantId);
  if (!state?.hold) return undefined;
  const { held, total } = await ctx.services.safetyNet.held(ctx.tenantId, state.hold.id, LOGGED_NAMES);
  return { state, hold: state.hold, held, total };
}

/**
 * Load → plan → write of the net's state: `plan` gives the fields of the next state from the one
 * loaded (undefined leaves it), written only if nobody changed it meanwhile; a lost race plans
 * again on the fresh state (retry.ts). Returns the state as it then is, and whether this wrote it.
 */
async function changeState(
  ctx: OperationContext,
  plan: (current: SafetyNetDoc | undefined) => SafetyNetFields | undefined,
): Promise<{ state: SafetyNetDoc | undefined; changed: boolean }> {
  const { safetyNet } = ctx.services;
  return withRetry(
    `updating the safety net of tenant ${ctx.tenantId}`,
    () => safetyNet.state(ctx.tenantId),
    (current) => plan(current),
    async (fields, current) =>
      fields
        ? { state: await safetyNet.write(ctx.tenantId, current, fields), changed: true }
        : { state: current, changed: false },
    undefined,
    10,
  );
}

/** The state write of a release or discard, refused when the hold changed meanwhile (another admin acted). */
async function endHold(
  ctx: OperationContext,
  holdId: string,
  next: Pick<SafetyNetDoc, "release" | "armedSince" | "discarded">,
) {
  await changeState(ctx, (current) => {
    if (current?.hold?.id !== holdId)
      throw new OperationError(
        409,
        "The hold changed while this ran (another admin released or discarded it); look again.",
      );
    return next;
  });
}

/**
 * Releases the hold: the deletes were intended. For RELEASE_MS (24 hours) every user delete of the
 * tenant goes through without counting: the held ones when Entra retries them (its next cycle,
 * else 6, 12 or 24 hours after the first failure), and the rest of the same clean-up. Then the net
 * is armed again and counts from the release's end. 409 when nothing is held.
 */
export async function releaseHold(ctx: OperationContext): Promise<SafetyNetView> {
  await logged(
    ctx,
    { operation: "delete-hold-release", resourceType: NET_TYPE, resourceId: ctx.tenantId },
    async (trail) => {
      trail.resourceName = NET;
      const found = await currentHold(ctx);
      const until = new Date(ctx.now.getTime() + RELEASE_MS).toISOString();
      if (!found) {
        // No hold, but deletes an admin discarded earlier: releasing lets Entra's retries of them through.
        const now = ctx.now.toISOString();
        const { changed } = await changeState(ctx, (current) =>
          !current?.hold && (current?.discarded ?? []).some((d) => d.until > now)
            ? { release: { at: now, until, by: actorName(ctx), held: 0 }, armedSince: until, discarded: [] }
            : undefined,
        );
        if (!changed) throw new OperationError(409, "No deletes are held: there is nothing to release.");
        trail.changedAttributes = ["discarded", "release"];
        await record(
          ctx,
          trail,
          `Released the deletes discarded earlier: Entra's retries of them, and every user delete, go through until ${until}.`,
        );
        return;
      }
      const release = { at: ctx.now.toISOString(), until, by: actorName(ctx), held: found.total };
      await endHold(ctx, found.hold.id, { release, armedSince: until });
      trail.changedAttributes = ["hold", "release"];
      await record(
        ctx,
        trail,
        `Released the hold placed ${found.hold.since}: ${deletes(found.total)} ` +
          `(${names(found.held, found.total) || "none yet"}) ${found.total === 1 ? "goes" : "go"} through at Entra's next ` +
          `retry, and every user delete ` +
          `goes through until ${until}; then the net is armed again and counts from then. The hold's cause: ${found.hold.cause}`,
      );
    },
  );
  // The view after the step, outside its log trail: a failed read does not log a landed step as failed.
  return safetyNetView(ctx);
}

/**
 * Discards the hold: the deletes were a mistake. The held list is dropped (its documents expire),
 * the users stay as they are (disconnected users stay disconnected), and the net is armed again
 * counting from now: what came before was reviewed. The discarded users' deletes stay refused while
 * Entra may retry them (DISCARDED_MS), unless an admin releases after all. With no hold but a
 * release in force, ends the release early. 409 when there is neither.
 */
export async function discardHold(ctx: OperationContext): Promise<SafetyNetView> {
  await logged(
    ctx,
    { operation: "delete-hold-discard", resourceType: NET_TYPE, resourceId: ctx.tenantId },
    async (trail) => {
      trail.resourceName = NET;
      const found = await currentHold(ctx);
      const now = ctx.now.toISOString();
      let detail: string;
      if (found) {
        const until = new Date(ctx.now.getTime() + DISCARDED_MS).toISOString();
        await endHold(ctx, found.hold.id, {
          armedSince: now,
          discarded: [...(found.state.discarded ?? []).filter((d) => d.until > now), { holdId: found.hold.id, until }],
        });
        trail.changedAttributes = ["hold"];
        detail =
          `Discarded the hold placed ${found.hold.since}: ${deletes(found.total)} dropped ` +
          `(${names(found.held, found.total) || "none yet"}); those users stay (disconnected), and Entra's retries of ` +
          `their deletes are refused until ${until} or a release. The net is armed again and counts from ${now}. ` +
          `The hold's cause: ${found.hold.cause}`;
      } else {
        const { changed } = await changeState(ctx, (current) =>
          releaseInForce(current, ctx.now) && !current?.hold ? { armedSince: now } : undefined,
        );
        if (!changed)
          throw new OperationError(409, "No deletes are held and no release is in force: there is nothing to discard.");
        trail.changedAttributes = ["release"];
        detail = `Ended the release early: the net is armed again and counts from ${now}.`;
      }
      await record(ctx, trail, detail);
    },
  );
  // The view after the step, outside its log trail: a failed read does not log a landed step as failed.
  return safetyNetView(ctx);
}

/** The settings' changes as the log keeps them (old → new). */
function settingChanges(before: DeleteSafety, after: DeleteSafety): AttributeChange[] {
  return (Object.keys(after) as (keyof DeleteSafety)[])
    .filter((k) => before[k] !== after[k])
    .map((k) => ({ attribute: `deleteSafety.${k}`, old: String(before[k]), new: String(after[k]) }));
}

/**
 * Changes the tenant's safety-net settings (any of enabled, sharePercent 1-100, minUsers ≥ 1);
 * 400 naming the field when a value is out of bounds. Switching the net off lets every delete
 * through at once (a hold in force stays on record until it is released or discarded).
 */
export async function setSafetyNetSettings(ctx: OperationContext, change: DeleteSafetyChange): Promise<SafetyNetView> {
  const checked = changeDeleteSafety((await tenantSettings(ctx)).deleteSafety, change);
  if ("problem" in checked) throw new OperationError(400, checked.problem.detail, checked.problem.field);
  await logged(
    ctx,
    { operation: "safety-net-settings", resourceType: NET_TYPE, resourceId: ctx.tenantId },
    async (trail) => {
      trail.resourceName = NET;
      let before = checked.settings;
      const saved = await updateSettings(ctx, (current) => {
        before = current.deleteSafety;
        const next = changeDeleteSafety(current.deleteSafety, change);
        if ("problem" in next) throw new OperationError(400, next.problem.detail, next.problem.field);
        return { ...current, deleteSafety: next.settings };
      });
      trail.changes = settingChanges(before, saved.deleteSafety);
      trail.changedAttributes = trail.changes.map((c) => c.attribute);
    },
  );
  // The view after the step, outside its log trail: a failed read does not log a landed step as failed.
  return safetyNetView(ctx);
}

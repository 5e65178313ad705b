/**
 * The deprovisioning safety net, as pure rules: a mistaken scoping filter in Entra can disconnect
 * or delete most of a company in one provisioning cycle, and Entra's own guard ("accidental
 * deletions prevention") lives on the client and can be switched off. When more than a
 * tenant-configured share of its active users (default 20%, and at least 25 users) has been
 * disconnected or deleted within an hour, further user DELETEs are held; disconnects still take
 * effect, because a person who must lose access must lose it. Nothing here reads a clock or a
 * store: operations/safety-net.ts loads the window's events and the active-user count and asks.
 */

/** A tenant's safety-net settings (TenantSettings.deleteSafety). */
export interface DeleteSafety {
  enabled: boolean;
  /** Hold deletes when more than this share (whole percent, 1-100) of the active users is removed within an hour. */
  sharePercent: number;
  /** ...and more than this many users: a small tenant is not held for removing a handful of people. */
  minUsers: number;
}

export const DELETE_SAFETY_DEFAULTS: DeleteSafety = { enabled: true, sharePercent: 20, minUsers: 25 };

/** Bounds of the settings: a share is a whole percent; minUsers a whole number of users. */
const DELETE_SAFETY_BOUNDS = { sharePercent: { min: 1, max: 100 }, minUsers: { min: 1, max: 1_000_000 } };

/** The window the net counts removals over. */
const WINDOW_MS = 3_600_000;

/**
 * How long a release lasts: 24 hours. Entra retries a failed operation (an "escrow") within about
 * 2 hours (usually the next cycle, ~40 minutes), then 6, 12 and 24 hours after the first failure
 * (Microsoft, "Application provisioning in quarantine status"), so a release of 24 hours lets every
 * held delete through at one of those retries, and the clean-up's further deletes with them.
 */
export const RELEASE_MS = 24 * 3_600_000;

/**
 * Retry-After of a held delete, in seconds. Short on purpose: Microsoft says the provisioning
 * service pauses a job for the Retry-After of a 429 before it goes on; a long pause would hold up
 * the disconnects queued behind the delete, which must take effect. Whether or not Entra honours
 * it, a held delete is retried with Entra's escrow schedule (next cycle, then 6, 12, 24 h...).
 */
export const HOLD_RETRY_AFTER_SECONDS = 60;

/** Settings as stored may lack the field or part of it (a tenant from before the net). */
export function deleteSafetyWithDefaults(stored: Partial<DeleteSafety> | undefined): DeleteSafety {
  return { ...DELETE_SAFETY_DEFAULTS, ...(stored ?? {}) };
}

/** A settings change as an admin gives it (JSON body or CLI): every field optional. */
export type DeleteSafetyChange = { enabled?: unknown; sharePercent?: unknown; minUsers?: unknown };

/**
 * The settings after a change, or why the change is refused (a detail a person can act on and the
 * field at fault). A share is a whole percent from 1 to 100; minUsers a whole number from 1.
 */
export function changeDeleteSafety(
  current: DeleteSafety,
  change: DeleteSafetyChange,
): { settings: DeleteSafety } | { problem: { detail: string; field: keyof DeleteSafety } } {
  const { enabled, sharePercent, minUsers } = change;
  if (enabled === undefined && sharePercent === undefined && minUsers === undefined)
    return { problem: { detail: "Name a setting to change: enabled, sharePercent or minUsers", field: "enabled" } };
  if (enabled !== undefined && typeof enabled !== "boolean")
    return { problem: { detail: "The switch (enabled) must be true or false", field: "enabled" } };
  const whole = (value: unknown, field: "sharePercent" | "minUsers", what: string) => {
    const { min, max } = DELETE_SAFETY_BOUNDS[field];
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
      return {
        detail: `${what} (${field}) must be a whole number from ${min} to ${max.toLocaleString("en-US")}`,
        field,
      };
    return undefined;
  };
  const problem =
    whole(sharePercent, "sharePercent", "The share of active users, in percent,") ??
    whole(minUsers, "minUsers", "The minimum number of users");
  if (problem) return { problem };
  return {
    settings: {
      enabled: (enabled as boolean | undefined) ?? current.enabled,
      sharePercent: (sharePercent as number | undefined) ?? current.sharePercent,
      minUsers: (minUsers as number | undefined) ?? current.minUsers,
    },
  };
}

/**
 * How many users may be removed within the window before deletes are held: the share of the
 * active users (rounded down: "more than 20% of 102" is 21 or more), but never fewer than
 * minUsers. Deletes are held when the removed users are *more* than this.
 */
export function safetyThreshold(settings: DeleteSafety, activeUsers: number): number {
  return Math.max(settings.minUsers, Math.floor((activeUsers * settings.sharePercent) / 100));
}

/** Where the window starts: an hour ago, or later when the net was re-armed (a discard, the end of a release). */
export function windowStart(now: Date, armedSince: string | undefined): Date {
  const hourAgo = now.getTime() - WINDOW_MS;
  const armed = armedSince === undefined ? Number.NaN : Date.parse(armedSince);
  return new Date(Number.isNaN(armed) ? hourAgo : Math.max(hourAgo, Math.min(armed, now.getTime())));
}

/** One removal event in the window (store/event-feed.ts: `user.deactivated` or `user.deleted`). */
export interface RemovalEvent {
  resourceId: string;
  type: string;
  time: string;
}

/** The window as measured: distinct users disconnected, deleted, removed either way, and the active users it is measured against. */
export interface WindowCount {
  disconnected: number;
  deleted: number;
  /** Distinct users disconnected or deleted (a user disconnected, then deleted, counts once). */
  removed: number;
  activeUsers: number;
}

/**
 * Counts the window. `activeNow` is the count of users with `active` not false, measured at
 * `measuredAt` (it may be cached for a minute); the users removed in the window until that moment
 * were active when the window began and are not in the count, so they are added back: the share is of the users active at
 * the window's start. `deleting` is the user whose delete is being judged: it counts as removed
 * (the question is whether *this* delete would take the removals past the limit).
 */
export function countWindow(
  events: RemovalEvent[],
  activeNow: number,
  measuredAt: Date,
  deleting?: string,
): WindowCount {
  const disconnected = new Set<string>();
  const deleted = new Set<string>();
  const removedBefore = new Set<string>();
  for (const e of events) {
    if (e.type === "user.deactivated") disconnected.add(e.resourceId);
    else if (e.type === "user.deleted") deleted.add(e.resourceId);
    else continue;
    if (Date.parse(e.time) <= measuredAt.getTime()) removedBefore.add(e.resourceId);
  }
  const removed = new Set([...disconnected, ...deleted]);
  if (deleting !== undefined) removed.add(deleting);
  return {
    disconnected: disconnected.size,
    deleted: deleted.size,
    removed: removed.size,
    activeUsers: activeNow + removedBefore.size,
  };
}

/** Whether a delete must be held: the net is on and the removals (this delete included) exceed the threshold. */
export function mustHold(settings: DeleteSafety, count: WindowCount): boolean {
  return settings.enabled && count.removed > safetyThreshold(settings, count.activeUsers);
}

const hhmm = (d: Date) => d.toISOString().slice(11, 16);
const percent = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 100) : 100);

/** Why the net held deletes, in a sentence the log, the portal and the SCIM detail show. */
export function holdCause(settings: DeleteSafety, count: WindowCount, from: Date, now: Date): string {
  const threshold = safetyThreshold(settings, count.activeUsers);
  return (
    `${count.removed} of ${count.activeUsers} active users (${percent(count.removed, count.activeUsers)}%) were disconnected ` +
    `or deleted between ${hhmm(from)} and ${hhmm(now)} UTC (${count.disconnected} disconnected, ${count.deleted} deleted, ` +
    `counting the delete that tripped the net): more than the limit of ${threshold} ` +
    `(${settings.sharePercent}% of the active users, at least ${settings.minUsers}).`
  );
}

/** The SCIM `detail` of a delete an admin discarded (Entra retrying it): it stays refused. */
export function discardedDeleteDetail(tenantId: string): string {
  return (
    `Delete refused: an admin discarded it as a mistake when the deprovisioning safety net held it (the user stays ` +
    `disconnected, its data kept). Fix the provisioning job's scoping filter in Entra; to let the delete through, ` +
    `release the safety net with ` +
    `\`npm run admin -- safety-net release --tenant ${tenantId}\`. Retry later.`
  );
}

/**
 * The SCIM `detail` of a held delete: what happened, that the user lost access all the same and
 * disconnects still work, and where an
 * admin releases or discards the hold. Entra shows it in its provisioning logs.
 */
export function heldDeleteDetail(cause: string, tenantId: string): string {
  return (
    `Delete held by the deprovisioning safety net: ${cause} The user is disconnected meanwhile (it can no longer ` +
    `sign in; its data stays). Disconnects (active=false) still take effect; ` +
    `deletes wait until an admin checks the provisioning job's scoping filter in Entra and releases the hold ` +
    `(the held deletes go through at Entra's next retry) or discards it, on the admin portal's Safety net page or with ` +
    `\`npm run admin -- safety-net release|discard --tenant ${tenantId}\`. Retry later.`
  );
}

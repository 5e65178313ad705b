import { randomUUID } from "node:crypto";

/**
 * The provisioning event feed: every change Entra (or an admin) makes to a user, a group, a
 * membership or a role becomes one event document, written in the same transactional batch as
 * the change itself (resources container, the tenant's partition), so no change is ever without
 * its event and no event without its change. The dispatcher (operations/events.ts) turns pending
 * events into deliveries for the tenant's subscriptions and clears `pending`.
 */
export const PROVISIONING_EVENT_TYPES = [
  "user.created",
  "user.changed",
  "user.activated",
  "user.deactivated",
  "user.deleted",
  "group.created",
  "group.changed",
  "group.deleted",
  "membership.added",
  "membership.removed",
  "role.changed",
] as const;

export type ProvisioningEventType = (typeof PROVISIONING_EVENT_TYPES)[number];

/** What an event says, besides its type and resource. */
export interface ProvisioningEventData {
  /** The resource's SCIM representation after the change (before it, for a delete), without `members`. */
  data?: Record<string, unknown>;
  /** The attributes the change touched (SCIM names, as in the provisioning log). */
  changedAttributes?: string[];
  /** membership.added / membership.removed: the users (SCIM ids) whose membership of the group changed. */
  members?: string[];
  /** role.changed: the role before and after, and why (the mapping's group, the last-Admin rule, an admin). */
  role?: { from: string | null; to: string | null; because: string };
}

/** One event as stored. */
export interface EventDoc extends ProvisioningEventData {
  /** `ev.` + time + a per-process sequence + random: sorts by time, unique. */
  id: string;
  tenantId: string;
  kind: "Event";
  /** The embedded store evaluates filter subqueries over every document: an empty resource and norm. */
  resource: Record<string, unknown>;
  norm: Record<string, never>;
  type: ProvisioningEventType;
  time: string;
  /** The resource the event is about: a User (user.*, role.changed) or a Group (group.*, membership.*). */
  resourceType: "User" | "Group";
  resourceId: string;
  /** Who made the change: the SCIM token (name) or the admin, as in the provisioning log. */
  actor: string;
  /** Not yet turned into deliveries; the dispatcher clears it. */
  pending: true;
  /** Seconds the event is kept (EVENT_RETENTION_SECONDS). */
  ttl: number;
}

/** How long events are kept: deliveries retry for 24 hours; a poller may be away for a week. */
export const EVENT_RETENTION_SECONDS = 7 * 86_400;

let sequence = 0;

/** A new event document (the id is drawn here, as audit ids are). */
export function eventDoc(input: {
  tenantId: string;
  type: ProvisioningEventType;
  time: string;
  resourceType: "User" | "Group";
  resourceId: string;
  actor: string;
  data?: ProvisioningEventData;
}): EventDoc {
  const { data = {}, ...rest } = input;
  return {
    id: `ev.${input.time}~${(sequence++ % 2 ** 40).toString(36).padStart(8, "0")}~${randomUUID().slice(0, 8)}`,
    kind: "Event",
    ...rest,
    ...data,
    resource: {},
    norm: {},
    pending: true,
    ttl: EVENT_RETENTION_SECONDS,
  };
}

/**
 * Told after a write landed with events, so the event worker wakes at once rather than at its
 * next sweep. The stores fire it; the composition root (services.ts) connects it to the worker's
 * queue. Never throws into the write: the change has landed, and the sweep finds its events anyway.
 */
export class EventSignal {
  private listener?: (tenantId: string) => Promise<void>;

  listen(listener: (tenantId: string) => Promise<void>): void {
    this.listener = listener;
  }

  async written(tenantId: string): Promise<void> {
    await this.listener?.(tenantId).catch(() => undefined);
  }
}

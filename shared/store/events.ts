import type { Container, JSONObject, OperationInput, SqlParameter } from "@azure/cosmos";
import {
  EVENT_RETENTION_SECONDS,
  type EventDoc,
  type ProvisioningEventData,
  type ProvisioningEventType,
} from "./event-feed.js";
import { NotFoundError, PreconditionFailedError, call, callBatch, cosmosStatus, fromCosmos } from "./errors.js";
import { Retry, idempotent, read, withRetries } from "./retry.js";

/**
 * Event subscriptions and deliveries, in the resources container beside the events themselves
 * (the tenant's partition: one transactional batch turns an event into its deliveries and clears
 * its `pending` flag). One delivery document per (subscription, event), with a deterministic id,
 * so running the dispatcher twice makes nothing twice. Every read failure is an error, never
 * "nothing pending": a sweep that cannot read tries again, it does not conclude the feed is empty.
 */

/** One subscription of a tenant. */

/** An id the store could hold (Cosmos DB ids are at most 255 characters, without / \\ ? #): anything else is simply not found. */
const storableId = (id: string) => id.length > 0 && id.length <= 255 && !/[/\\?#]/.test(id);

export interface SubscriptionDoc {
  id: string;
  tenantId: string;
  kind: "Subscription";
  /** The embedded store evaluates filter subqueries over every document: an empty resource and norm. */
  resource: Record<string, never>;
  norm: Record<string, never>;
  /** Pushed as RFC 9967 SETs (RFC 8935), pushed as signed JSON webhooks, or polled (RFC 8936). */
  format: "set" | "webhook" | "poll";
  /** RFC 9967 `:full` (the resource's representation) or `:notice` (its id and what changed). */
  content: "full" | "notice";
  url?: string;
  description?: string;
  paused: boolean;
  /**
   * The signing secret (`whsec_` + base64 of 32 random bytes). Stored as it is, not as a hash: the
   * service must sign every delivery with it (HMAC, HS256), and a key one must use cannot be a hash.
   * Never logged, never in a view; shown once by create and rotate.
   */
  secret: string;
  /** After a rotation the previous secret still signs (webhook: a second signature) until `previousSecretUntil`. */
  previousSecret?: string;
  previousSecretUntil?: string;
  secretRotated?: string;
  /** The Tenant URL the subscription was created at (the SET issuer when PUBLIC_BASE_URL is not set). */
  baseUrl?: string;
  /** Poll subscriptions: SHA-256 (hex) of the secret and of the previous one, how the poll endpoint finds its subscription. */
  pollKey?: string;
  previousPollKey?: string;
  created: string;
  createdBy: string;
  _etag?: string;
}

export type DeliveryState = "pending" | "delivered" | "dead";

/** What a delivery carries: the event as the dispatcher read it (or a test event), without the feed's bookkeeping. */
export interface DeliveredEvent extends ProvisioningEventData {
  id: string;
  tenantId: string;
  type: ProvisioningEventType | "test";
  time: string;
  resourceType: "User" | "Group" | "Test";
  resourceId: string;
  actor: string;
}

/** One event for one subscription. */
export interface DeliveryDoc {
  /** `dl.<subscriptionId>.<eventId>`: ids of one subscription sort by event, i.e. by time. */
  id: string;
  tenantId: string;
  kind: "Delivery";
  resource: Record<string, never>;
  norm: Record<string, never>;
  subscriptionId: string;
  eventId: string;
  /** Poll subscriptions' deliveries wait for the poller: the push worker and its sweep leave them alone. */
  poll?: true;
  /** `User/<id>`: deliveries of one resource go out one at a time, oldest first. */
  resourceKey: string;
  event: DeliveredEvent;
  state: DeliveryState;
  attempts: number;
  /** When the worker may try it (pending); a new delivery is due at once. */
  nextAttemptAt: string;
  /** The first attempt: retries run for 24 hours from it (renewed by an admin's retry). */
  firstAttemptAt?: string;
  deliveredAt?: string;
  latencyMs?: number;
  lastStatus?: number;
  lastError?: string;
  /**
   * Seconds kept once delivered or dead (EVENT_RETENTION_SECONDS). None while pending: a delivery
   * waiting behind its resource's failing event, or for a paused subscription, is never lost to
   * expiry; it ends delivered or dead-lettered (or with its subscription).
   */
  ttl?: number;
  _etag?: string;
}

/** The lease that makes one worker at a time deliver a subscription's events (order per resource across instances). */
interface LeaseDoc {
  id: string;
  tenantId: string;
  kind: "DeliveryLease";
  resource: Record<string, never>;
  norm: Record<string, never>;
  owner: string;
  until: string;
  ttl: number;
  _etag?: string;
}

export const deliveryId = (subscriptionId: string, eventId: string) => `dl.${subscriptionId}.${eventId}`;
const leaseId = (subscriptionId: string) => `lease.${subscriptionId}`;

/** The document as written: no system properties and no undefined fields. */
function strip<T extends object>(doc: T): JSONObject {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) if (!k.startsWith("_") && v !== undefined) out[k] = v;
  return out as JSONObject;
}

/** A new pending delivery of `event` to `subscription`, due at once. */
export function deliveryDoc(subscription: SubscriptionDoc, event: DeliveredEvent, now: string): DeliveryDoc {
  return {
    id: deliveryId(subscription.id, event.id),
    tenantId: subscription.tenantId,
    kind: "Delivery",
    resource: {},
    norm: {},
    subscriptionId: subscription.id,
    eventId: event.id,
    ...(subscription.format === "poll" ? { poll: true as const } : {}),
    resourceKey: `${event.resourceType}/${event.resourceId}`,
    event,
    state: "pending",
    attempts: 0,
    nextAttemptAt: now,
  };
}

/** The event as a delivery carries it. */
export function deliveredEvent(event: EventDoc): DeliveredEvent {
  const {
    pending: _p,
    ttl: _t,
    resource: _r,
    norm: _n,
    kind: _k,
    ...rest
  } = event as EventDoc & Record<string, unknown>;
  for (const key of Object.keys(rest)) if (key.startsWith("_")) delete rest[key];
  return rest as DeliveredEvent;
}

/** What happened to a batch of the dispatcher: landed, or another dispatcher got there first. */
type DispatchOutcome = "written" | "conflict";

export class EventStore {
  constructor(private readonly container: Container) {}

  private select<T>(tenantId: string, query: string, parameters: SqlParameter[] = []): Promise<T[]> {
    return idempotent(() =>
      call(
        async () =>
          (
            await this.container.items
              .query<T>(
                { query, parameters: [{ name: "@tenantId", value: tenantId }, ...parameters] },
                { partitionKey: tenantId },
              )
              .fetchAll()
          ).resources,
      ),
    );
  }

  private crossPartition<T>(query: string, parameters: SqlParameter[], limit: number): Promise<T[]> {
    return idempotent(() =>
      call(
        async () =>
          (
            await this.container.items
              .query<T>({ query, parameters }, { maxItemCount: Math.min(limit, 1000) })
              .fetchAll()
          ).resources,
      ),
    ).then((rows) => rows.slice(0, limit));
  }

  // --- subscriptions ---

  async subscriptions(tenantId: string): Promise<SubscriptionDoc[]> {
    return this.select<SubscriptionDoc>(
      tenantId,
      "SELECT * FROM c WHERE c.tenantId = @tenantId AND c.kind = 'Subscription' ORDER BY c.id",
    );
  }

  async subscription(tenantId: string, id: string): Promise<SubscriptionDoc | undefined> {
    if (!storableId(id)) return undefined;
    const doc = await read(() => this.container.item(id, tenantId).read<SubscriptionDoc>());
    return doc && doc.kind === "Subscription" && doc.tenantId === tenantId ? doc : undefined;
  }

  /** The poll subscription whose secret (or previous secret) hashes to `key`, in any tenant (one indexed query). */
  async subscriptionByPollKey(key: string): Promise<SubscriptionDoc | undefined> {
    const rows = await this.crossPartition<SubscriptionDoc>(
      "SELECT * FROM c WHERE c.kind = 'Subscription' AND (c.pollKey = @key OR c.previousPollKey = @key)",
      [{ name: "@key", value: key }],
      2,
    );
    return rows[0];
  }

  async createSubscription(doc: SubscriptionDoc): Promise<SubscriptionDoc> {
    return call(async () => (await this.container.items.create<SubscriptionDoc>(strip(doc) as never)).resource!);
  }

  /** Replaces a subscription guarded by its ETag (PreconditionFailedError when it changed meanwhile). */
  async replaceSubscription(doc: SubscriptionDoc): Promise<SubscriptionDoc> {
    try {
      const { resource } = await this.container
        .item(doc.id, doc.tenantId)
        .replace<SubscriptionDoc>(strip(doc) as never, { accessCondition: { type: "IfMatch", condition: doc._etag! } });
      return resource as SubscriptionDoc;
    } catch (error) {
      if (cosmosStatus(error) === 412) throw new PreconditionFailedError(`subscription ${doc.id}`);
      if (cosmosStatus(error) === 404) throw new NotFoundError(`subscription ${doc.id}`);
      throw fromCosmos(error);
    }
  }

  /** Deletes a subscription; already gone is fine (a retried delete whose first reply was lost). */
  async deleteSubscription(tenantId: string, id: string): Promise<void> {
    try {
      await this.container.item(id, tenantId).delete();
    } catch (error) {
      if (cosmosStatus(error) !== 404) throw fromCosmos(error);
    }
  }

  // --- events (written by the operations with their changes; the dispatcher reads and clears them) ---

  /** The tenant's events not yet turned into deliveries, oldest first. */
  async pendingEvents(tenantId: string, limit: number): Promise<EventDoc[]> {
    return this.select<EventDoc>(
      tenantId,
      "SELECT TOP @top * FROM c WHERE c.tenantId = @tenantId AND c.kind = 'Event' AND c.pending = true ORDER BY c.id",
      [{ name: "@top", value: limit }],
    );
  }

  /**
   * Tenants with events waiting for the dispatcher (the sweep): read from up to `limit` pending
   * events (no DISTINCT: the embedded local store cannot run it). A tenant with a larger backlog can
   * fill the window, but its dispatch clears a thousand events per message, so the next sweep sees
   * the others.
   */
  async tenantsWithPendingEvents(limit: number): Promise<string[]> {
    const rows = await this.crossPartition<{ tenantId: string }>(
      "SELECT TOP @top c.tenantId FROM c WHERE c.kind = 'Event' AND c.pending = true",
      [{ name: "@top", value: limit }],
      limit,
    );
    return [...new Set(rows.map((r) => r.tenantId))];
  }

  /**
   * One transactional batch of the dispatcher: for each event, its `pending` flag cleared (a
   * replace guarded by the ETag it was read with) and its deliveries created. "conflict": another
   * dispatcher got there first (412 on an event, 409 on a delivery); nothing of this batch landed.
   */
  async dispatch(tenantId: string, items: { event: EventDoc; deliveries: DeliveryDoc[] }[]): Promise<DispatchOutcome> {
    const ops: OperationInput[] = [];
    for (const { event, deliveries } of items) {
      const { pending: _pending, ...cleared } = event;
      ops.push({
        operationType: "Replace",
        id: event.id,
        partitionKey: tenantId,
        resourceBody: strip(cleared),
        ifMatch: (event as { _etag?: string })._etag,
      });
      for (const d of deliveries) ops.push({ operationType: "Create", partitionKey: tenantId, resourceBody: strip(d) });
    }
    const response = await callBatch(() => this.container.items.batch(ops, tenantId));
    const results = response.result ?? [];
    const failed = results.find((r) => r.statusCode >= 400 && r.statusCode !== 424);
    if (!failed) {
      if (results.length < ops.length) throw fromCosmos({ code: response.code ?? 503 });
      return "written";
    }
    if (failed.statusCode === 409 || failed.statusCode === 412 || failed.statusCode === 404) return "conflict";
    throw fromCosmos({ code: failed.statusCode });
  }

  /** Creates one delivery; one already there (same id) is fine. */
  async createDelivery(doc: DeliveryDoc): Promise<void> {
    try {
      await this.container.items.create(strip(doc));
    } catch (error) {
      if (cosmosStatus(error) !== 409) throw fromCosmos(error);
    }
  }

  /** Clears an event's `pending` flag: read, then replaced guarded by its ETag (read again when another write got there first). */
  async clearPending(tenantId: string, id: string): Promise<void> {
    await withRetries({ attempts: 5, what: `clearing event ${id}` }, async () => {
      const event = await read(() => this.container.item(id, tenantId).read<EventDoc>());
      if (!event || !event.pending) return;
      const { pending: _pending, ...cleared } = event;
      try {
        await this.container.item(id, tenantId).replace(strip(cleared), {
          accessCondition: { type: "IfMatch", condition: (event as { _etag?: string })._etag! },
        });
      } catch (error) {
        const status = cosmosStatus(error);
        if (status === 412) throw new Retry();
        if (status !== 404) throw fromCosmos(error);
      }
    });
  }

  // --- deliveries ---

  async delivery(tenantId: string, id: string): Promise<DeliveryDoc | undefined> {
    if (!storableId(id)) return undefined;
    const doc = await read(() => this.container.item(id, tenantId).read<DeliveryDoc>());
    return doc && doc.kind === "Delivery" && doc.tenantId === tenantId ? doc : undefined;
  }

  /** A subscription's pending deliveries, oldest event first. */
  async pendingDeliveries(
    tenantId: string,
    subscriptionId: string,
    limit: number,
    /** Resources (resourceKey) left out: those whose oldest pending delivery is not due yet. */
    skip: string[] = [],
  ): Promise<DeliveryDoc[]> {
    return this.select<DeliveryDoc>(
      tenantId,
      `SELECT TOP @top * FROM c WHERE c.tenantId = @tenantId AND c.kind = 'Delivery' AND c.subscriptionId = @sub AND c.state = 'pending'${skip.length ? " AND NOT ARRAY_CONTAINS(@skip, c.resourceKey)" : ""} ORDER BY c.id`,
      [
        { name: "@top", value: limit },
        { name: "@sub", value: subscriptionId },
        ...(skip.length ? [{ name: "@skip", value: skip }] : []),
      ],
    );
  }

  /** Every active push subscription of every tenant (the sweep; a tenant has at most a few). */
  async activePushSubscriptions(): Promise<{ tenantId: string; id: string }[]> {
    const rows = await this.crossPartition<Pick<SubscriptionDoc, "tenantId" | "id" | "paused" | "format">>(
      "SELECT c.tenantId, c.id, c.paused, c.format FROM c WHERE c.kind = 'Subscription'",
      [],
      Number.MAX_SAFE_INTEGER,
    );
    return rows.filter((r) => !r.paused && r.format !== "poll").map(({ tenantId, id }) => ({ tenantId, id }));
  }

  /** Whether a subscription has a pending delivery due by `now`. */
  async hasDueDelivery(tenantId: string, subscriptionId: string, now: string): Promise<boolean> {
    const rows = await this.select<{ id: string }>(
      tenantId,
      "SELECT TOP 1 c.id FROM c WHERE c.tenantId = @tenantId AND c.kind = 'Delivery' AND c.subscriptionId = @sub AND c.state = 'pending' AND c.nextAttemptAt <= @now",
      [
        { name: "@sub", value: subscriptionId },
        { name: "@now", value: now },
      ],
    );
    return rows.length > 0;
  }

  /** Replaces a delivery guarded by its ETag: false when it changed meanwhile (an admin's retry, another worker). */
  async replaceDelivery(doc: DeliveryDoc): Promise<DeliveryDoc | undefined> {
    try {
      const { resource } = await this.container
        .item(doc.id, doc.tenantId)
        .replace<DeliveryDoc>(
          strip({ ...doc, ttl: doc.state === "pending" ? undefined : EVENT_RETENTION_SECONDS }) as never,
          { accessCondition: { type: "IfMatch", condition: doc._etag! } },
        );
      return resource as DeliveryDoc;
    } catch (error) {
      const status = cosmosStatus(error);
      if (status === 412 || status === 404) return undefined;
      throw fromCosmos(error);
    }
  }

  async deleteDelivery(tenantId: string, id: string): Promise<void> {
    try {
      await this.container.item(id, tenantId).delete();
    } catch (error) {
      if (cosmosStatus(error) !== 404) throw fromCosmos(error);
    }
  }

  /** Deliveries newest event first, paged (1-based), optionally of one subscription and state; with the total. */
  async listDeliveries(
    tenantId: string,
    query: { subscriptionId?: string; state?: DeliveryState; page: number; limit: number },
  ): Promise<{ total: number; deliveries: DeliveryDoc[] }> {
    const parameters: SqlParameter[] = [];
    let where = "c.tenantId = @tenantId AND c.kind = 'Delivery'";
    if (query.subscriptionId) {
      where += " AND c.subscriptionId = @sub";
      parameters.push({ name: "@sub", value: query.subscriptionId });
    }
    if (query.state) {
      where += " AND c.state = @state";
      parameters.push({ name: "@state", value: query.state });
    }
    const skip = (query.page - 1) * query.limit;
    const [total, rows] = await Promise.all([
      this.select<number>(tenantId, `SELECT VALUE COUNT(1) FROM c WHERE ${where}`, parameters),
      this.select<DeliveryDoc>(tenantId, `SELECT TOP @top * FROM c WHERE ${where} ORDER BY c.eventId DESC`, [
        ...parameters,
        { name: "@top", value: skip + query.limit },
      ]),
    ]);
    return { total: total[0] ?? 0, deliveries: rows.slice(skip, skip + query.limit) };
  }

  /** A subscription's deliveries counted by state, its last delivery and its latest error (the admin view). */
  async stats(
    tenantId: string,
    subscriptionId: string,
  ): Promise<{ pending: number; delivered: number; dead: number; lastDeliveredAt?: string; lastError?: string }> {
    const sub = [{ name: "@sub", value: subscriptionId }];
    const base = "c.tenantId = @tenantId AND c.kind = 'Delivery' AND c.subscriptionId = @sub";
    const count = (state: DeliveryState) =>
      this.select<number>(tenantId, `SELECT VALUE COUNT(1) FROM c WHERE ${base} AND c.state = '${state}'`, sub).then(
        (r) => r[0] ?? 0,
      );
    const [pending, delivered, dead, last, failed] = await Promise.all([
      count("pending"),
      count("delivered"),
      count("dead"),
      this.select<{ deliveredAt?: string }>(
        tenantId,
        `SELECT TOP 1 c.deliveredAt FROM c WHERE ${base} AND c.state = 'delivered' ORDER BY c.eventId DESC`,
        sub,
      ),
      this.select<{ lastError?: string }>(
        tenantId,
        `SELECT TOP 1 c.lastError FROM c WHERE ${base} AND c.state != 'delivered' AND IS_DEFINED(c.lastError) ORDER BY c.eventId DESC`,
        sub,
      ),
    ]);
    return {
      pending,
      delivered,
      dead,
      ...(last[0]?.deliveredAt ? { lastDeliveredAt: last[0].deliveredAt } : {}),
      ...(failed[0]?.lastError ? { lastError: failed[0].lastError } : {}),
    };
  }

  // --- the delivery lease of a subscription ---

  /**
   * Takes the subscription's delivery lease for `owner` until `until` unless another owner holds
   * it past `now`. True when `owner` holds it (a lost reply of its own earlier take included).
   */
  async takeLease(tenantId: string, subscriptionId: string, owner: string, now: string, until: string) {
    const id = leaseId(subscriptionId);
    const body: LeaseDoc = {
      id,
      tenantId,
      kind: "DeliveryLease",
      resource: {},
      norm: {},
      owner,
      until,
      ttl: 86_400,
    };
    try {
      await this.container.items.create(strip(body));
      return true;
    } catch (error) {
      if (cosmosStatus(error) !== 409) throw fromCosmos(error);
    }
    const current = await read(() => this.container.item(id, tenantId).read<LeaseDoc>());
    if (!current) return false;
    if (current.owner === owner) return true;
    if (current.until > now) return false;
    try {
      await this.container
        .item(id, tenantId)
        .replace(strip(body), { accessCondition: { type: "IfMatch", condition: current._etag! } });
      return true;
    } catch (error) {
      if (cosmosStatus(error) === 412 || cosmosStatus(error) === 404) return false;
      throw fromCosmos(error);
    }
  }

  /** Keeps the lease until `until` (only if `owner` still holds it): the subscriber is left alone until then. */
  async holdLease(tenantId: string, subscriptionId: string, owner: string, until: string): Promise<void> {
    const id = leaseId(subscriptionId);
    const current = await read(() => this.container.item(id, tenantId).read<LeaseDoc>());
    if (!current || current.owner !== owner) return;
    try {
      await this.container
        .item(id, tenantId)
        .replace(strip({ ...current, until }), { accessCondition: { type: "IfMatch", condition: current._etag! } });
    } catch (error) {
      if (cosmosStatus(error) !== 412 && cosmosStatus(error) !== 404) throw fromCosmos(error);
    }
  }

  /** Gives the lease back (only if `owner` still holds it); failing that, it runs out by itself. */
  async releaseLease(tenantId: string, subscriptionId: string, owner: string): Promise<void> {
    const id = leaseId(subscriptionId);
    const current = await read(() => this.container.item(id, tenantId).read<LeaseDoc>());
    if (!current || current.owner !== owner) return;
    try {
      await this.container
        .item(id, tenantId)
        .delete({ accessCondition: { type: "IfMatch", condition: current._etag! } });
    } catch (error) {
      if (cosmosStatus(error) !== 412 && cosmosStatus(error) !== 404) throw fromCosmos(error);
    }
  }
}

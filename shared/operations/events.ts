import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type {
  DeliveryList,
  DeliveryState,
  DeliveryView,
  EventContent,
  EventFormat,
  SubscriptionCreated,
  SubscriptionView,
} from "../contracts/admin-api.js";
import { newSigningSecret, testEvent } from "../product/event-formats.js";
import { UnsafeUrlError, checkSubscriptionUrl } from "../product/url-safety.js";
import { PreconditionFailedError } from "../store/errors.js";
import { deliveryDoc, deliveryId, type DeliveryDoc, type EventStore, type SubscriptionDoc } from "../store/events.js";
import { Retry, withRetries } from "../store/retry.js";
import { logged } from "./audit-trail.js";
import { actorFields, type OperationContext, type Services } from "./context.js";
import { OperationError } from "./errors.js";
import { signedSet, wake } from "./event-delivery.js";

/**
 * Event subscriptions as the admin API and the CLI manage them (create, list, pause, rotate,
 * delete, test, deliveries, retry), `notifyEvents` that the writing operations call after a change
 * landed, and the RFC 8936 poll endpoint's operation. The worker that dispatches and delivers is
 * operations/event-delivery.ts.
 */

/** Subscriptions one tenant may have: every event is written once per subscription. */
const MAX_SUBSCRIPTIONS = 10;
const FORMATS: readonly EventFormat[] = ["set", "webhook", "poll"];
const CONTENTS: readonly EventContent[] = ["full", "notice"];
const STATES: readonly DeliveryState[] = ["pending", "delivered", "dead"];
/** How long a rotated-out secret still signs (webhook: a second signature) and authenticates a poller. */
const PREVIOUS_SECRET_MS = 24 * 3600_000;

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** The subscription as the admin sees it: never its secret. */
async function viewOf(ctx: OperationContext, doc: SubscriptionDoc): Promise<SubscriptionView> {
  return {
    id: doc.id,
    format: doc.format,
    content: doc.content,
    ...(doc.url ? { url: doc.url } : {}),
    ...(doc.description ? { description: doc.description } : {}),
    paused: doc.paused,
    created: doc.created,
    createdBy: doc.createdBy,
    ...(doc.secretRotated ? { secretRotated: doc.secretRotated } : {}),
    stats: await ctx.services.events.stats(ctx.tenantId, doc.id),
  };
}

function deliveryView(d: DeliveryDoc): DeliveryView {
  return {
    id: d.id,
    subscriptionId: d.subscriptionId,
    eventId: d.eventId,
    eventType: d.event.type,
    resourceType: d.event.resourceType,
    resourceId: d.event.resourceId,
    eventTime: d.event.time,
    state: d.state,
    attempts: d.attempts,
    ...(d.state === "pending" && !d.poll ? { nextAttemptAt: d.nextAttemptAt } : {}),
    ...(d.deliveredAt ? { deliveredAt: d.deliveredAt } : {}),
    ...(d.latencyMs !== undefined ? { latencyMs: d.latencyMs } : {}),
    ...(d.lastStatus !== undefined ? { lastStatus: d.lastStatus } : {}),
    ...(d.lastError ? { lastError: d.lastError } : {}),
  };
}

const allowLocal = (ctx: OperationContext) => ctx.services.config.events?.allowLocalUrls ?? false;

async function requireSubscription(ctx: OperationContext, id: string): Promise<SubscriptionDoc> {
  const doc = await ctx.services.events.subscription(ctx.tenantId, id);
  if (!doc) throw new OperationError(404, `Subscription ${id} not found (see: events list).`, "subscription");
  return doc;
}

/** Read-modify-write of a subscription (ETag-guarded, read again on a lost race). */
async function updateSubscription(
  ctx: OperationContext,
  id: string,
  change: (doc: SubscriptionDoc) => SubscriptionDoc,
): Promise<SubscriptionDoc> {
  return withRetries({ attempts: 5, what: `changing subscription ${id}` }, async () => {
    const current = await requireSubscription(ctx, id);
    try {
      return await ctx.services.events.replaceSubscription(change(current));
    } catch (error) {
      if (error instanceof PreconditionFailedError) throw new Retry();
      throw error;
    }
  });
}

/** The secret fields of a new or rotated secret (poll subscriptions are found by its hash). */
function secretFields(doc: Pick<SubscriptionDoc, "format">, secret: string) {
  return { secret, ...(doc.format === "poll" ? { pollKey: sha256(secret) } : {}) };
}

/**
 * `events subscribe`, `POST /api/admin/events/subscriptions`: a new subscription of the tenant's
 * events, and its signing secret (shown this once). Push formats need a URL the safety rules accept
 * (https to a public host; on the local host also http://localhost and http://127.0.0.1); `poll`
 * takes none. It receives the events that happen from now on.
 */
export async function createSubscription(
  ctx: OperationContext,
  input: { url?: string; format: EventFormat; content?: EventContent; description?: string },
): Promise<SubscriptionCreated> {
  for (const field of ["format", "url", "content", "description"] as const)
    if (input[field] !== undefined && typeof input[field] !== "string")
      throw new OperationError(400, `${field} must be a string`, field);
  if (!FORMATS.includes(input.format))
    throw new OperationError(400, `format must be one of ${FORMATS.join(", ")} (got "${input.format}")`, "format");
  const content = input.content ?? "full";
  if (!CONTENTS.includes(content))
    throw new OperationError(400, `content must be full or notice (got "${input.content}")`, "content");
  const description = input.description?.trim() || undefined;
  if (description && description.length > 200)
    throw new OperationError(400, "description must be at most 200 characters", "description");
  let url: string | undefined;
  if (input.format === "poll") {
    if (input.url) throw new OperationError(400, "a poll subscription takes no url: the application polls", "url");
  } else {
    if (!input.url) throw new OperationError(400, `a ${input.format} subscription needs the url to push to`, "url");
    try {
      url = checkSubscriptionUrl(input.url.trim(), { allowLocal: allowLocal(ctx) }).href;
    } catch (error) {
      if (error instanceof UnsafeUrlError) throw new OperationError(400, error.message, "url");
      throw error;
    }
  }
  const existing = await ctx.services.events.subscriptions(ctx.tenantId);
  if (existing.length >= MAX_SUBSCRIPTIONS)
    throw new OperationError(
      422,
      `a tenant can have at most ${MAX_SUBSCRIPTIONS} subscriptions; delete one first (see: events list)`,
    );
  const secret = newSigningSecret();
  const id = randomUUID();
  const doc: SubscriptionDoc = {
    id,
    tenantId: ctx.tenantId,
    kind: "Subscription",
    resource: {},
    norm: {},
    format: input.format,
    content,
    ...(url ? { url } : {}),
    ...(description ? { description } : {}),
    paused: false,
    ...secretFields(input, secret),
    ...(/^https?:\/\//.test(ctx.baseUrl) ? { baseUrl: ctx.baseUrl } : {}),
    created: ctx.now.toISOString(),
    createdBy: actorFields(ctx.actor).tokenName,
  };
  return logged(
    ctx,
    { operation: "event-subscribe", resourceType: "Subscription", resourceId: id },
    async (trail) => {
      trail.resourceName = url ?? "poll";
      trail.changedAttributes = ["format", "content", ...(url ? ["url"] : []), ...(description ? ["description"] : [])];
      const created = await ctx.services.events.createSubscription(doc);
      subscriptionsChanged(ctx.services, ctx.tenantId);
      return { subscription: await viewOf(ctx, created), secret };
    },
    () => 201,
  );
}

/** `events list`, `GET /api/admin/events/subscriptions`: the tenant's subscriptions with their delivery counts. */
export async function listSubscriptions(ctx: OperationContext): Promise<SubscriptionView[]> {
  const docs = await ctx.services.events.subscriptions(ctx.tenantId);
  return Promise.all(docs.map((d) => viewOf(ctx, d)));
}

/**
 * `events pause|resume`: a paused subscription still gets its deliveries (the dispatcher creates
 * them), but none is attempted until it is resumed; then they go out in order. Their 24 hours of
 * retries count from their first attempt, so a pause never dead-letters anything.
 */
export async function setSubscriptionPaused(
  ctx: OperationContext,
  id: string,
  paused: boolean,
): Promise<SubscriptionView> {
  const doc = await logged(
    ctx,
    { operation: "event-subscription-change", resourceType: "Subscription", resourceId: id },
    async (trail) => {
      const changed = await updateSubscription(ctx, id, (d) => ({ ...d, paused }));
      trail.resourceName = changed.url ?? "poll";
      trail.changedAttributes = ["paused"];
      return changed;
    },
  );
  if (!paused && doc.format !== "poll") await wake(ctx.services, { tenantId: ctx.tenantId, subscriptionId: id });
  return viewOf(ctx, doc);
}

/** `events rotate`: a new signing secret (shown this once); the previous one still signs for 24 hours. */
export async function rotateSubscriptionSecret(ctx: OperationContext, id: string): Promise<SubscriptionCreated> {
  const secret = newSigningSecret();
  const until = new Date(ctx.now.getTime() + PREVIOUS_SECRET_MS).toISOString();
  const doc = await logged(
    ctx,
    { operation: "event-subscription-change", resourceType: "Subscription", resourceId: id },
    async (trail) => {
      const changed = await updateSubscription(ctx, id, (d) => ({
        ...d,
        ...secretFields(d, secret),
        previousSecret: d.secret,
        previousSecretUntil: until,
        ...(d.pollKey ? { previousPollKey: d.pollKey } : {}),
        secretRotated: ctx.now.toISOString(),
      }));
      trail.resourceName = changed.url ?? "poll";
      trail.changedAttributes = ["secret"];
      return changed;
    },
  );
  return { subscription: await viewOf(ctx, doc), secret };
}

/** `events delete`: the subscription ends; its pending deliveries are dropped (the worker removes them). */
export async function deleteSubscription(ctx: OperationContext, id: string): Promise<void> {
  const doc = await requireSubscription(ctx, id);
  await logged(ctx, { operation: "event-unsubscribe", resourceType: "Subscription", resourceId: id }, async (trail) => {
    trail.resourceName = doc.url ?? "poll";
    await ctx.services.events.deleteSubscription(ctx.tenantId, id);
    subscriptionsChanged(ctx.services, ctx.tenantId);
  });
  await wake(ctx.services, { tenantId: ctx.tenantId, subscriptionId: id });
}

/**
 * `events test`: a test event (the Shared Signals verification event as a SET, `type: "test"` as a
 * webhook) for this subscription alone, delivered like any other. A paused subscription is refused:
 * its test would wait for the resume.
 */
export async function sendTestEvent(ctx: OperationContext, id: string): Promise<DeliveryView> {
  const sub = await requireSubscription(ctx, id);
  if (sub.paused) throw new OperationError(409, `Subscription ${id} is paused; resume it to send a test event.`);
  const d = deliveryDoc(sub, testEvent(ctx.tenantId, ctx.now, actorFields(ctx.actor).tokenName), ctx.now.toISOString());
  await ctx.services.events.createDelivery(d);
  if (sub.format !== "poll") await wake(ctx.services, { tenantId: ctx.tenantId, subscriptionId: id });
  return deliveryView(d);
}

/** `events deliveries`, `GET /api/admin/events/deliveries`: newest event first, paged. */
export async function listDeliveries(
  ctx: OperationContext,
  query: { subscriptionId?: string; state?: DeliveryState; page: number; limit: number },
): Promise<DeliveryList> {
  if (query.state !== undefined && !STATES.includes(query.state))
    throw new OperationError(400, `state must be one of ${STATES.join(", ")} (got "${query.state}")`, "state");
  if (!Number.isInteger(query.page) || query.page < 1 || query.page > 100)
    throw new OperationError(400, "page must be a whole number from 1 to 100", "page");
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 200)
    throw new OperationError(400, "limit must be a whole number from 1 to 200", "limit");
  const { total, deliveries } = await ctx.services.events.listDeliveries(ctx.tenantId, query);
  return { total, deliveries: deliveries.map(deliveryView) };
}

/**
 * `events retry`, `POST /api/admin/events/deliveries/{id}/retry`: a dead (or pending) delivery is
 * due now, with 24 new hours of retries. It takes its place in its resource's order again: later
 * pending events of the same resource wait for it.
 */
export async function retryDelivery(ctx: OperationContext, deliveryId: string): Promise<DeliveryView> {
  const d = await logged(
    ctx,
    { operation: "event-retry", resourceType: "Delivery", resourceId: deliveryId },
    async (trail) => {
      const saved = await withRetries({ attempts: 5, what: `retrying delivery ${deliveryId}` }, async () => {
        const current = await ctx.services.events.delivery(ctx.tenantId, deliveryId);
        if (!current)
          throw new OperationError(404, `Delivery ${deliveryId} not found (see: events deliveries).`, "delivery");
        if (current.state === "delivered")
          throw new OperationError(409, `Delivery ${deliveryId} was delivered already; nothing to retry.`);
        const { firstAttemptAt: _first, ...rest } = current;
        const next = await ctx.services.events.replaceDelivery({
          ...rest,
          state: "pending",
          attempts: 0,
          nextAttemptAt: ctx.now.toISOString(),
        });
        if (!next) throw new Retry();
        return next;
      });
      trail.resourceName = `${saved.event.type} ${saved.event.resourceType}/${saved.event.resourceId}`;
      trail.changedAttributes = ["state"];
      return saved;
    },
  );
  if (!d.poll) await wake(ctx.services, { tenantId: ctx.tenantId, subscriptionId: d.subscriptionId });
  return deliveryView(d);
}

// --- waking the worker ---

/** How long this process trusts what it read about a tenant having subscriptions. */
const SUBSCRIBED_CACHE_MS = 30_000;
/**
 * Per process and tenant: whether it had subscriptions when last read, and when that was. Keyed by
 * the event store, not the services object: adapters may hand operations a copy of the services
 * (the HTTP wrappers do, with the request's own `report`), and a subscription made through one must
 * be seen through the other.
 */
const subscribed = new WeakMap<EventStore, Map<string, { value: boolean; at: number }>>();

/**
 * Whether a tenant has any subscription (read at most every 30 s per process; a subscription made
 * or deleted here is seen at once, one made by another instance within 30 s, its first events
 * delivered by the minute sweep meanwhile). A tenant without one needs no wake-up: its events wait for the
 * minute sweep, which clears them, and a request saves the queue message (p50 4.5 ms on the local
 * host, a fifth of a create). A failed read counts as "has": the wake-up is sent.
 */
async function hasSubscriptions(services: Services, tenantId: string): Promise<boolean> {
  let cache = subscribed.get(services.events);
  if (!cache) subscribed.set(services.events, (cache = new Map()));
  const known = cache.get(tenantId);
  const now = Date.now();
  if (known && now - known.at < SUBSCRIBED_CACHE_MS) return known.value;
  const value = await services.events.subscriptions(tenantId).then(
    (list) => list.length > 0,
    () => true,
  );
  cache.set(tenantId, { value, at: now });
  return value;
}

/** Forgets what this process read about a tenant's subscriptions (one was just made or deleted). */
const subscriptionsChanged = (services: Services, tenantId: string) =>
  subscribed.get(services.events)?.delete(tenantId);

/** Per process and tenant: a send in flight, and whether another change came while it was. */
const inFlight = new WeakMap<Services, Map<string, { again: boolean }>>();

/**
 * Wakes the dispatcher after a change wrote events (called by the writing operations once the
 * change landed). Best effort and cheap: it never throws (a lost message is found by the minute
 * sweep), and concurrent changes of one tenant share a message: while one send is in flight, the
 * others ask for exactly one more after it (the dispatcher reads everything pending when it runs).
 */
export async function notifyEvents(services: Services, tenantId: string): Promise<void> {
  if (!services.eventQueue || !(await hasSubscriptions(services, tenantId))) return;
  let sending = inFlight.get(services);
  if (!sending) inFlight.set(services, (sending = new Map()));
  const current = sending.get(tenantId);
  if (current) {
    current.again = true;
    return;
  }
  const state = { again: false };
  sending.set(tenantId, state);
  try {
    do {
      state.again = false;
      await wake(services, { tenantId });
    } while (state.again);
  } finally {
    sending.delete(tenantId);
  }
}

// --- the poll endpoint (RFC 8936) ---

/** A poll request the endpoint refuses because of its credentials (401). */
export class PollUnauthorizedError extends Error {
  override readonly name = "PollUnauthorizedError";
}

/** RFC 8936 §2.4 poll request, as parsed by the HTTP adapter. */
export interface PollRequest {
  ack: string[];
  setErrs: Record<string, { err: string; description?: string }>;
  maxEvents?: number;
  returnImmediately: boolean;
}

/** SETs one poll returns at most (and the default when the poller names no maxEvents). */
export const MAX_POLL_EVENTS = 100;

const sameSecret = (given: string, stored: string | undefined) => {
  if (!stored) return false;
  const a = Buffer.from(sha256(given), "hex");
  const b = Buffer.from(sha256(stored), "hex");
  return timingSafeEqual(a, b);
};

/** The poll subscription a bearer secret belongs to (the previous secret works for 24 hours after a rotation). */
async function pollSubscription(services: Services, secret: string, now: Date): Promise<SubscriptionDoc> {
  const doc = secret ? await services.events.subscriptionByPollKey(sha256(secret)) : undefined;
  const previousValid = doc?.previousSecretUntil !== undefined && doc.previousSecretUntil > now.toISOString();
  if (
    !doc ||
    doc.format !== "poll" ||
    !(sameSecret(secret, doc.secret) || (previousValid && sameSecret(secret, doc.previousSecret)))
  )
    throw new PollUnauthorizedError("The bearer token is not the secret of a poll subscription.");
  return doc;
}

/**
 * One poll (RFC 8936 §2.4): acknowledges `ack` (those deliveries are delivered, with their latency),
 * records `setErrs` (those are dead, with the error the poller gave), then returns up to `maxEvents`
 * pending SETs, oldest first, and whether more wait. A SET not acknowledged is returned again by the
 * next poll (at least once). Answers at once even when `returnImmediately` is false (no long polling).
 */
export async function pollEvents(
  services: Services,
  secret: string,
  poll: PollRequest,
): Promise<{ sets: Record<string, string>; moreAvailable: boolean }> {
  const now = services.now();
  const sub = await pollSubscription(services, secret, now);
  const store = services.events;
  const settle = async (jti: string, change: (d: DeliveryDoc) => DeliveryDoc) => {
    const d = await store.delivery(sub.tenantId, deliveryId(sub.id, jti));
    if (d && d.state === "pending") await store.replaceDelivery(change(d));
  };
  for (const jti of poll.ack)
    await settle(jti, (d) => ({
      ...d,
      state: "delivered",
      attempts: d.attempts + 1,
      deliveredAt: now.toISOString(),
      latencyMs: Math.max(0, now.getTime() - Date.parse(d.event.time)),
    }));
  for (const [jti, error] of Object.entries(poll.setErrs))
    await settle(jti, (d) => ({
      ...d,
      state: "dead",
      attempts: d.attempts + 1,
      lastError: `The poller refused it: ${error.err}${error.description ? `: ${error.description}` : ""}`.slice(
        0,
        300,
      ),
    }));
  const max = Math.min(poll.maxEvents ?? MAX_POLL_EVENTS, MAX_POLL_EVENTS);
  if (max === 0) return { sets: {}, moreAvailable: false };
  const pending = await store.pendingDeliveries(sub.tenantId, sub.id, max + 1);
  const sets: Record<string, string> = {};
  for (const d of pending.slice(0, max)) sets[d.eventId] = await signedSet(services, sub, d);
  return { sets, moreAvailable: pending.length > max };
}

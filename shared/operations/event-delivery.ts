import { randomUUID } from "node:crypto";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { EVENTS_DELIVERY_TIMEOUT_MS } from "../config.js";
import {
  SET_MEDIA_TYPE,
  buildSet,
  buildWebhook,
  describeRefusal,
  nextAttempt,
  signSet,
  signWebhook,
} from "../product/event-formats.js";
import { UnsafeUrlError, resolvePublicUrl } from "../product/url-safety.js";
import type { EventDoc } from "../store/event-feed.js";
import {
  deliveredEvent,
  deliveryDoc,
  type DeliveryDoc,
  type EventStore,
  type SubscriptionDoc,
} from "../store/events.js";
import { ThrottledError, UnavailableError } from "../store/errors.js";
import { Retry, withRetries } from "../store/retry.js";
import type { Services } from "./context.js";

/**
 * The event worker: the dispatcher turns a tenant's pending events into deliveries (one per
 * subscription, in the same transactional batch that clears the event's `pending` flag), and the
 * deliverer pushes a subscription's due deliveries to its URL. Both run from messages of the
 * `scim-events` queue (functions/events-dispatch.ts) and from the minute sweep
 * (functions/events-sweep.ts), which catches lost messages and due retries. At least once: a
 * delivery is marked delivered only after the subscriber's 2xx, so a crash or a store failure in
 * between sends it again, with the same id (`jti`, `webhook-id`) for the receiver to drop.
 *
 * Order per resource: one worker at a time per subscription (a lease document), and of each
 * resource only the oldest pending delivery is attempted; a later one waits until it is delivered
 * or dead. Isolation: one message is one tenant's dispatch or one subscription's deliveries, each
 * attempt ends after 10 s (no redirects followed), a run stops taking new attempts after its time
 * budget or after a subscriber failed to answer, and such a subscriber is left alone for a while
 * (its lease is kept) so it cannot hold a worker slot that other tenants need.
 */

/** A message of the events queue: dispatch a tenant's pending events, or deliver one subscription's deliveries. */
export interface EventMessage {
  tenantId: string;
  subscriptionId?: string;
}

/** Events one dispatch round reads; a dispatch message runs at most DISPATCH_ROUNDS of them, then sends itself again. */
const DISPATCH_PAGE = 100;
const DISPATCH_ROUNDS = 10;
/** Cosmos DB takes at most 100 operations and 2 MB in one transactional batch; a margin under the size. */
const BATCH_OPS = 100;
const BATCH_BYTES = 1_500_000;
/** Pending deliveries one delivery round reads (in event order). */
const DELIVERY_PAGE = 200;
/** Resources of one subscription attempted at once. */
const CONCURRENCY = 8;
/**
 * A run starts no new attempt after this long (each attempt ends within the timeout, so a run ends
 * within both), then sends itself to the back of the queue: subscribers that answer slowly take turns
 * with everyone else (4 tenants whose subscribers answer in 2.5 s delayed another tenant 22.5 s with
 * 20 s runs, 7.3 s with 5 s runs).
 */
const RUN_BUDGET_MS = 5_000;
/** The lease outlives a run (budget + one attempt + store calls); a crashed worker's lease runs out by itself. */
const LEASE_MS = 90_000;
/** An answer slower than this counts as "not answering" (the lease is kept): slow subscribers never hold the worker. */
const SLOW_ANSWER_MS = 3_000;
/** A subscriber that did not answer is left alone this long (its lease is kept), then the sweep tries again. */
const HOLD_AFTER_TIMEOUT_MS = 30_000;
/** What is read of a subscriber's answer (for lastError); the rest is discarded. */
const MAX_ANSWER_BYTES = 8 * 1024;

/**
 * Sends a message to the events queue (none configured: the sweep does the work). Best effort: the
 * work it announces is in the store, where the minute sweep finds it if the message is lost; a
 * retry of the message that sent it would not send it again (its work is done).
 */
export async function wake(services: Services, message: EventMessage): Promise<void> {
  try {
    await services.eventQueue?.send(message);
  } catch (error) {
    services.report(`Could not wake the event worker for tenant ${message.tenantId}; the sweep will`, error);
  }
}

// --- dispatch ---

/** The batches of one round: events in order, each with its deliveries, within the batch limits. */
function batchesOf(events: EventDoc[], subscriptions: SubscriptionDoc[], now: string) {
  const batches: { event: EventDoc; deliveries: DeliveryDoc[] }[][] = [];
  let current: { event: EventDoc; deliveries: DeliveryDoc[] }[] = [];
  let ops = 0;
  let bytes = 0;
  for (const event of events) {
    const payload = deliveredEvent(event);
    // A subscription gets the changes made since it was created, not a backlog from before it.
    const deliveries = subscriptions.filter((s) => s.created <= event.time).map((s) => deliveryDoc(s, payload, now));
    const size = JSON.stringify(event).length * (1 + deliveries.length);
    if (current.length && (ops + 1 + deliveries.length > BATCH_OPS || bytes + size > BATCH_BYTES)) {
      batches.push(current);
      current = [];
      ops = 0;
      bytes = 0;
    }
    current.push({ event, deliveries });
    ops += 1 + deliveries.length;
    bytes += size;
  }
  if (current.length) batches.push(current);
  return batches;
}

/**
 * One event the slow way: each delivery created on its own (one already there is fine), then the
 * flag cleared. For a batch another dispatcher raced, and for an event too large to batch.
 */
async function dispatchOne(store: EventStore, item: { event: EventDoc; deliveries: DeliveryDoc[] }) {
  for (const d of item.deliveries) await store.createDelivery(d);
  await store.clearPending(item.event.tenantId, item.event.id);
}

/**
 * Turns a tenant's pending events into deliveries, oldest first, and clears their flag; then wakes
 * the deliverer of every push subscription that got some. Events of a tenant without subscriptions
 * are only cleared. Stops at the first failure (the next run starts from the oldest pending event,
 * so no delivery ever exists for an event while an older pending one of the tenant has none).
 */
export async function dispatchTenant(services: Services, tenantId: string): Promise<{ events: number }> {
  // One dispatcher per tenant in this process: two would race for the same events (one redoing the
  // other's batch after a 412). A message that finds one running asks it for one more pass and ends
  // at once, so a burst of a tenant's messages never holds the worker's other slots.
  let running = dispatching.get(services);
  if (!running) dispatching.set(services, (running = new Map()));
  const current = running.get(tenantId);
  if (current) {
    current.again = true;
    return { events: 0 };
  }
  const state = { again: false };
  running.set(tenantId, state);
  try {
    let events = 0;
    do {
      state.again = false;
      events += (await dispatchPending(services, tenantId)).events;
    } while (state.again);
    return { events };
  } finally {
    running.delete(tenantId);
  }
}

/** Per process and tenant: a dispatch running, and whether another message asked for one more pass. */
const dispatching = new WeakMap<Services, Map<string, { again: boolean }>>();

async function dispatchPending(services: Services, tenantId: string): Promise<{ events: number }> {
  const store = services.events;
  const subscriptions = await store.subscriptions(tenantId);
  let dispatched = 0;
  for (let round = 0; ; round++) {
    if (round === DISPATCH_ROUNDS) {
      await wake(services, { tenantId });
      break;
    }
    const events = await store.pendingEvents(tenantId, DISPATCH_PAGE);
    if (events.length === 0) break;
    const now = services.now().toISOString();
    for (const batch of batchesOf(events, subscriptions, now)) {
      const outcome =
        batch.length === 1 && JSON.stringify(batch[0]).length > BATCH_BYTES
          ? (await dispatchOne(store, batch[0]!), "written")
          : await store.dispatch(tenantId, batch);
      // Another dispatcher raced this batch: finish its first event one by one, then read again.
      if (outcome === "conflict") {
        await dispatchOne(store, batch[0]!);
        dispatched++;
        break;
      }
      dispatched += batch.length;
    }
  }
  if (dispatched > 0)
    for (const s of subscriptions)
      if (s.format !== "poll" && !s.paused) await wake(services, { tenantId, subscriptionId: s.id });
  return { events: dispatched };
}

// --- delivery ---

/**
 * Connections kept open between deliveries to the same subscriber. Pooled by the address connected
 * to (and the TLS server name), so a name that now resolves elsewhere gets a new connection to the
 * address just checked; an idle socket is closed after a few seconds.
 */
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 32, timeout: 5_000 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 32, timeout: 5_000 });

/** Runs a store call again (up to 5 times) while the store is unavailable or throttling. */
function retried<T>(run: () => Promise<T>): Promise<T> {
  return withRetries({ attempts: 5, what: "giving back a delivery lease" }, async () => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof UnavailableError || error instanceof ThrottledError) throw new Retry(20, error);
      throw error;
    }
  });
}

/** One attempt's outcome: delivered (2xx), or failed with what to show; `unreachable`: no answer at all. */
type Attempt = { ok: true; status: number } | { ok: false; status?: number; error: string; unreachable: boolean };

/**
 * POSTs `body` to `url`, connected to `address` (the one resolvePublicUrl checked: pinned against
 * DNS rebinding; TLS still verifies the certificate for the URL's host name, sent as SNI, and the
 * Host header is the URL's). Redirects are not followed (a 3xx is a failed attempt). The whole
 * exchange, connect to last byte read, ends after `timeoutMs`.
 */
function post(
  url: URL,
  address: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<Attempt> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const https = url.protocol === "https:";
  return new Promise((resolve) => {
    let settled = false;
    const done = (attempt: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(attempt);
    };
    const req = (https ? httpsRequest : httpRequest)({
      host: address,
      port: url.port || (https ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: "POST",
      headers: { ...headers, Host: url.host, "Content-Length": String(Buffer.byteLength(body)) },
      ...(https && !isIP(host) ? { servername: host } : {}),
      agent: https ? httpsAgent : httpAgent,
    });
    const timer = setTimeout(() => {
      done({ ok: false, error: `No answer within ${timeoutMs / 1000} s (timed out).`, unreachable: true });
      req.destroy();
    }, timeoutMs);
    req.on("error", (error: NodeJS.ErrnoException) =>
      done({ ok: false, error: `Could not deliver: ${error.code ?? error.message}.`, unreachable: true }),
    );
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (status >= 200 && status < 300) done({ ok: true, status });
        else if (status >= 300 && status < 400)
          done({ ok: false, status, error: `HTTP ${status}: redirects are not followed.`, unreachable: false });
        else done({ ok: false, status, error: describeRefusal(status, text), unreachable: false });
        res.destroy();
      };
      res.on("data", (chunk: Buffer) => {
        if (size < MAX_ANSWER_BYTES) chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_ANSWER_BYTES) finish();
      });
      res.on("end", finish);
      res.on("error", finish);
    });
    req.end(body);
  });
}

/** The SET issuer: the service's Tenant URL (PUBLIC_BASE_URL), else the one the subscription was created at. */
function issuerOf(services: Services, subscription: SubscriptionDoc): string {
  const base = services.config.publicBaseUrl;
  return base ? `${base}/scim/v2` : (subscription.baseUrl ?? "urn:scim-functions");
}

/** The signed SET of a delivery (push and poll alike; retries send the same claims). */
export async function signedSet(services: Services, subscription: SubscriptionDoc, d: DeliveryDoc): Promise<string> {
  const issuer = issuerOf(services, subscription);
  const claims = buildSet(d.event, {
    issuer,
    audience: subscription.url ?? subscription.id,
    content: subscription.content,
    baseUrl: issuer.startsWith("http") ? issuer : "",
  });
  return signSet(claims, subscription.secret);
}

/** The secrets that sign now: the current one, and the previous one for 24 hours after a rotation. */
function signingSecrets(subscription: SubscriptionDoc, now: Date): string[] {
  return subscription.previousSecret &&
    subscription.previousSecretUntil &&
    subscription.previousSecretUntil > now.toISOString()
    ? [subscription.secret, subscription.previousSecret]
    : [subscription.secret];
}

/** One attempt of one delivery: URL checked against DNS now, the body in the subscription's format, POSTed. */
async function attempt(services: Services, subscription: SubscriptionDoc, d: DeliveryDoc): Promise<Attempt> {
  const events = services.config.events;
  const allowLocal = events?.allowLocalUrls ?? false;
  let url: URL;
  let address: string;
  try {
    url = new URL(subscription.url!);
    address = (await resolvePublicUrl(url, { allowLocal })).address;
  } catch (error) {
    const refused = error instanceof UnsafeUrlError;
    return { ok: false, error: `${refused ? "Refused: " : ""}${(error as Error).message}`, unreachable: !refused };
  }
  const now = services.now();
  let headers: Record<string, string>;
  let body: string;
  if (subscription.format === "set") {
    body = await signedSet(services, subscription, d);
    headers = { "Content-Type": SET_MEDIA_TYPE, Accept: "application/json" };
  } else {
    const message = buildWebhook(d.event, subscription.content);
    body = message.body;
    headers = {
      "Content-Type": "application/json",
      ...signWebhook({ id: message.id, timestamp: now, body }, signingSecrets(subscription, now)),
    };
  }
  headers["User-Agent"] = "scim-functions-events/1";
  return post(url, address, headers, body, events?.timeoutMs ?? EVENTS_DELIVERY_TIMEOUT_MS);
}

/** The delivery after an attempt: delivered, due again after the back-off, or dead 24 hours after its first attempt. */
function afterAttempt(d: DeliveryDoc, result: Attempt, now: Date): DeliveryDoc {
  const attempts = d.attempts + 1;
  const firstAttemptAt = d.firstAttemptAt ?? now.toISOString();
  const base = { ...d, attempts, firstAttemptAt, lastStatus: result.status };
  if (result.ok)
    return {
      ...base,
      state: "delivered",
      deliveredAt: now.toISOString(),
      latencyMs: Math.max(0, now.getTime() - Date.parse(d.event.time)),
    };
  // The subscriber refused this event for good (a 4xx other than 408, 425, 429): retrying the same
  // bytes cannot help, and its resource's later events must not wait 24 hours behind it.
  if (
    result.status !== undefined &&
    result.status >= 400 &&
    result.status < 500 &&
    ![408, 425, 429].includes(result.status)
  )
    return { ...base, state: "dead", lastError: `Refused for good: ${result.error}` };
  const next = nextAttempt(attempts, new Date(firstAttemptAt), now);
  return next === "dead"
    ? { ...base, state: "dead", lastError: result.error }
    : { ...base, nextAttemptAt: next.toISOString(), lastError: result.error };
}

/** How a run of a subscription's deliveries ended. */
type RunOutcome = "idle" | "busy" | "skipped" | "more" | "held";

/**
 * Delivers a subscription's due deliveries: under its lease, in event order, each resource's oldest
 * first, CONCURRENCY resources at a time, until nothing is due, the budget is spent (another message
 * continues) or the subscriber stopped answering (its lease is kept for HOLD_AFTER_TIMEOUT_MS).
 */
export async function deliverSubscription(
  services: Services,
  tenantId: string,
  subscriptionId: string,
): Promise<RunOutcome> {
  const store = services.events;
  const subscription = await store.subscription(tenantId, subscriptionId);
  if (!subscription) {
    // Deleted: its pending deliveries go with it, a page per message (delivered and dead ones expire).
    const page = await store.pendingDeliveries(tenantId, subscriptionId, DELIVERY_PAGE);
    for (const d of page) await store.deleteDelivery(tenantId, d.id);
    if (page.length === DELIVERY_PAGE) await wake(services, { tenantId, subscriptionId });
    return "skipped";
  }
  if (subscription.paused || subscription.format === "poll" || !subscription.url) return "skipped";
  const started = performance.now();
  for (;;) {
    const outcome = await leasedRun(services, subscription);
    if (outcome === "more") await wake(services, { tenantId, subscriptionId });
    if (outcome !== "idle") return outcome;
    // A message that came while the lease was held found it busy and left: what it announced is
    // read here, after the lease is given back, and delivered by another pass (or another message).
    if (!(await hasDue(services, subscription))) return "idle";
    if (performance.now() - started > RUN_BUDGET_MS) {
      await wake(services, { tenantId, subscriptionId });
      return "more";
    }
  }
}

/** One run under the subscription's lease ("busy" when another worker holds it); the lease is given back (or kept: "held"). */
async function leasedRun(services: Services, subscription: SubscriptionDoc): Promise<RunOutcome> {
  const store = services.events;
  const { tenantId, id } = subscription;
  const owner = randomUUID();
  const until = (ms: number) => new Date(services.now().getTime() + ms).toISOString();
  if (!(await store.takeLease(tenantId, id, owner, services.now().toISOString(), until(LEASE_MS)))) return "busy";
  let outcome: RunOutcome = "idle";
  try {
    outcome = await deliverUnderLease(services, subscription);
  } finally {
    // A lease not given back runs out after LEASE_MS; a few tries keep a store blip from costing that.
    await retried(() =>
      outcome === "held"
        ? store.holdLease(tenantId, id, owner, until(HOLD_AFTER_TIMEOUT_MS))
        : store.releaseLease(tenantId, id, owner),
    ).catch((error) => services.report(`Could not give back the delivery lease of subscription ${id}`, error));
  }
  return outcome;
}

/** Pages of pending deliveries read to find due lanes past resources that are waiting (see dueLanes). */
const LANE_PAGES = 10;

/**
 * The lanes that can go now: per resource its pending deliveries in order, when the oldest is due.
 * A page full of one waiting resource (its head backing off, many events behind it) must not hide
 * the others: a page without a due lane is read again leaving out the resources it showed, up to
 * LANE_PAGES pages (2,000 resources waiting at once).
 */
async function dueLanes(services: Services, subscription: SubscriptionDoc): Promise<DeliveryDoc[][]> {
  const now = services.now().toISOString();
  const waiting: string[] = [];
  for (let page = 0; page < LANE_PAGES; page++) {
    const pending = await services.events.pendingDeliveries(
      subscription.tenantId,
      subscription.id,
      DELIVERY_PAGE,
      waiting,
    );
    const lanes = new Map<string, DeliveryDoc[]>();
    for (const d of pending) {
      const lane = lanes.get(d.resourceKey);
      if (lane) lane.push(d);
      else lanes.set(d.resourceKey, [d]);
    }
    const due = [...lanes.values()].filter((lane) => lane[0]!.nextAttemptAt <= now);
    if (due.length > 0 || pending.length < DELIVERY_PAGE) return due;
    waiting.push(...lanes.keys());
  }
  return [];
}

async function hasDue(services: Services, subscription: SubscriptionDoc): Promise<boolean> {
  return (await dueLanes(services, subscription)).length > 0;
}

async function deliverUnderLease(services: Services, subscription: SubscriptionDoc): Promise<RunOutcome> {
  const store = services.events;
  const started = performance.now();
  let unreachable = false;
  for (;;) {
    const lanes = await dueLanes(services, subscription);
    if (lanes.length === 0) return "idle";
    let progressed = false;
    /** One resource: its deliveries in order while they succeed; a failure (or a store error) ends the lane. */
    const runLane = async (lane: DeliveryDoc[]) => {
      for (const d of lane) {
        if (unreachable || performance.now() - started > RUN_BUDGET_MS) return;
        if (d.nextAttemptAt > services.now().toISOString()) return;
        const began = performance.now();
        const result = await attempt(services, subscription, d);
        // A subscriber that did not answer, or took more than SLOW_ANSWER_MS to, is left alone for a
        // while: it may hold a worker slot only briefly, whatever it does to its answers.
        if ((!result.ok && result.unreachable) || performance.now() - began > SLOW_ANSWER_MS) unreachable = true;
        const saved = await store.replaceDelivery(afterAttempt(d, result, services.now()));
        if (!saved || saved.state === "pending") return;
        progressed = true;
      }
    };
    const queue = [...lanes];
    // allSettled: no attempt may still run once the lease is given back, a failed store call included.
    const settled = await Promise.allSettled(
      Array.from({ length: Math.min(CONCURRENCY, queue.length) }, async () => {
        for (let lane = queue.shift(); lane; lane = queue.shift()) await runLane(lane);
      }),
    );
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    if (unreachable) return "held";
    if (performance.now() - started > RUN_BUDGET_MS) return "more";
    // Every due head failed (now backing off) or was changed by someone else: nothing more this run.
    if (!progressed) return "idle";
  }
}

// --- the queue message and the sweep ---

/** One message of the events queue. A message that is no event message is dropped (retrying it cannot help). */
export async function runEventMessage(services: Services, message: unknown): Promise<string> {
  const m = message as Partial<EventMessage> | null;
  if (!m || typeof m.tenantId !== "string" || (m.subscriptionId !== undefined && typeof m.subscriptionId !== "string"))
    return "dropped (not an event message)";
  if (m.subscriptionId) return deliverSubscription(services, m.tenantId, m.subscriptionId);
  const { events } = await dispatchTenant(services, m.tenantId);
  return `dispatched ${events} event(s)`;
}

/** Pending events one sweep reads to find the tenants that have some. */
const SWEEP_EVENTS = 2000;

/**
 * The minute sweep: dispatches every tenant with pending events and sends a delivery message for
 * every active push subscription with a due delivery (lost messages, back-offs that ran out, held
 * subscribers). A store failure fails the sweep (the next one tries again); it is never read as
 * "nothing pending".
 */
export async function sweepEvents(services: Services): Promise<{ tenants: number; subscriptions: number }> {
  const store = services.events;
  const tenants = await store.tenantsWithPendingEvents(SWEEP_EVENTS);
  const now = services.now().toISOString();
  const due: { tenantId: string; id: string }[] = [];
  for (const s of await store.activePushSubscriptions())
    if (await store.hasDueDelivery(s.tenantId, s.id, now)) due.push(s);
  if (services.eventQueue) {
    for (const tenantId of tenants) await wake(services, { tenantId });
    for (const s of due) await wake(services, { tenantId: s.tenantId, subscriptionId: s.id });
  } else {
    // No queue configured: the sweep does the work itself.
    for (const tenantId of tenants) await dispatchTenant(services, tenantId);
    for (const s of due) await deliverSubscription(services, s.tenantId, s.id);
  }
  return { tenants: tenants.length, subscriptions: due.length };
}

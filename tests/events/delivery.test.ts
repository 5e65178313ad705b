import { afterEach, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { verifySet, verifyWebhook } from "../../shared/product/event-formats.js";
import { dispatchTenant, deliverSubscription, sweepEvents } from "../../shared/operations/event-delivery.js";
import {
  createSubscription,
  listDeliveries,
  listSubscriptions,
  notifyEvents,
  retryDelivery,
  rotateSubscriptionSecret,
  sendTestEvent,
  setSubscriptionPaused,
} from "../../shared/operations/events.js";
import { OperationError } from "../../shared/operations/errors.js";
import { movableClock, startEventsHost, startReceiver, webhookOf, writeEvents, type Receiver } from "./helpers.js";

let host: RunningHost | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await host?.close();
  host = undefined;
  for (const r of receivers.splice(0)) await r.close();
});

async function receiver(...args: Parameters<typeof startReceiver>) {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

describe("event dispatch", () => {
  it("creates one delivery per subscription (paused ones included), clears pending, and makes nothing twice on a rerun", async () => {
    const started = await startEventsHost();
    host = started.host;
    const { ctx, tenantId, container } = started;
    const a = await createSubscription(ctx(), { format: "poll" });
    const b = await createSubscription(ctx(), { format: "poll" });
    await setSubscriptionPaused(ctx(), b.subscription.id, true);
    await host.jobs.pause();
    const events = await writeEvents(host, container, tenantId, [{ resourceId: "u1" }, { resourceId: "u2" }]);

    expect(await dispatchTenant(host.services, tenantId)).toEqual({ events: 2 });
    expect(await dispatchTenant(host.services, tenantId)).toEqual({ events: 0 });
    expect(await host.services.events.pendingEvents(tenantId, 10)).toEqual([]);
    const all = await listDeliveries(ctx(), { page: 1, limit: 50 });
    expect(all.total).toBe(4);
    expect(all.deliveries.map((d) => `${d.subscriptionId}:${d.eventId}`).sort()).toEqual(
      [a, b].flatMap((s) => events.map((e) => `${s.subscription.id}:${e.id}`)).sort(),
    );
    expect(all.deliveries.every((d) => d.state === "pending" && d.attempts === 0)).toBe(true);
    // A second dispatcher that raced the first (its events read before they were cleared) makes nothing twice.
    for (const e of events) await container.items.upsert({ ...e, pending: true });
    expect(await dispatchTenant(host.services, tenantId)).toEqual({ events: 2 });
    expect((await listDeliveries(ctx(), { page: 1, limit: 50 })).total).toBe(4);
    host.jobs.resume();
  });

  it("refuses bad subscriptions with the field at fault", async () => {
    const started = await startEventsHost();
    host = started.host;
    const { ctx } = started;
    const refusal = (input: Parameters<typeof createSubscription>[1]) =>
      createSubscription(ctx(), input).then(
        () => undefined,
        (e: OperationError) => ({ status: e.status, field: e.field }),
      );
    expect(await refusal({ format: "webhook" })).toEqual({ status: 400, field: "url" });
    expect(await refusal({ format: "webhook", url: "http://example.com/hook" })).toEqual({ status: 400, field: "url" });
    expect(await refusal({ format: "set", url: "https://169.254.169.254/latest" })).toEqual({
      status: 400,
      field: "url",
    });
    expect(await refusal({ format: "poll", url: "https://example.com/x" })).toEqual({ status: 400, field: "url" });
    expect(await refusal({ format: "carrier-pigeon" as never })).toEqual({ status: 400, field: "format" });
  });
});

describe("event delivery to a local receiver", () => {
  it("pushes signed webhooks and SETs through the queue; both signatures verify", async () => {
    const started = await startEventsHost();
    host = started.host;
    const { ctx, tenantId, container } = started;
    const hooks = await receiver();
    const sets = await receiver();
    const webhook = await createSubscription(ctx(), { format: "webhook", url: hooks.url });
    const set = await createSubscription(ctx(), { format: "set", url: sets.url, content: "notice" });
    expect(webhook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const [event] = await writeEvents(host, container, tenantId, [{ resourceId: "u1", type: "user.created" }]);
    await notifyEvents(host.services, tenantId);
    await Promise.all([hooks.waitFor(1), sets.waitFor(1)]);
    await host.jobs.idle();

    const hook = hooks.received[0]!;
    const body = verifyWebhook(hook.headers as Record<string, string>, hook.body, webhook.secret);
    expect(hook.headers["webhook-id"]).toBe(event!.id);
    expect(body).toMatchObject({ type: "user.created", data: { resourceId: "u1", resource: { id: "u1" } } });
    expect(() => verifyWebhook(hook.headers as Record<string, string>, hook.body, set.secret)).toThrow();

    const pushed = sets.received[0]!;
    expect(pushed.headers["content-type"]).toBe("application/secevent+jwt");
    const claims = await verifySet(pushed.body, set.secret, { issuer: host.tenantUrl, audience: sets.url });
    expect(claims).toMatchObject({ jti: event!.id, sub_id: { format: "scim", uri: "/Users/u1" } });
    expect(Object.keys(claims.events)).toEqual(["urn:ietf:params:scim:event:prov:create:notice"]);
    await expect(verifySet(pushed.body, webhook.secret, { issuer: host.tenantUrl })).rejects.toThrow();

    const views = await listSubscriptions(ctx());
    expect(views.map((v) => v.stats)).toEqual([
      expect.objectContaining({ pending: 0, delivered: 1, dead: 0 }),
      expect.objectContaining({ pending: 0, delivered: 1, dead: 0 }),
    ]);
    expect(JSON.stringify(views)).not.toContain(webhook.secret);
    const [delivered] = (await listDeliveries(ctx(), { subscriptionId: webhook.subscription.id, page: 1, limit: 5 }))
      .deliveries;
    expect(delivered).toMatchObject({ state: "delivered", attempts: 1, lastStatus: 200 });
    expect(delivered!.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("signs with both secrets for 24 hours after a rotation, and sends a test event", async () => {
    const clock = movableClock();
    const started = await startEventsHost({ now: clock.now });
    host = started.host;
    const { ctx } = started;
    const hooks = await receiver();
    const created = await createSubscription(ctx(), { format: "webhook", url: hooks.url });
    const rotated = await rotateSubscriptionSecret(ctx(), created.subscription.id);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.subscription.secretRotated).toBeDefined();
    const test = await sendTestEvent(ctx(), created.subscription.id);
    expect(test).toMatchObject({ eventType: "test", resourceType: "Test", state: "pending" });
    await hooks.waitFor(1);
    const first = hooks.received[0]!;
    const now = clock.now();
    for (const secret of [created.secret, rotated.secret])
      expect(verifyWebhook(first.headers as Record<string, string>, first.body, secret, { now }).type).toBe("test");

    clock.advance(25 * 3600_000);
    await sendTestEvent(ctx(), created.subscription.id);
    await hooks.waitFor(2);
    const second = hooks.received[1]!;
    const later = clock.now();
    expect(
      verifyWebhook(second.headers as Record<string, string>, second.body, rotated.secret, { now: later }).type,
    ).toBe("test");
    expect(() =>
      verifyWebhook(second.headers as Record<string, string>, second.body, created.secret, { now: later }),
    ).toThrow();
  });
});

describe("order, retries and dead letters", () => {
  it("holds later events of a resource behind a failing one, and only of that resource", async () => {
    const clock = movableClock();
    const started = await startEventsHost({ now: clock.now });
    host = started.host;
    const { ctx, tenantId, container } = started;
    let failing = true;
    const hooks = await receiver((r) => (failing && webhookOf(r).data.resourceId === "a" ? 503 : 200));
    const sub = await createSubscription(ctx(), { format: "webhook", url: hooks.url });
    await host.jobs.pause();
    const events = await writeEvents(host, container, tenantId, [
      { resourceId: "a" },
      { resourceId: "b" },
      { resourceId: "a" },
      { resourceId: "b" },
    ]);
    await dispatchTenant(host.services, tenantId);
    expect(await deliverSubscription(host.services, tenantId, sub.subscription.id)).toBe("idle");
    const ids = () => hooks.received.map((r) => r.headers["webhook-id"]);
    // a's first event failed; a's second was not attempted; b's both went out in order.
    expect(ids()).toEqual(expect.arrayContaining([events[0]!.id, events[1]!.id, events[3]!.id]));
    expect(ids()).not.toContain(events[2]!.id);
    expect(ids().indexOf(events[1]!.id)).toBeLessThan(ids().indexOf(events[3]!.id));
    const failed = (await listDeliveries(ctx(), { state: "pending", page: 1, limit: 10 })).deliveries;
    expect(failed.map((d) => d.eventId).sort()).toEqual([events[0]!.id, events[2]!.id].sort());
    const head = failed.find((d) => d.eventId === events[0]!.id)!;
    expect(head).toMatchObject({ attempts: 1, lastStatus: 503 });
    expect(head.lastError).toContain("503");
    // Backing off: not due yet, nothing is attempted.
    const before = hooks.received.length;
    expect(await deliverSubscription(host.services, tenantId, sub.subscription.id)).toBe("idle");
    expect(hooks.received.length).toBe(before);

    failing = false;
    clock.advance(15_000);
    await deliverSubscription(host.services, tenantId, sub.subscription.id);
    const aIds = hooks.received.filter((r) => webhookOf(r).data.resourceId === "a").map((r) => r.headers["webhook-id"]);
    expect(aIds).toEqual([events[0]!.id, events[0]!.id, events[2]!.id]);
    expect((await listDeliveries(ctx(), { state: "delivered", page: 1, limit: 10 })).total).toBe(4);
    host.jobs.resume();
  });

  it("backs off, dead-letters after 24 hours, lets the next event of the resource go, and retries a dead one on request", async () => {
    const clock = movableClock();
    const started = await startEventsHost({ now: clock.now });
    host = started.host;
    const { ctx, tenantId, container } = started;
    let status = 500;
    const hooks = await receiver(() => status);
    const sub = await createSubscription(ctx(), { format: "webhook", url: hooks.url });
    await host.jobs.pause();
    const [first, second] = await writeEvents(host, container, tenantId, [{ resourceId: "a" }, { resourceId: "a" }]);
    await dispatchTenant(host.services, tenantId);
    const t0 = clock.now().getTime();
    const deliver = () => deliverSubscription(host!.services, tenantId, sub.subscription.id);
    const headOf = async () =>
      (await host!.services.events.delivery(tenantId, `dl.${sub.subscription.id}.${first!.id}`))!;

    await deliver();
    let head = await headOf();
    expect(head.attempts).toBe(1);
    const wait = Date.parse(head.nextAttemptAt) - t0;
    expect(wait).toBeGreaterThanOrEqual(8_000);
    expect(wait).toBeLessThanOrEqual(12_500);
    // Each retry waits longer.
    let previousWait = wait;
    for (let n = 2; n <= 4; n++) {
      clock.advance(Date.parse(head.nextAttemptAt) - clock.now().getTime());
      await deliver();
      head = await headOf();
      expect(head.attempts).toBe(n);
      const nextWait = Date.parse(head.nextAttemptAt) - clock.now().getTime();
      expect(nextWait).toBeGreaterThan(previousWait);
      previousWait = nextWait;
    }
    expect(hooks.received.map((r) => r.headers["webhook-id"])).toEqual(Array(4).fill(first!.id));

    // 24 hours after its first attempt the delivery is dead, and the resource's next event goes out.
    clock.advance(Date.parse(head.firstAttemptAt!) + 24 * 3600_000 - clock.now().getTime());
    await sweepEvents(host.services);
    await deliver();
    head = await headOf();
    expect(head.state).toBe("dead");
    expect(hooks.received.at(-1)!.headers["webhook-id"]).toBe(second!.id);
    const dead = await listDeliveries(ctx(), { state: "dead", page: 1, limit: 10 });
    expect(dead.deliveries).toEqual([expect.objectContaining({ eventId: first!.id, lastStatus: 500 })]);
    expect((await listSubscriptions(ctx()))[0]!.stats).toMatchObject({
      pending: 1,
      dead: 1,
      lastError: expect.stringContaining("HTTP 500"),
    });

    status = 200;
    const retried = await retryDelivery(ctx(), dead.deliveries[0]!.id);
    expect(retried).toMatchObject({ state: "pending", attempts: 0 });
    await deliver();
    expect(await headOf()).toMatchObject({ state: "delivered", attempts: 1 });
    await expect(retryDelivery(ctx(), dead.deliveries[0]!.id)).rejects.toMatchObject({ status: 409 });
    await expect(retryDelivery(ctx(), "dl.nope.nope")).rejects.toMatchObject({ status: 404 });
    host.jobs.resume();
  });

  it("holds a paused subscription's deliveries and sends them in order on resume", async () => {
    const started = await startEventsHost();
    host = started.host;
    const { ctx, tenantId, container } = started;
    const hooks = await receiver();
    const sub = await createSubscription(ctx(), { format: "webhook", url: hooks.url });
    await setSubscriptionPaused(ctx(), sub.subscription.id, true);
    const events = await writeEvents(host, container, tenantId, [{ resourceId: "a" }, { resourceId: "a" }]);
    await notifyEvents(host.services, tenantId);
    await host.jobs.idle();
    expect(hooks.received).toEqual([]);
    await expect(sendTestEvent(ctx(), sub.subscription.id)).rejects.toMatchObject({ status: 409 });
    await setSubscriptionPaused(ctx(), sub.subscription.id, false);
    await hooks.waitFor(2);
    expect(hooks.received.map((r) => r.headers["webhook-id"])).toEqual(events.map((e) => e.id));
  });

  it("follows no redirect, and checks the URL again at delivery time (a refusal is a failed attempt with the reason)", async () => {
    const started = await startEventsHost();
    host = started.host;
    const { ctx, tenantId, container } = started;
    const elsewhere = await receiver();
    const redirecting = await receiver();
    redirecting.answer = () => 302;
    const sub = await createSubscription(ctx(), { format: "webhook", url: redirecting.url });
    await host.jobs.pause();
    await writeEvents(host, container, tenantId, [{ resourceId: "a" }]);
    await dispatchTenant(host.services, tenantId);
    await deliverSubscription(host.services, tenantId, sub.subscription.id);
    expect(redirecting.received).toHaveLength(1);
    expect(elsewhere.received).toHaveLength(0);
    const [redirected] = (await listDeliveries(ctx(), { page: 1, limit: 5 })).deliveries;
    expect(redirected).toMatchObject({ state: "pending", attempts: 1, lastStatus: 302 });
    expect(redirected!.lastError).toContain("redirects are not followed");

    // The same URL once loopback addresses are no longer allowed (as in production): refused before any request.
    const other = await createSubscription(ctx(), { format: "set", url: elsewhere.url });
    await writeEvents(host, container, tenantId, [{ resourceId: "b" }]);
    await dispatchTenant(host.services, tenantId);
    host.services.config.events = { allowLocalUrls: false, timeoutMs: 2000 };
    expect(await deliverSubscription(host.services, tenantId, other.subscription.id)).toBe("idle");
    expect(elsewhere.received).toHaveLength(0);
    const [refused] = (await listDeliveries(ctx(), { subscriptionId: other.subscription.id, page: 1, limit: 5 }))
      .deliveries;
    expect(refused).toMatchObject({ state: "pending", attempts: 1 });
    expect(refused!.lastError).toMatch(/^Refused: url must use https/);
    host.jobs.resume();
  });
});

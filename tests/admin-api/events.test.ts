import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { verifyWebhook } from "../../shared/product/event-formats.js";
import { entraUser, type Client } from "../helpers/host.js";
import { BOB, Browser, signIn, startWithAdmin, type Reply } from "../helpers/portal.js";

/**
 * The event subscription routes of the admin API (issue 19) over HTTP, against the local host:
 * subscriptions, test events, deliveries and retries, input checks, 404s, the Admin role, CSRF,
 * and the signing secret shown once (create, rotate) and nowhere else.
 */

let host: RunningHost;
let scim: Client;
let admin: Browser;
let receiver: Receiver;

/** Every secret a create or rotate returned: none may appear in any other answer or in the provisioning log. */
const secrets: string[] = [];

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
}

/** A subscriber on 127.0.0.1 (the local host accepts http://127.0.0.1): records each push, answers `status`. */
interface Receiver {
  url: string;
  received: Received[];
  status: number;
  server: Server;
}

async function startReceiver(): Promise<Receiver> {
  const r = { received: [] as Received[], status: 204 } as Receiver;
  r.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      r.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(r.status).end();
    });
  });
  await new Promise<void>((resolve) => r.server.listen(0, "127.0.0.1", resolve));
  r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}/hook`;
  return r;
}

beforeAll(async () => {
  ({ host, scim, admin } = await startWithAdmin());
  receiver = await startReceiver();
});
afterAll(async () => {
  await host?.close();
  await new Promise((resolve) => receiver?.server.close(resolve));
});

function expectProblem(reply: Reply, status: number, detail?: RegExp, field?: string) {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get("content-type")).toBe("application/problem+json");
  expect(reply.json).toMatchObject({ type: "about:blank", status, title: expect.any(String) });
  if (detail) expect(reply.json.detail).toMatch(detail);
  if (field) expect(reply.json.errors).toEqual([{ field, detail: reply.json.detail }]);
}

/** No secret of this file in a reply, in any form it could take (the text as sent). */
function expectNoSecret(reply: Reply) {
  for (const secret of secrets) expect(reply.text).not.toContain(secret);
  expect(reply.text).not.toMatch(/whsec_/);
}

const subscriptions = async () => {
  const reply = await admin.get("/api/admin/events/subscriptions");
  expect(reply.status, reply.text).toBe(200);
  expectNoSecret(reply);
  return reply.json.subscriptions as { id: string; paused: boolean; format: string; url?: string }[];
};

/** The subscriptions as configured, without their delivery counts (deliveries go on in the background). */
const configured = async () =>
  (await subscriptions()).map(({ stats: _stats, ...rest }: { stats?: unknown; id: string }) => rest);

async function subscribe(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const reply = await admin.post("/api/admin/events/subscriptions", body);
  expect(reply.status, reply.text).toBe(201);
  secrets.push(reply.json.secret);
  return { id: reply.json.subscription.id, secret: reply.json.secret };
}

const deliveries = async (query: string) => {
  const reply = await admin.get(`/api/admin/events/deliveries?${query}`);
  expect(reply.status, reply.text).toBe(200);
  expectNoSecret(reply);
  return reply.json as { total: number; deliveries: { id: string; state: string; [k: string]: unknown }[] };
};

/** Polls the deliveries list until `id` is in `state` (the queue-triggered deliverer runs in the background). */
async function until(subscriptionId: string, id: string, state: string, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = (await deliveries(`subscription=${subscriptionId}`)).deliveries.find((d) => d.id === id);
    if (found?.state === state) return found;
    if (Date.now() > end) throw new Error(`delivery ${id} is ${found?.state ?? "not listed"}, not ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("creating a subscription", () => {
  it("answers 201 with the subscription and its secret; the list shows it without the secret", async () => {
    const reply = await admin.post("/api/admin/events/subscriptions", {
      format: "webhook",
      url: receiver.url,
      content: "notice",
      description: "  HR app  ",
    });
    expect(reply.status, reply.text).toBe(201);
    secrets.push(reply.json.secret);
    expect(Object.keys(reply.json).sort()).toEqual(["secret", "subscription"]);
    expect(reply.json.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(reply.json.subscription).toMatchObject({
      id: expect.any(String),
      format: "webhook",
      content: "notice",
      url: receiver.url,
      description: "HR app",
      paused: false,
      created: expect.any(String),
      createdBy: expect.stringMatching(/^portal:/),
      stats: { pending: 0, delivered: 0, dead: 0 },
    });
    expect(JSON.stringify(reply.json.subscription)).not.toContain(reply.json.secret);
    const listed = (await subscriptions()).find((s) => s.id === reply.json.subscription.id);
    expect(listed).toEqual(reply.json.subscription);
  });

  it("makes a poll subscription without a URL", async () => {
    const { id } = await subscribe({ format: "poll" });
    const listed = (await subscriptions()).find((s) => s.id === id);
    expect(listed).toMatchObject({ format: "poll", paused: false });
    expect(listed).not.toHaveProperty("url");
  });

  it.each([
    ["no format", { url: "https://app.example.com/events" }, /^Format is required/, "format"],
    ["an unknown format", { format: "jwt", url: "https://app.example.com/e" }, /set, webhook, poll.*"jwt"/, "format"],
    ["a format that is not a string", { format: 1, url: "https://app.example.com/e" }, /must be a string/, "format"],
    ["a push subscription without a URL", { format: "set" }, /^Url is required for a set subscription/, "url"],
    ["a webhook with an empty URL", { format: "webhook", url: " " }, /^Url is required for a webhook/, "url"],
    ["a URL on a poll subscription", { format: "poll", url: "https://app.example.com/e" }, /not used by a poll/, "url"],
    ["an unknown content", { format: "poll", content: "summary" }, /full, notice.*"summary"/, "content"],
    [
      "a description over 200 characters",
      { format: "poll", description: "d".repeat(201) },
      /at most 200.*201/,
      "description",
    ],
  ])("refuses %s with 400 naming the field, and creates nothing", async (_, body, detail, field) => {
    const before = await configured();
    expectProblem(await admin.post("/api/admin/events/subscriptions", body), 400, detail, field);
    expect(await configured()).toEqual(before);
  });

  it.each([
    ["plain http to another host", "http://app.example.com/events", /https/],
    ["a private address", "https://10.1.2.3/events", /public/],
    ["the metadata address", "https://169.254.169.254/latest", /public/],
    ["not a URL", "app.example.com/events", /absolute https URL/],
  ])("refuses %s with 400, and creates nothing", async (_, url, detail) => {
    const before = await configured();
    expectProblem(await admin.post("/api/admin/events/subscriptions", { format: "set", url }), 400, detail);
    expect(await configured()).toEqual(before);
  });

  it("refuses a body that is not a JSON object with 400", async () => {
    expectProblem(await admin.request("POST", "/api/admin/events/subscriptions", { body: "[1]" }), 400, /JSON object/);
  });
});

describe("a subscription's life", () => {
  let id: string;
  let secret: string;

  beforeAll(async () => {
    ({ id, secret } = await subscribe({ format: "webhook", url: receiver.url }));
  });

  it("pauses and resumes it", async () => {
    const paused = await admin.post(`/api/admin/events/subscriptions/${id}/pause`);
    expect(paused.status, paused.text).toBe(200);
    expect(paused.json.subscription).toMatchObject({ id, paused: true });
    expect((await subscriptions()).find((s) => s.id === id)).toMatchObject({ paused: true });
    const resumed = await admin.post(`/api/admin/events/subscriptions/${id}/resume`);
    expect(resumed.status, resumed.text).toBe(200);
    expect(resumed.json.subscription).toMatchObject({ id, paused: false });
    expectNoSecret(paused);
    expectNoSecret(resumed);
  });

  it("rotates the secret: a new one, shown in that answer only", async () => {
    const reply = await admin.post(`/api/admin/events/subscriptions/${id}/rotate`);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json.subscription).toMatchObject({ id, secretRotated: expect.any(String) });
    expect(reply.json.secret).toMatch(/^whsec_/);
    expect(reply.json.secret).not.toBe(secret);
    secret = reply.json.secret;
    secrets.push(secret);
    expect((await subscriptions()).find((s) => s.id === id)).toMatchObject({ secretRotated: expect.any(String) });
  });

  it("sends a test event: 202 with its delivery, which the subscriber receives signed with the secret", async () => {
    const before = receiver.received.length;
    const reply = await admin.post(`/api/admin/events/subscriptions/${id}/test`);
    expect(reply.status, reply.text).toBe(202);
    expectNoSecret(reply);
    const delivery = reply.json.delivery;
    expect(delivery).toMatchObject({
      id: expect.any(String),
      subscriptionId: id,
      eventId: expect.any(String),
      eventType: "test",
      resourceType: "Test",
      state: "pending",
    });
    const listed = (await deliveries(`subscription=${id}`)).deliveries.find((d) => d.id === delivery.id);
    expect(listed).toMatchObject({ eventType: "test", subscriptionId: id });

    const done = await until(id, delivery.id, "delivered");
    expect(done).toMatchObject({ attempts: 1, lastStatus: 204, latencyMs: expect.any(Number) });
    const push = receiver.received.slice(before).find((r) => r.headers["webhook-id"] === delivery.eventId);
    expect(push, "the subscriber received the test event").toBeDefined();
    expect(verifyWebhook(push!.headers as Record<string, string>, push!.body, secret).type).toBe("test");
    expect((await subscriptions()).find((s) => s.id === id)).toMatchObject({
      stats: { delivered: 1, dead: 0 },
    });
  });

  it("retries a delivery the subscriber refused: due again at once, and delivered once it answers", async () => {
    receiver.status = 503;
    const sent = await admin.post(`/api/admin/events/subscriptions/${id}/test`);
    expect(sent.status, sent.text).toBe(202);
    const deliveryId = sent.json.delivery.id as string;
    const end = Date.now() + 15_000;
    let failed;
    do {
      failed = (await deliveries(`subscription=${id}&state=pending`)).deliveries.find((d) => d.id === deliveryId);
      if (failed && (failed.attempts as number) >= 1) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while (Date.now() < end);
    expect(failed).toMatchObject({ state: "pending", lastStatus: 503, nextAttemptAt: expect.any(String) });

    receiver.status = 204;
    const retried = await admin.post(`/api/admin/events/deliveries/${deliveryId}/retry`);
    expect(retried.status, retried.text).toBe(200);
    expect(retried.json.delivery).toMatchObject({ id: deliveryId, subscriptionId: id });
    expectNoSecret(retried);
    expect(await until(id, deliveryId, "delivered")).toMatchObject({ lastStatus: 204 });
  });

  it("filters deliveries by subscription and state, and pages them", async () => {
    const all = await deliveries(`subscription=${id}`);
    expect(all.total).toBeGreaterThanOrEqual(2);
    expect(all.deliveries.every((d) => d.subscriptionId === id)).toBe(true);
    const delivered = await deliveries(`subscription=${id}&state=delivered`);
    expect(delivered.deliveries.length).toBeGreaterThanOrEqual(2);
    expect(delivered.deliveries.every((d) => d.state === "delivered")).toBe(true);
    expect((await deliveries(`subscription=${id}&state=dead`)).deliveries).toEqual([]);
    const first = await deliveries(`subscription=${id}&limit=1&page=1`);
    const second = await deliveries(`subscription=${id}&limit=1&page=2`);
    expect(first.deliveries).toHaveLength(1);
    expect(second.deliveries).toHaveLength(1);
    expect(first.deliveries[0]!.id).not.toBe(second.deliveries[0]!.id);
    expect(first.total).toBe(all.total);
  });

  it("refuses to retry a delivered delivery, and a test event while paused: 409 with the reason", async () => {
    const delivered = (await deliveries(`subscription=${id}&state=delivered`)).deliveries[0]!;
    expectProblem(await admin.post(`/api/admin/events/deliveries/${delivered.id}/retry`), 409, /delivered already/);
    expect((await admin.post(`/api/admin/events/subscriptions/${id}/pause`)).status).toBe(200);
    expectProblem(await admin.post(`/api/admin/events/subscriptions/${id}/test`), 409, /paused; resume it/);
    expect((await admin.post(`/api/admin/events/subscriptions/${id}/resume`)).status).toBe(200);
  });

  it("deletes it: 204, gone from the list, and then 404", async () => {
    const reply = await admin.delete(`/api/admin/events/subscriptions/${id}`);
    expect(reply.status, reply.text).toBe(204);
    expect(reply.text).toBe("");
    expect((await subscriptions()).some((s) => s.id === id)).toBe(false);
    expectProblem(await admin.post(`/api/admin/events/subscriptions/${id}/pause`), 404, /\S/);
    expectProblem(await admin.delete(`/api/admin/events/subscriptions/${id}`), 404, /\S/);
  });
});

describe("refusals", () => {
  it.each([
    ["pause", "POST", "/api/admin/events/subscriptions/no-such-subscription/pause"],
    ["resume", "POST", "/api/admin/events/subscriptions/no-such-subscription/resume"],
    ["rotate", "POST", "/api/admin/events/subscriptions/no-such-subscription/rotate"],
    ["test", "POST", "/api/admin/events/subscriptions/no-such-subscription/test"],
    ["delete", "DELETE", "/api/admin/events/subscriptions/no-such-subscription"],
    ["retry", "POST", "/api/admin/events/deliveries/no-such-delivery/retry"],
  ])("answers %s of an unknown id with 404 and a detail naming it", async (_, method, path) => {
    const reply = await admin.request(method, path);
    expectProblem(reply, 404, /no-such-(subscription|delivery)/);
  });

  it.each([
    ["an unknown state", "state=failed", /^State must be one of pending, delivered, dead \(got "failed"\)$/, "state"],
    ["limit 0", "limit=0", /^Limit must be a whole number from 1 to 200/, "limit"],
    ["limit 201", "limit=201", /^Limit must be a whole number from 1 to 200/, "limit"],
    ["a page that is not a number", "page=two", /^Page must be a whole number from 1 to 100 \(got "two"\)$/, "page"],
    ["page 0", "page=0", /^Page must be a whole number/, "page"],
  ])("refuses a deliveries query with %s: 400 naming the parameter", async (_, query, detail, field) => {
    expectProblem(await admin.get(`/api/admin/events/deliveries?${query}`), 400, detail, field);
  });

  it("refuses a state-changing call without the CSRF token, and creates nothing", async () => {
    const before = await configured();
    const reply = await admin.request("POST", "/api/admin/events/subscriptions", {
      body: { format: "poll" },
      csrf: null,
    });
    expectProblem(reply, 403, /X-CSRF-Token/);
    expect(await configured()).toEqual(before);
  });

  it("keeps every route for Admins: a signed-in non-admin gets 403 and changes nothing", async () => {
    const { id } = await subscribe({ format: "poll", description: "kept" });
    expect((await scim.post("/Users", entraUser(BOB.preferredUsername, { externalId: BOB.oid }))).status).toBe(201);
    const bob = new Browser(host);
    expect((await signIn(bob, BOB)).status).toBe(302);
    expect((await bob.me()).json.isAdmin).toBe(false);
    const before = await configured();
    for (const [method, path, body] of [
      ["GET", "/api/admin/events/subscriptions"],
      ["POST", "/api/admin/events/subscriptions", { format: "poll" }],
      ["POST", `/api/admin/events/subscriptions/${id}/pause`],
      ["POST", `/api/admin/events/subscriptions/${id}/resume`],
      ["POST", `/api/admin/events/subscriptions/${id}/rotate`],
      ["POST", `/api/admin/events/subscriptions/${id}/test`],
      ["DELETE", `/api/admin/events/subscriptions/${id}`],
      ["GET", "/api/admin/events/deliveries"],
      ["POST", "/api/admin/events/deliveries/any/retry"],
    ] as const) {
      const reply = await bob.request(method, path, body ? { body } : {});
      expectProblem(reply, 403, /Admin/);
      expectNoSecret(reply);
    }
    expect(await configured()).toEqual(before);
  });
});

describe("the signing secret", () => {
  it("is in no list, no delivery, and not in the provisioning log", async () => {
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    await subscriptions();
    await deliveries("limit=200");
    const log = await admin.get("/api/admin/audit?pageSize=200");
    expect(log.status, log.text).toBe(200);
    expect(log.json.events.map((e: { operation: string }) => e.operation)).toEqual(
      expect.arrayContaining(["event-subscribe", "event-subscription-change", "event-unsubscribe", "event-retry"]),
    );
    expectNoSecret(log);
    const csv = await admin.get("/api/admin/audit/export");
    expect(csv.status).toBe(200);
    expectNoSecret(csv);
  });
});

describe("ids the store cannot hold", () => {
  it("are unknown subscriptions and deliveries (404), never a 500", async () => {
    for (const id of ["a%23b", "a%3Fb", "a%5Cb"]) {
      expect((await admin.post(`/api/admin/events/subscriptions/${id}/pause`)).status).toBe(404);
      expect((await admin.post(`/api/admin/events/deliveries/${id}/retry`)).status).toBe(404);
    }
  });
});

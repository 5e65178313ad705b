import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { ERROR, client, devToken, entraUser, patch, type Client } from "../helpers/host.js";
import { startWithAdmin, type Browser, type Reply } from "../helpers/portal.js";

/**
 * The deprovisioning safety net end to end, the way Entra meets it: SCIM DELETEs against the local
 * host until more than 20% of the tenant's active users (at least 25) are gone within the hour,
 * then 429 with Retry-After and a detail; disconnects still work; an admin sees the hold in the
 * admin API, releases it (the held delete succeeds on Entra's retry) or discards it; settings; the
 * provisioning log; and a hold in one tenant never touches another.
 */

let host: RunningHost;
let scim: Client;
let admin: Browser;
const users: { id: string; userName: string }[] = [];

beforeAll(async () => {
  ({ host, scim, admin } = await startWithAdmin());
  for (let i = 0; i < 100; i++) {
    const res = await scim.post("/Users", entraUser(`person${i}@contoso.dev`));
    expect(res.status).toBe(201);
    users.push({ id: res.body.id, userName: res.body.userName });
  }
}, 120_000);
afterAll(async () => host?.close());

const disconnect = (id: string) => scim.patch(`/Users/${id}`, patch({ op: "Replace", path: "active", value: "False" }));
const net = async () => {
  const reply = await admin.get("/api/admin/safety-net");
  expect(reply.status, reply.text).toBe(200);
  return reply.json;
};
const log = async (query: string) => {
  const reply = await admin.get(`/api/admin/audit?${query}`);
  expect(reply.status, reply.text).toBe(200);
  return reply.json.events as Record<string, any>[];
};
function expectProblem(reply: Reply, status: number, detail: RegExp) {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get("content-type")).toBe("application/problem+json");
  expect(reply.json.detail).toMatch(detail);
}

/** users[next++]: each step takes fresh users. */
let next = 0;
const take = (n: number) => users.slice(next, (next += n));

describe("a mass deprovisioning", () => {
  it("lets 25 removals of 100 users through, then holds the next delete with 429 + Retry-After and a detail", async () => {
    for (const u of take(10)) expect((await disconnect(u.id)).status).toBe(200);
    for (const u of take(15)) expect((await scim.delete(`/Users/${u.id}`)).status).toBe(204);

    const [victim] = take(1);
    const res = await scim.delete(`/Users/${victim!.id}`);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("60");
    expect(res.headers.get("content-type")).toMatch(/^application\/scim\+json/);
    expect(res.body).toEqual({
      schemas: [ERROR],
      status: "429",
      detail: expect.stringMatching(/^Delete held by the deprovisioning safety net: 26 of 10\d active users/),
    });
    expect(res.body.detail).toMatch(/Disconnects \(active=false\) still take effect/);
    expect(res.body.detail).toMatch(/Safety net page|safety-net release\|discard/);
    // Held, the user still loses access: disconnected at once, its data kept.
    const held = await scim.get(`/Users/${victim!.id}`);
    expect(held.status).toBe(200);
    expect(held.body.active).toBe(false);

    // Held: the next one too, and Entra's retry of the first (an attempt more).
    const [second] = take(1);
    expect((await scim.delete(`/Users/${second!.id}`)).status).toBe(429);
    expect((await scim.delete(`/Users/${victim!.id}`)).status).toBe(429);

    const view = await net();
    expect(view.settings).toEqual({ enabled: true, sharePercent: 20, minUsers: 25 });
    // The two users whose deletes are held were disconnected instead.
    expect(view.window).toMatchObject({ disconnected: 12, deleted: 15, threshold: 25 });
    expect(view.hold.cause).toMatch(/^26 of 10\d active users .* more than the limit of 25/);
    expect(view.hold.held.map((h: any) => [h.userName, h.attempts])).toEqual([
      [victim!.userName, 2],
      [second!.userName, 1],
    ]);
  });

  it("still disconnects: a PATCH active=false takes effect while deletes are held", async () => {
    const [u] = take(1);
    const res = await disconnect(u!.id);
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
    expect((await scim.delete(`/Users/${u!.id}`)).status).toBe(429);
  });

  it("never holds another tenant's deletes", async () => {
    const other = await host.services.tenants.create("Fabrikam", new Date());
    const { secret } = await devToken(host.services, other.id, "entra", new Date());
    const fabrikam = client(host, secret);
    const created = await fabrikam.post("/Users", entraUser("someone@fabrikam.dev"));
    expect(created.status).toBe(201);
    expect((await fabrikam.delete(`/Users/${created.body.id}`)).status).toBe(204);
  });

  it("logs the hold and each held delete", async () => {
    const [hold] = await log("operation=delete-hold");
    expect(hold).toMatchObject({ status: 200, resourceType: "SafetyNet" });
    expect(hold!.detail).toMatch(/^User deletes are held from now on/);
    const refused = await log("operation=delete&status=failure");
    expect(refused.length).toBeGreaterThanOrEqual(4);
    expect(refused[0]).toMatchObject({ status: 429, detail: expect.stringMatching(/^Delete held by/) });
  });
});

describe("the admin's answer", () => {
  it("release: the held deletes succeed at Entra's next retry, and the log says so", async () => {
    const held = (await net()).hold.held as { userId: string }[];
    const reply = await admin.post("/api/admin/safety-net/release");
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json.hold).toBeUndefined();
    expect(reply.json.release).toMatchObject({ by: expect.stringMatching(/^portal:/), held: held.length });
    for (const h of held) expect((await scim.delete(`/Users/${h.userId}`)).status).toBe(204);
    const [u] = take(1);
    expect((await scim.delete(`/Users/${u!.id}`)).status).toBe(204);
    const [event] = await log("operation=delete-hold-release");
    expect(event!.detail).toMatch(/held deletes? .* go(es)? through at Entra's next retry/);
    expectProblem(await admin.post("/api/admin/safety-net/release"), 409, /nothing to release/);
  });

  it("discard: ends the release early; a new hold discarded keeps the users, and Entra's retries of their deletes stay refused", async () => {
    let reply = await admin.post("/api/admin/safety-net/discard");
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json.release).toBeUndefined();
    expect((await log("operation=delete-hold-discard"))[0]!.detail).toMatch(/^Ended the release early/);

    for (const u of take(25)) expect((await scim.delete(`/Users/${u.id}`)).status).toBe(204);
    const [kept] = take(1);
    expect((await scim.delete(`/Users/${kept!.id}`)).status).toBe(429);
    reply = await admin.post("/api/admin/safety-net/discard");
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json.hold).toBeUndefined();
    expect(reply.json.window.deleted).toBe(0);
    const stays = await scim.get(`/Users/${kept!.id}`);
    expect(stays.status).toBe(200);
    expect(stays.body.active).toBe(false);
    expect((await log("operation=delete-hold-discard"))[0]!.detail).toMatch(
      new RegExp(`1 held delete dropped \\(${kept!.userName.replace(".", "\\.")}\\); those users stay`),
    );
    // Entra sends it again: still refused, saying an admin discarded it; another user's delete is judged afresh.
    const again = await scim.delete(`/Users/${kept!.id}`);
    expect(again.status).toBe(429);
    expect(again.body.detail).toMatch(/^Delete refused: an admin discarded it/);
    const [other] = take(1);
    expect((await scim.delete(`/Users/${other!.id}`)).status).toBe(204);
    // An admin decides the delete was intended after all: a release lets Entra's next retry through.
    const released = await admin.post("/api/admin/safety-net/release");
    expect(released.status, released.text).toBe(200);
    expect((await scim.delete(`/Users/${kept!.id}`)).status).toBe(204);
    expect((await admin.post("/api/admin/safety-net/discard")).status).toBe(200); // ends that release
    expectProblem(await admin.post("/api/admin/safety-net/discard"), 409, /nothing to discard/);
  });

  it("settings: changed, refused out of bounds with the field named, and logged old → new", async () => {
    const reply = await admin.put("/api/admin/safety-net/settings", { sharePercent: 50, minUsers: 5 });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json.settings).toEqual({ enabled: true, sharePercent: 50, minUsers: 5 });
    const bad = await admin.put("/api/admin/safety-net/settings", { sharePercent: 0 });
    expectProblem(bad, 400, /\(sharePercent\) must be a whole number from 1 to 100/);
    expect(bad.json.errors).toEqual([{ field: "sharePercent", detail: expect.any(String) }]);
    expectProblem(await admin.put("/api/admin/safety-net/settings", { minUsers: "ten" }), 400, /\(minUsers\)/);
    expect((await net()).settings).toEqual({ enabled: true, sharePercent: 50, minUsers: 5 });
    const [event] = await log("operation=safety-net-settings");
    expect(event!.changes).toMatchObject([
      { attribute: "deleteSafety.sharePercent", old: "20", new: "50" },
      { attribute: "deleteSafety.minUsers", old: "25", new: "5" },
    ]);
  });

  it("is for admins only, and state changes need the CSRF token", async () => {
    expect((await fetch(`${host.url}/api/admin/safety-net`)).status).toBe(401);
    const reply = await admin.request("POST", "/api/admin/safety-net/discard", { csrf: null });
    expect(reply.status).toBe(403);
  });
});

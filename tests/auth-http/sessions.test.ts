import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { entraUser, patch, type Client } from "../helpers/host.js";
import { ANN, Browser, signIn, startWithAdmin } from "../helpers/portal.js";
import type { DevPerson } from "../../local/host/dev-oidc.js";
import { strip } from "../../shared/store/resources.js";

/** Sessions over HTTP: cookie attributes, logout, idle and absolute expiry (a controlled clock), disconnect. */

let host: RunningHost;
let scim: Client;
let tenantId: string;
let admin: Browser;
let offsetMs = 0;
const advance = (ms: number) => (offsetMs += ms);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

beforeAll(async () => {
  // The dev provider signs with the real time, so the clock moves relative to it.
  ({ host, scim, tenantId, admin } = await startWithAdmin({ now: () => new Date(Date.now() + offsetMs) }));
});
afterAll(async () => host?.close());
// Each test signs in at the provider's real time, then moves the service's clock.
beforeEach(() => {
  offsetMs = 0;
});

let n = 0;
/** A provisioned user (externalId = its object ID) signed in directly. */
async function provisionedSession(): Promise<{ browser: Browser; userId: string; who: DevPerson }> {
  n++;
  const who: DevPerson = {
    tid: ANN.tid,
    oid: `aaaaaaaa-0000-4000-8000-${String(n).padStart(12, "0")}`,
    preferredUsername: `user${n}@contoso.dev`,
    name: `User ${n}`,
  };
  const created = await scim.post("/Users", entraUser(who.preferredUsername, { externalId: who.oid }));
  expect(created.status).toBe(201);
  const browser = new Browser(host);
  expect((await signIn(browser, who)).status).toBe(302);
  return { browser, userId: created.body.id, who };
}

describe("session cookie", () => {
  it("is HttpOnly, SameSite=Lax, Path=/, not Secure, named scimf_session on http://localhost", async () => {
    const browser = new Browser(host);
    await signIn(browser, ANN);
    const cookie = browser.setCookies.find((c) => c.startsWith("scimf_session=") && !/Max-Age=0/.test(c))!;
    expect(cookie).toMatch(/^scimf_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax$/);
    expect(browser.setCookies.some((c) => /^scimf_login=; Path=\/; Max-Age=0/.test(c))).toBe(true);
  });
});

describe("logout", () => {
  it("needs the CSRF token and Origin, then ends the session: 204, cookie cleared", async () => {
    const browser = new Browser(host);
    await signIn(browser, ANN);
    const noToken = await browser.request("POST", "/auth/logout", { csrf: null });
    expect(noToken.status).toBe(403);
    expect(noToken.json).toMatchObject({ status: 403, title: "Forbidden" });
    const otherSite = await browser.request("POST", "/auth/logout", { origin: "https://evil.example" });
    expect(otherSite.status).toBe(403);
    expect((await browser.me()).status).toBe(200);
    const session = browser.jar.get("scimf_session")!;
    const out = await browser.request("POST", "/auth/logout");
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie()).toEqual(["scimf_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"]);
    const again = new Browser(host);
    again.jar.set("scimf_session", session);
    expect((await again.me()).status).toBe(401);
  });
});

describe("expiry", () => {
  it("ends a session idle for 8 hours", async () => {
    const browser = new Browser(host);
    await signIn(browser, ANN);
    advance(7 * HOUR + 59 * MINUTE);
    expect((await browser.me()).status).toBe(200);
    advance(8 * HOUR + MINUTE);
    const reply = await browser.me();
    expect(reply.status).toBe(401);
    expect(reply.headers.get("content-type")).toBe("application/problem+json");
  });

  it("ends a session 12 hours after sign-in however busy", async () => {
    const browser = new Browser(host);
    await signIn(browser, ANN);
    for (let h = 0; h < 11; h++) {
      advance(HOUR);
      expect((await browser.me()).status).toBe(200);
    }
    advance(59 * MINUTE);
    expect((await browser.me()).status).toBe(200);
    advance(2 * MINUTE);
    expect((await browser.me()).status).toBe(401);
  });
});

const DISCONNECTED =
  /^Your account was disconnected in Microsoft Entra ID \(disabled, or no longer assigned the app\), so your session was ended/;

describe("disconnect", () => {
  it("ends the sessions of a user SCIM sets active=false, and the browser's next request learns why", async () => {
    const { browser, userId } = await provisionedSession();
    expect((await browser.me()).status).toBe(200);
    expect(
      (await scim.patch(`/Users/${userId}`, patch({ op: "Replace", path: "active", value: "False" }))).status,
    ).toBe(200);
    const ended = await browser.me();
    expect(ended.status).toBe(403);
    expect(ended.json.detail).toMatch(DISCONNECTED);
    // The cookie is cleared with that answer: from then on, simply not signed in.
    expect((await browser.me()).status).toBe(401);
  });

  it("ends the sessions of a user SCIM replaces with active=false", async () => {
    const { browser, userId, who } = await provisionedSession();
    expect(
      (await scim.put(`/Users/${userId}`, entraUser(who.preferredUsername, { externalId: who.oid, active: false })))
        .status,
    ).toBe(200);
    const ended = await browser.me();
    expect({ status: ended.status, detail: ended.json.detail }).toEqual({
      status: 403,
      detail: expect.stringMatching(DISCONNECTED),
    });
    expect((await browser.me()).status).toBe(401);
  });

  it("tells a user whose session ends why: deleted, disconnected in Entra, or no longer allowed Entra sign-in", async () => {
    const deleted = await provisionedSession();
    const doomed = await host.services.resources.require(tenantId, "User", deleted.userId);
    await host.services.resources.write({ next: strip(doomed), before: doomed, remove: true });
    const gone = await deleted.browser.me();
    expect({ status: gone.status, detail: gone.json.detail }).toEqual({
      status: 403,
      detail:
        "Your account was deleted through Microsoft Entra ID (or by an administrator), so your session was ended. Ask your administrator to assign you the app again.",
    });
    const unlinked = await provisionedSession();
    const linked = await host.services.resources.require(tenantId, "User", unlinked.userId);
    await host.services.resources.write({
      next: { ...strip(linked), product: { ...linked.product, objectId: undefined } },
      before: linked,
    });
    const off = await unlinked.browser.me();
    expect(off.status).toBe(403);
    expect(off.json.detail).toMatch(
      /^Your account can no longer sign in with Microsoft Entra ID \(the Entra login type was switched off, or your Object ID was removed\)/,
    );
    expect((await unlinked.browser.me()).status).toBe(401);
  });

  it("ends the sessions of a user SCIM deletes", async () => {
    const { browser, userId } = await provisionedSession();
    expect((await scim.delete(`/Users/${userId}`)).status).toBe(204);
    const ended = await browser.me();
    expect({ status: ended.status, detail: ended.json.detail }).toEqual({
      status: 403,
      detail: expect.stringMatching(/^Your account was deleted through Microsoft Entra ID/),
    });
    expect((await browser.me()).status).toBe(401);
  });

  it("refuses a disconnected user's live session with 403 and ends it", async () => {
    const { browser, userId } = await provisionedSession();
    // Disconnected behind the operations' back (as if ending the sessions had failed).
    const user = await host.services.resources.require(tenantId, "User", userId);
    await host.services.resources.write({
      next: { ...strip(user), resource: { ...user.resource, active: false } },
      before: user,
    });
    const refused = await browser.me();
    expect(refused.status).toBe(403);
    expect(refused.json.detail).toMatch(
      /^Your account was disconnected in Microsoft Entra ID \(disabled, or no longer assigned the app\), so your session was ended/,
    );
    expect((await browser.me()).status).toBe(401);
  });

  it("keeps the sessions of other users", async () => {
    expect((await admin.me()).status).toBe(200);
    const browser = new Browser(host);
    await signIn(browser, ANN);
    await provisionedSession().then(({ userId }) => scim.delete(`/Users/${userId}`));
    expect((await browser.me()).status).toBe(200);
  });
});

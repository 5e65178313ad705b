import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { completeDevLogin, type DevPerson } from "../../local/host/dev-oidc.js";
import { AUTH_RESPONSE_HEADERS } from "../../shared/auth/pages.js";
import { pageContentSecurityPolicy, securityHeaders } from "../../shared/http/security-headers.js";
import { ADMIN_CLI } from "../../shared/operations/context.js";
import { setObjectId } from "../../shared/operations/users.js";
import { setLoginTypes } from "../../shared/operations/login-types.js";
import { newInvite } from "../../shared/auth/login-flow.js";
import { entraUser, type Client } from "../helpers/host.js";
import { ANN, BOB, EVE, Browser, invite, signIn, startWithAdmin } from "../helpers/portal.js";

/** The sign-in routes over HTTP through the local host and the development provider. */

let host: RunningHost;
let scim: Client;
let tenantId: string;
let admin: Browser;
const logLines: string[] = [];
const original = { log: console.log, error: console.error, warn: console.warn };

beforeAll(async () => {
  for (const level of ["log", "error", "warn"] as const) {
    console[level] = (...args: unknown[]) => {
      logLines.push(
        args
          .map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : typeof a === "string" ? a : JSON.stringify(a)))
          .join(" "),
      );
    };
  }
  ({ host, scim, tenantId, admin } = await startWithAdmin());
});
afterAll(async () => {
  Object.assign(console, original);
  await host?.close();
});

const person = (name: string, oid: string, tid = ANN.tid): DevPerson => ({
  tid,
  oid,
  preferredUsername: `${name}@contoso.dev`,
  name,
});
const ctx = () => ({ tenantId, actor: ADMIN_CLI, now: new Date(), services: host.services, baseUrl: "" });

/** The headers of every /auth/* response over http (no Strict-Transport-Security). */
function expectAuthHeaders(headers: Headers, except: string[] = []) {
  for (const [k, v] of Object.entries({ ...securityHeaders(false, "page"), ...AUTH_RESPONSE_HEADERS }))
    if (!except.includes(k)) expect(headers.get(k), k).toBe(v);
  expect(headers.get("strict-transport-security")).toBeNull();
}

/** The <title> of a page. */
const title = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1];

describe("invite bootstrap", () => {
  it("makes the first Admin, links the tenant to the token's tid and lands on the portal", async () => {
    const tenant = await host.services.tenants.get(tenantId);
    expect(tenant?.entraTenantId).toBe(ANN.tid);
    const me = await admin.me();
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({
      isAdmin: true,
      user: {
        userName: ANN.preferredUsername,
        displayName: ANN.name,
        objectId: ANN.oid,
        role: "Admin",
        roleSource: { kind: "admin" },
        loginTypes: ["entra"],
      },
      tenant: { id: tenantId, entraTenantId: ANN.tid },
    });
  });

  it("signs the same person in again without an invite, by object ID", async () => {
    const browser = new Browser(host);
    const reply = await signIn(browser, ANN);
    expect(reply.status).toBe(302);
    expect(reply.headers.get("location")).toBe("/portal/");
    expect((await browser.me()).json.user.objectId).toBe(ANN.oid);
  });

  it("signs in at http://127.0.0.1:PORT as at localhost (the dev provider knows every loopback callback)", async () => {
    const url = host.url.replace("//localhost:", "//127.0.0.1:");
    expect(url).not.toBe(host.url);
    const browser = new Browser({ ...host, url });
    const start = await browser.get("/auth/login");
    expect(new URL(start.headers.get("location")!).searchParams.get("redirect_uri")).toBe(`${url}/auth/callback`);
    const callback = await completeDevLogin(start.headers.get("location")!, ANN);
    expect(callback.startsWith(`${url}/auth/callback?`)).toBe(true);
    const reply = await browser.get(callback);
    expect({ status: reply.status, location: reply.headers.get("location") }).toEqual({
      status: 302,
      location: "/portal/",
    });
    expect((await browser.me()).json.user.objectId).toBe(ANN.oid);
  });

  it("links an existing user by userName and makes them Admin", async () => {
    const created = await scim.post("/Users", entraUser("carol@contoso.dev", { externalId: undefined }));
    expect(created.status).toBe(201);
    const { code } = await invite(host, tenantId, "carol@contoso.dev");
    const carol = person("carol", "55555555-5555-4555-8555-555555555555");
    const browser = new Browser(host);
    const reply = await signIn(browser, carol, { inviteCode: code });
    expect(reply.status).toBe(302);
    const me = await browser.me();
    expect(me.json.user).toMatchObject({ id: created.body.id, objectId: carol.oid, role: "Admin" });
  });

  it("serves the invite page without inline script, and its script reads the fragment", async () => {
    const page = await new Browser(host).get("/auth/invite");
    expect(page.status).toBe(200);
    // same-origin, not no-referrer: under no-referrer a browser posts the form with `Origin: null`, which POST /auth/login refuses.
    expectAuthHeaders(page.headers, ["Referrer-Policy", "Content-Security-Policy"]);
    expect(page.headers.get("referrer-policy")).toBe("same-origin");
    // The form's POST answers 303 to the provider, and browsers check form-action on that redirect too.
    expect(page.headers.get("content-security-policy")).toBe(
      pageContentSecurityPolicy([new URL(host.devOidc!.issuer).origin]),
    );
    // The pattern is valid under the `v` flag browsers compile it with (an unescaped "-" in a class is not).
    const pattern = /pattern="([^"]+)"/.exec(page.text)![1]!;
    expect(() => new RegExp(pattern, "v")).not.toThrow();
    expect(new RegExp(`^(?:${pattern})$`, "v").test(`scimfinv_${"a-_".repeat(14)}b`)).toBe(true);
    expect(page.text).toContain('<script src="/auth/invite.js" defer></script>');
    expect(page.text.match(/<script/g)).toHaveLength(1);
    expect(page.text).toContain('<form method="post" action="/auth/login">');
    const script = await new Browser(host).get("/auth/invite.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(script.text).toContain("location.hash");
    expect(script.text).toContain("history.replaceState");
  });

  it("prints invite links whose code is only in the fragment", async () => {
    const { url, code } = await invite(host, tenantId);
    expect(url).toBe(`${host.url}/auth/invite#${code}`);
    expect(code).toMatch(/^scimfinv_[A-Za-z0-9_-]{43}$/);
  });

  it("refuses a sign-in form posted from another site", async () => {
    const { code } = await invite(host, tenantId);
    const reply = await new Browser(host).request("POST", "/auth/login", {
      form: { invite: code },
      origin: "https://evil.example",
    });
    expect(reply.status).toBe(403);
    expectAuthHeaders(reply.headers);
    expect(reply.text).toContain("login_cross_site");
  });
});

describe("refusal pages", () => {
  async function refusedDirect(who: DevPerson) {
    const reply = await signIn(new Browser(host), who);
    expectAuthHeaders(reply.headers);
    expect(reply.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(reply.headers.getSetCookie().some((c) => c.startsWith("scimf_session=") && !/Max-Age=0/.test(c))).toBe(
      false,
    );
    return { status: reply.status, title: title(reply.text), text: reply.text };
  }

  it("refuses a directory linked to no tenant", async () => {
    expect(await refusedDirect(EVE)).toMatchObject({ status: 403, title: "Your organization is not connected" });
  });

  it("refuses an object ID no user carries", async () => {
    expect(await refusedDirect(BOB)).toMatchObject({ status: 403, title: "Your account is not provisioned yet" });
  });

  it("refuses an object ID two users carry, naming both", async () => {
    const oid = "66666666-6666-4666-8666-666666666666";
    const a = await scim.post("/Users", entraUser("dup1@contoso.dev", { externalId: oid }));
    const b = await scim.post("/Users", entraUser("dup2@contoso.dev"));
    await setObjectId(ctx(), b.body.id, oid);
    const page = await refusedDirect(person("dup1", oid));
    expect(page).toMatchObject({ status: 403, title: "Your account is linked twice" });
    expect(page.text).toContain("dup1@contoso.dev, dup2@contoso.dev");
    expect(a.status).toBe(201);
  });

  it("refuses a disconnected user", async () => {
    const oid = "77777777-7777-4777-8777-777777777777";
    await scim.post("/Users", entraUser("gone@contoso.dev", { externalId: oid, active: false }));
    expect(await refusedDirect(person("gone", oid))).toMatchObject({
      status: 403,
      title: "Your account is disconnected",
    });
  });

  it("tells a user deleted through SCIM that the account was deleted, not that it is not provisioned yet", async () => {
    const oid = "78787878-7878-4878-8878-787878787878";
    const created = await scim.post("/Users", entraUser("deleted@contoso.dev", { externalId: oid }));
    expect(created.status).toBe(201);
    expect((await scim.delete(`/Users/${created.body.id}`)).status).toBe(204);
    const page = await refusedDirect(person("deleted", oid));
    expect(page).toMatchObject({ status: 403, title: "Your account was deleted" });
    expect(page.text).toContain("user_deleted");
    expect(page.text).toContain("assign you the app in Entra ID again");
  });

  it("refuses sign-in when the tenant does not allow the Entra login type", async () => {
    await setLoginTypes(ctx(), ["password"]);
    try {
      expect(await refusedDirect(ANN)).toMatchObject({ status: 403, title: "Microsoft sign-in is turned off" });
    } finally {
      await setLoginTypes(ctx(), ["password", "entra"]);
    }
  });

  it("refuses an invite of another directory's tenant", async () => {
    const { code } = await invite(host, tenantId);
    const reply = await signIn(new Browser(host), EVE, { inviteCode: code });
    expect({ status: reply.status, title: title(reply.text) }).toEqual({
      status: 403,
      title: "This invite is for another organization",
    });
  });

  it("refuses a named invite used by someone else", async () => {
    const { code } = await invite(host, tenantId, "someone@contoso.dev");
    const reply = await signIn(new Browser(host), BOB, { inviteCode: code });
    expect({ status: reply.status, title: title(reply.text) }).toEqual({
      status: 403,
      title: "This invite is for someone else",
    });
  });

  it.each([
    ["malformed", "scimfinv_short"],
    ["unknown", "scimfinv_" + "A".repeat(43)],
  ])("refuses a %s invite code before the provider is asked", async (_, code) => {
    const reply = await new Browser(host).request("POST", "/auth/login", { form: { invite: code } });
    expect({ status: reply.status, title: title(reply.text) }).toEqual({
      status: 400,
      title: "This invite link cannot be used",
    });
    expect(reply.text).toContain("invite_unknown");
    expect(reply.text).not.toContain(code);
  });

  it("refuses a used invite", async () => {
    const { code } = await invite(host, tenantId);
    expect((await signIn(new Browser(host), ANN, { inviteCode: code })).status).toBe(302);
    const again = await new Browser(host).request("POST", "/auth/login", { form: { invite: code } });
    expect({ status: again.status, title: title(again.text) }).toEqual({
      status: 400,
      title: "This invite link cannot be used",
    });
    expect(again.text).toContain("invite_used");
  });

  it("refuses an expired invite", async () => {
    const { code, doc } = newInvite(tenantId, null, new Date(Date.now() - 25 * 3600_000));
    await host.services.sessions.createInvite(doc);
    const reply = await new Browser(host).request("POST", "/auth/login", { form: { invite: code } });
    expect({ status: reply.status, title: title(reply.text) }).toEqual({
      status: 400,
      title: "This invite link cannot be used",
    });
    expect(reply.text).toContain("invite_expired");
  });

  it("refuses an invite in the login URL (it would reach server logs)", async () => {
    const { code } = await invite(host, tenantId);
    const reply = await new Browser(host).get(`/auth/login?invite=${code}`);
    expect(reply.status).toBe(400);
    expect(reply.text).toContain("invite_in_url");
    expect(reply.text).not.toContain(code);
  });

  it("refuses a callback from another browser without spoiling the sign-in, which the right browser then finishes once", async () => {
    const browser = new Browser(host);
    const start = await browser.get("/auth/login");
    const callback = await completeDevLogin(start.headers.get("location")!, ANN);
    const other = await new Browser(host).get(callback);
    expect(other.status).toBe(400);
    expect(other.text).toContain("login_other_browser");
    expect(other.text).not.toContain(new URL(callback).searchParams.get("code")!);
    const done = await browser.get(callback);
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe("/portal/");
    expect((await browser.me()).json.user.objectId).toBe(ANN.oid);
    const replay = await browser.get(callback);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain("login_expired");
  });

  it("answers 429 with Retry-After after too many sign-in attempts from one address", async () => {
    const browser = new Browser(host, "192.0.2.99");
    let last;
    for (let i = 0; i < 21; i++) last = await browser.get("/auth/login");
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expectAuthHeaders(last!.headers);
  });

  it("keeps counting one address however the client rotates the X-Forwarded-For entries it sends itself", async () => {
    const browser = new Browser(host, "192.0.2.98");
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++)
      statuses.push((await browser.get("/auth/login", { "x-forwarded-for": `198.51.100.${i}, 192.0.2.98` })).status);
    expect(statuses.slice(0, 20).every((status) => status === 302)).toBe(true);
    expect(statuses[20]).toBe(429);
  });

  it("with two trusted proxies counts each client's address, not the last proxy's", async () => {
    const config = host.services.config;
    const hops = config.trustedProxyHops;
    config.trustedProxyHops = 2;
    try {
      const proxy = "10.1.1.1";
      const first = new Browser(host);
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++)
        statuses.push(
          (await first.get("/auth/login", { "x-forwarded-for": `198.51.100.${i}, 192.0.2.97, ${proxy}` })).status,
        );
      expect(statuses[19]).toBe(302);
      expect(statuses[20]).toBe(429);
      const second = await new Browser(host).get("/auth/login", { "x-forwarded-for": `192.0.2.96, ${proxy}` });
      expect(second.status).toBe(302);
    } finally {
      config.trustedProxyHops = hops;
    }
  });
});

describe("returnTo", () => {
  it.each([
    ["/portal/users?x=1", "/portal/users?x=1"],
    ["//evil.example/portal", "/portal/"],
    ["https://evil.example/portal/", "/portal/"],
    ["/\\evil.example", "/portal/"],
    ["/portal/../auth/logout", "/portal/"],
  ])("after sign-in with returnTo=%s the browser goes to %s", async (returnTo, expected) => {
    const reply = await signIn(new Browser(host), ANN, { returnTo });
    expect(reply.status).toBe(302);
    expect(reply.headers.get("location")).toBe(expected);
    expectAuthHeaders(reply.headers);
  });
});

describe("portal files", () => {
  it("redirects / to the portal", async () => {
    const reply = await new Browser(host).get("/");
    expect(reply.status).toBe(302);
    expect(reply.headers.get("location")).toBe("/portal/");
  });
});

describe("secrets", () => {
  it("puts no session id, code, state, invite or token in a log line or a URL", async () => {
    const browser = new Browser(host);
    const { code: inviteCode } = await invite(host, tenantId);
    const start = await browser.request("POST", "/auth/login", { form: { invite: inviteCode } });
    const authorize = start.headers.get("location")!;
    expect(authorize).not.toContain(inviteCode);
    const callback = await completeDevLogin(authorize, ANN);
    const done = await browser.get(callback);
    expect(done.status).toBe(302);
    await browser.me();
    const created = await browser.post("/api/admin/tokens", { name: "log-check" });
    expect(created.status).toBe(201);
    const secrets = [
      inviteCode,
      new URL(callback).searchParams.get("code")!,
      new URL(callback).searchParams.get("state")!,
      browser.jar.get("scimf_session")!,
      created.json.secret,
      browser.csrfToken!,
    ];
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(20);
      for (const line of logLines) expect(line).not.toContain(secret);
      expect(done.headers.get("location")).not.toContain(secret);
    }
  });
});

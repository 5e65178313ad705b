import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JwksCache, SignInError } from "../../shared/auth/id-token.js";
import { createSession, resolveSession } from "../../shared/auth/browser-sessions.js";
import { finishLogin, newInvite, startLogin, type LoginContext } from "../../shared/auth/login-flow.js";
import { matchSignIn } from "../../shared/product/sign-in.js";
import { discover, type ProviderMetadata } from "../../shared/auth/oidc.js";
import { SessionStore } from "../../shared/store/sessions.js";
import { completeDevLogin, DEV_PEOPLE, DEV_TENANT_ID, startDevOidc, type DevOidc } from "../../local/host/dev-oidc.js";
import { startEmbeddedStore, type EmbeddedStore } from "../helpers/store.js";

const BASE = "http://localhost:7071";
let dev: DevOidc;
let db: EmbeddedStore;
let metadata: ProviderMetadata;
let store: SessionStore;

beforeAll(async () => {
  [dev, db] = await Promise.all([
    startDevOidc({ port: 0, redirectUris: [`${BASE}/auth/callback`] }),
    startEmbeddedStore(),
  ]);
  metadata = await discover(dev.issuer);
  store = new SessionStore(db.cosmos.database.container("sessions"));
});
afterAll(async () => {
  await Promise.all([dev?.close(), db?.close()]);
});

const context = (now = new Date()): LoginContext => ({
  config: { clientId: dev.clientId, publicBaseUrl: BASE, clientAuth: { kind: "secret", secret: dev.clientSecret } },
  metadata,
  issuerRule: metadata.issuer,
  jwks: new JwksCache(metadata.jwksUri),
  store,
  now,
});

/** The `name=value` of a Set-Cookie line, as the browser sends it back. */
const cookieOf = (setCookie: string) => setCookie.split(";")[0]!;

describe("development OpenID provider", () => {
  it("publishes a discovery document with its own issuer and RS256 keys", async () => {
    expect(metadata.issuer).toBe(dev.issuer);
    const jwks = (await (await fetch(metadata.jwksUri)).json()) as { keys: { kty: string; alg: string; d?: string }[] };
    expect(jwks.keys.map((k) => [k.kty, k.alg, k.d])).toEqual([["RSA", "RS256", undefined]]);
  });

  it.each(DEV_PEOPLE.map((p) => [p.preferredUsername, p] as const))(
    "runs a full code flow with PKCE for %s and yields a token the validator accepts",
    async (_name, person) => {
      const ctx = context();
      const started = await startLogin(ctx, { returnTo: "/portal/users" });
      const authorize = new URL(started.location);
      expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
      const callback = new URL(await completeDevLogin(started.location, person));
      expect(callback.origin + callback.pathname).toBe(`${BASE}/auth/callback`);
      expect(callback.searchParams.get("state")).toBe(authorize.searchParams.get("state"));
      const finished = await finishLogin(ctx, {
        query: callback.searchParams,
        cookieHeader: cookieOf(started.setCookie),
      });
      expect(finished.claims).toEqual({
        tid: person.tid,
        oid: person.oid,
        preferredUsername: person.preferredUsername,
        name: person.name,
        iss: dev.issuer,
        sub: `${person.tid}.${person.oid}`,
      });
      expect(finished.returnTo).toBe("/portal/users");
    },
  );

  it("accepts a person typed in (any GUIDs)", async () => {
    const ctx = context();
    const started = await startLogin(ctx, {});
    const person = {
      tid: DEV_TENANT_ID,
      oid: "5a5a5a5a-5a5a-4a5a-8a5a-5a5a5a5a5a5a",
      preferredUsername: "new.person@contoso.dev",
      name: "New <Person>",
    };
    const callback = new URL(await completeDevLogin(started.location, person));
    const finished = await finishLogin(ctx, {
      query: callback.searchParams,
      cookieHeader: cookieOf(started.setCookie),
    });
    expect(finished.claims.oid).toBe(person.oid);
    expect(finished.claims.name).toBe("New <Person>");
  });

  it("refuses the same callback twice (single-use state) and a code without its verifier", async () => {
    const ctx = context();
    const started = await startLogin(ctx, {});
    const callback = new URL(await completeDevLogin(started.location));
    await finishLogin(ctx, { query: callback.searchParams, cookieHeader: cookieOf(started.setCookie) });
    await expect(
      finishLogin(ctx, { query: callback.searchParams, cookieHeader: cookieOf(started.setCookie) }),
    ).rejects.toMatchObject({
      code: "login_expired",
    });
  });

  it("refuses a callback in a browser that did not start the login (no login CSRF)", async () => {
    const ctx = context();
    const attacker = await startLogin(ctx, {});
    const victim = await startLogin(ctx, {});
    const callback = new URL(await completeDevLogin(attacker.location));
    const error = await finishLogin(ctx, {
      query: callback.searchParams,
      cookieHeader: cookieOf(victim.setCookie),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInError);
    expect(error).toMatchObject({ code: "login_other_browser" });
  });

  it("refuses the token when the provider's issuer is not the expected one", async () => {
    const ctx = { ...context(), issuerRule: "https://login.microsoftonline.com/{tid}/v2.0" };
    const started = await startLogin(ctx, {});
    const callback = new URL(await completeDevLogin(started.location));
    await expect(
      finishLogin(ctx, { query: callback.searchParams, cookieHeader: cookieOf(started.setCookie) }),
    ).rejects.toMatchObject({
      code: "id_token_issuer",
    });
  });

  it("serves its sign-in page without inline script, listing the people", async () => {
    const started = await startLogin(context(), {});
    const first = await fetch(started.location, { redirect: "manual" });
    const location = new URL(first.headers.get("location")!, dev.issuer).toString();
    const cookies = first.headers.getSetCookie().map(cookieOf).join("; ");
    const page = await fetch(location, { headers: { cookie: cookies } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toBe(
      `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self' ${BASE} ${BASE.replace("localhost", "127.0.0.1")} ${BASE.replace("localhost", "[::1]")}`,
    );
    expect(html).not.toMatch(/<script|\son\w+=/i);
    for (const p of DEV_PEOPLE) expect(html).toContain(p.preferredUsername);
  });

  it("bootstraps the first Admin through an invite: login, match, claim, session", async () => {
    const ctx = context();
    const [ann] = DEV_PEOPLE;
    const invite = newInvite("t-contoso", ann!.preferredUsername.toUpperCase(), ctx.now);
    await store.createInvite(invite.doc);
    const started = await startLogin(ctx, { invite: invite.code, returnTo: "/portal/integrations" });
    const callback = new URL(await completeDevLogin(started.location, ann));
    const finished = await finishLogin(ctx, {
      query: callback.searchParams,
      cookieHeader: cookieOf(started.setCookie),
    });
    const stored = (await store.readInvite(finished.inviteId!))!;
    const outcome = matchSignIn({
      via: "invite",
      claims: finished.claims,
      invite: {
        id: stored.id,
        tenantId: stored.tenantId,
        userName: stored.userName,
        expiresAt: stored.expiresAt,
        usedAt: stored.usedAt ?? null,
      },
      tenant: { id: "t-contoso", name: "Contoso", entraTenantId: null, loginTypes: ["entra"] },
      otherTenantForTid: null,
      usersWithObjectId: [],
      userWithUserName: null,
      now: ctx.now,
    });
    expect(outcome).toMatchObject({
      kind: "signed-in",
      bootstrap: {
        claimInviteId: invite.doc.id,
        linkTenantToTid: DEV_TENANT_ID,
        createUser: { userName: ann!.preferredUsername, objectId: ann!.oid },
      },
    });
    expect(await store.claimInvite(invite.doc.id, ctx.now.toISOString(), finished.claims.oid)).toBe(true);
    expect(await store.claimInvite(invite.doc.id, ctx.now.toISOString(), finished.claims.oid)).toBe(false);
    const { setCookie } = await createSession(store, { tenantId: "t-contoso", userId: "u-new" }, ctx.now, BASE);
    expect(setCookie).toMatch(/^scimf_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/);
    expect(await resolveSession(store, cookieOf(setCookie), ctx.now, BASE)).toMatchObject({
      tenantId: "t-contoso",
      userId: "u-new",
    });
    expect(finished.returnTo).toBe("/portal/integrations");
  });
});

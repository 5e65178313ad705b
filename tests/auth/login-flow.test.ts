import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JwksCache, SignInError } from "../../shared/auth/id-token.js";
import {
  finishLogin,
  inviteIdOf,
  newInvite,
  signInErrorPage,
  startLogin,
  type LoginContext,
} from "../../shared/auth/login-flow.js";
import {
  deriveLoginSecrets,
  exchangeCode,
  JWT_BEARER_ASSERTION_TYPE,
  type ClientAuth,
  type ProviderMetadata,
} from "../../shared/auth/oidc.js";
import { sha256Hex } from "../../shared/auth/secrets.js";
import { SessionStore } from "../../shared/store/sessions.js";
import { startEmbeddedStore, type EmbeddedStore } from "../helpers/store.js";

const BASE = "https://contoso-scim.azurewebsites.net";
const T0 = new Date("2026-12-01T08:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

let db: EmbeddedStore;
let store: SessionStore;
let tokenServer: Server;
let lastTokenRequest: URLSearchParams;
let tokenAnswer: { status: number; body: unknown } = { status: 200, body: { id_token: "x.y.z" } };
let metadata: ProviderMetadata;

beforeAll(async () => {
  db = await startEmbeddedStore();
  store = new SessionStore(db.cosmos.database.container("sessions"));
  tokenServer = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      lastTokenRequest = new URLSearchParams(body);
      res.writeHead(tokenAnswer.status, { "content-type": "application/json" }).end(JSON.stringify(tokenAnswer.body));
    });
  });
  await new Promise<void>((r) => tokenServer.listen(0, "127.0.0.1", () => r()));
  const origin = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}`;
  metadata = {
    issuer: "https://login.microsoftonline.com/{tenantid}/v2.0",
    authorizationEndpoint: "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize",
    tokenEndpoint: `${origin}/token`,
    jwksUri: `${origin}/keys`,
  };
});
afterAll(async () => {
  await db?.close();
  await new Promise<void>((r) => tokenServer.close(() => r()));
});

const context = (
  now: Date,
  clientAuth: ClientAuth = { kind: "secret", secret: "the-client-secret-value" },
): LoginContext => ({
  config: { clientId: "app-client-id", publicBaseUrl: BASE, clientAuth },
  metadata,
  issuerRule: "https://login.microsoftonline.com/{tid}/v2.0",
  jwks: new JwksCache(metadata.jwksUri),
  store,
  prompt: "select_account",
  now,
});

const raw = (id: string) =>
  db.cosmos.database
    .container("sessions")
    .item(id, id)
    .read()
    .then((r) => r.resource as Record<string, unknown> | undefined);
const bindingOf = (setCookie: string) => setCookie.split(";")[0]!.split("=")[1]!;

describe("startLogin", () => {
  it("redirects to the authorize endpoint with PKCE S256, state, nonce and the callback URL", async () => {
    const { location, setCookie } = await startLogin(context(T0), { returnTo: "/portal/users" });
    const url = new URL(location);
    const p = Object.fromEntries(url.searchParams);
    const secrets = deriveLoginSecrets(p["state"]!, bindingOf(setCookie));
    expect(url.origin + url.pathname).toBe(metadata.authorizationEndpoint);
    expect(p).toEqual({
      client_id: "app-client-id",
      response_type: "code",
      response_mode: "query",
      redirect_uri: `${BASE}/auth/callback`,
      scope: "openid profile",
      state: p["state"],
      nonce: secrets.nonce,
      code_challenge: createHash("sha256").update(secrets.codeVerifier).digest("base64url"),
      code_challenge_method: "S256",
      prompt: "select_account",
    });
    expect(p["state"]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(setCookie).toMatch(
      /^__Host-scimf_login=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600; Secure$/,
    );
  });

  it("stores the pending login under the hash of state, 10 minutes, holding no secret", async () => {
    const { location, setCookie } = await startLogin(context(T0), { returnTo: "//evil.example" });
    const state = new URL(location).searchParams.get("state")!;
    const secrets = deriveLoginSecrets(state, bindingOf(setCookie));
    const doc = await raw(sha256Hex(state));
    expect(doc).toMatchObject({
      kind: "pending-login",
      bindingHash: sha256Hex(secrets.binding),
      returnTo: "/portal/",
      inviteId: null,
      createdAt: T0.toISOString(),
      expiresAt: at(600_000).toISOString(),
      ttl: 600,
    });
    const text = JSON.stringify(doc);
    for (const secret of [state, secrets.binding, secrets.codeVerifier, secrets.nonce])
      expect(text).not.toContain(secret);
  });

  it("never puts the client secret in the authorization URL", async () => {
    const { location } = await startLogin(context(T0), {});
    expect(location).not.toContain("the-client-secret-value");
  });

  it.each<[string, (code: string) => Promise<void>, string]>([
    ["an unknown invite", async () => {}, "invite_unknown"],
    ["a malformed invite", async () => {}, "invite_unknown"],
    ["an expired invite", async () => {}, "invite_expired"],
    [
      "a used invite",
      async (code) => void (await store.claimInvite(inviteIdOf(code)!, T0.toISOString(), "oid")),
      "invite_used",
    ],
  ])("refuses %s before sending anyone to sign in", async (name, prepare, code) => {
    const invite = newInvite("t1", null, name.includes("expired") ? at(-25 * 3600_000) : T0);
    if (!name.includes("unknown")) await store.createInvite(invite.doc);
    await prepare(invite.code);
    const given = name.includes("malformed") ? "not-an-invite" : invite.code;
    const error = await startLogin(context(T0), { invite: given }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInError);
    expect(error).toMatchObject({ code, status: 400 });
    expect((error as Error).message).not.toContain(invite.code);
  });

  it("remembers a valid invite by its hash", async () => {
    const invite = newInvite("t1", null, T0);
    await store.createInvite(invite.doc);
    const { location } = await startLogin(context(at(60_000)), { invite: invite.code });
    const doc = await raw(sha256Hex(new URL(location).searchParams.get("state")!));
    expect(doc!["inviteId"]).toBe(invite.doc.id);
    expect(location).not.toContain(invite.code);
  });
});

describe("finishLogin", () => {
  const callback = (state: string, extra: Record<string, string> = {}) =>
    new URLSearchParams({ code: "the-auth-code", state, ...extra });

  it("refuses a login older than 10 minutes, and it stays used up", async () => {
    const { location, setCookie } = await startLogin(context(T0), {});
    const state = new URL(location).searchParams.get("state")!;
    const late = finishLogin(context(at(600_000)), { query: callback(state), cookieHeader: setCookie.split(";")[0] });
    await expect(late).rejects.toMatchObject({ code: "login_expired" });
    expect(await raw(sha256Hex(state))).toBeUndefined();
  });

  it.each<[string, URLSearchParams, string]>([
    ["an unknown state", callback("never-issued-state"), "login_expired"],
    ["no code", new URLSearchParams({ state: "s" }), "callback_incomplete"],
    ["no state", new URLSearchParams({ code: "c" }), "callback_incomplete"],
    [
      "a provider error",
      new URLSearchParams({ error: "access_denied", error_description: "<b>the user said no</b>", state: "s" }),
      "provider_refused",
    ],
  ])("refuses %s", async (_case, query, code) => {
    const error = (await finishLogin(context(T0), { query, cookieHeader: undefined }).catch(
      (e: unknown) => e,
    )) as SignInError;
    expect(error).toMatchObject({ code, status: 400 });
    expect(error.message).not.toContain("<b>");
  });

  it("refuses the callback without the login cookie of the browser that started it", async () => {
    const { location } = await startLogin(context(T0), {});
    const state = new URL(location).searchParams.get("state")!;
    await expect(
      finishLogin(context(T0), {
        query: callback(state),
        cookieHeader: "__Host-scimf_login=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      }),
    ).rejects.toMatchObject({ code: "login_other_browser" });
  });

  it("refuses a callback from another browser without using up the pending login, which the browser that started it then finishes", async () => {
    const { location, setCookie } = await startLogin(context(T0), {});
    const state = new URL(location).searchParams.get("state")!;
    const wrongCookie = "__Host-scimf_login=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    await expect(finishLogin(context(T0), { query: callback(state), cookieHeader: wrongCookie })).rejects.toMatchObject(
      { code: "login_other_browser" },
    );
    await expect(finishLogin(context(T0), { query: callback(state), cookieHeader: undefined })).rejects.toMatchObject({
      code: "login_other_browser",
    });
    expect(await raw(sha256Hex(state))).toMatchObject({ kind: "pending-login" });

    tokenAnswer = { status: 400, body: { error: "invalid_grant" } };
    lastTokenRequest = new URLSearchParams();
    const right = finishLogin(context(at(60_000)), { query: callback(state), cookieHeader: setCookie.split(";")[0] });
    await expect(right).rejects.toMatchObject({ code: "token_exchange_failed" });
    expect(lastTokenRequest.get("code_verifier")).toBe(deriveLoginSecrets(state, bindingOf(setCookie)).codeVerifier);
    expect(await raw(sha256Hex(state))).toBeUndefined();
    const replay = finishLogin(context(at(60_000)), { query: callback(state), cookieHeader: setCookie.split(";")[0] });
    await expect(replay).rejects.toMatchObject({ code: "login_expired" });
  });

  it("explains each failure on a page with what to do", () => {
    expect(signInErrorPage(new SignInError("login_expired", "This sign-in was already completed."))).toEqual({
      code: "login_expired",
      title: "Sign-in did not complete",
      why: "This sign-in was already completed.",
      whatToDo: "Start the sign-in again from the same browser, and finish it within 10 minutes.",
    });
    expect(signInErrorPage(new SignInError("invite_used", "used")).title).toBe("This invite link cannot be used");
    expect(signInErrorPage(new SignInError("jwks_unavailable", "down", 502)).title).toBe(
      "Sign-in is not available right now",
    );
  });
});

describe("exchangeCode", () => {
  const exchange = (clientAuth: ClientAuth) =>
    exchangeCode({
      metadata,
      config: { clientId: "app-client-id", publicBaseUrl: BASE, clientAuth },
      code: "the-auth-code",
      codeVerifier: "the-verifier",
    });

  it.each<[string, ClientAuth, Record<string, string>]>([
    ["a client secret", { kind: "secret", secret: "s3cret" }, { client_secret: "s3cret" }],
    [
      "a federated assertion (managed identity)",
      { kind: "assertion", getAssertion: async () => "mi-token" },
      { client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: "mi-token" },
    ],
    ["no client authentication (public client, PKCE)", { kind: "none" }, {}],
  ])("redeems the code with %s", async (_case, clientAuth, auth) => {
    tokenAnswer = { status: 200, body: { id_token: "a.b.c", access_token: "ignored" } };
    await expect(exchange(clientAuth)).resolves.toBe("a.b.c");
    expect(Object.fromEntries(lastTokenRequest)).toEqual({
      grant_type: "authorization_code",
      client_id: "app-client-id",
      code: "the-auth-code",
      redirect_uri: `${BASE}/auth/callback`,
      code_verifier: "the-verifier",
      ...auth,
    });
  });

  it("reports the provider's error code only, never the code or the secret", async () => {
    tokenAnswer = {
      status: 400,
      body: { error: "invalid_grant", error_description: "AADSTS70008: the-auth-code expired" },
    };
    const error = (await exchange({ kind: "secret", secret: "s3cret" }).catch((e: unknown) => e)) as SignInError;
    expect(error).toMatchObject({
      code: "token_exchange_failed",
      status: 502,
      message: "The identity provider refused to complete the sign-in (invalid_grant, HTTP 400).",
    });
  });

  it("refuses an answer without an ID token", async () => {
    tokenAnswer = { status: 200, body: { access_token: "x" } };
    await expect(exchange({ kind: "none" })).rejects.toMatchObject({ code: "token_exchange_failed" });
  });
});

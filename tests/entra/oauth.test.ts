import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { runAdmin } from "../../local/cli/admin.js";
import { DEV_WORKLOAD_ID } from "../../local/host/dev-workload.js";
import { TOKEN_LIMITS } from "../../shared/http/oauth.js";
import { FAILED_AUTH_LIMIT } from "../../shared/http/scim.js";
import { devToken, startTestHost } from "../helpers/host.js";

/**
 * OAuth 2.0 for Entra provisioning, over HTTP against the local host as Entra and Microsoft's
 * gallery validation use it: client credentials (header, body, both), workload identity federation
 * with the development provider's assertions, rotation, revocation within 5 seconds, and every
 * refusal as an RFC 6749 §5.2 error that the provisioning log records without the secret.
 */

let host: RunningHost;
let tenantId: string;
/** The development provider signs with the real time, so the host's clock starts at it and moves only forward. */
let clock = new Date();
const tick = (ms: number) => (clock = new Date(clock.getTime() + ms));

/** Every body and header this file received, checked at the end for secrets. */
const seen: string[] = [];
const secrets: string[] = [];

beforeAll(async () => {
  ({ host } = await startTestHost({ now: () => clock }));
  tenantId = host.defaultTenant!.id;
});
afterAll(async () => host?.close());

async function admin(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin([...argv, "--json"], {
    services: host.services,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  seen.push(...err);
  return { code, err: err.join("\n"), json: () => JSON.parse(out.join("\n")) };
}

async function newClient(name: string, ...extra: string[]) {
  const res = await admin(
    "oauth",
    "client",
    "create",
    "--tenant",
    tenantId,
    "--name",
    name,
    "--base-url",
    host.url,
    ...extra,
  );
  expect(res.err).toBe("");
  const data = res.json() as {
    clientId: string;
    clientSecret: string;
    tokenEndpoint: string;
    scope: string;
    expiresAt: string;
    tenantUrl: string;
  };
  secrets.push(data.clientSecret);
  return data;
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

async function tokenRequest(
  form: Record<string, string> | string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const res = await fetch(`${host.url}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: typeof form === "string" ? form : new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  seen.push(text, [...res.headers].join("\n"));
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: the assertion below says so */
  }
  return { status: res.status, headers: res.headers, body };
}

async function tokenFor(clientId: string, clientSecret: string): Promise<string> {
  const res = await tokenRequest(
    { grant_type: "client_credentials", scope: "scim" },
    { Authorization: basic(clientId, clientSecret) },
  );
  expect(res.status).toBe(200);
  secrets.push(res.body.access_token);
  return res.body.access_token as string;
}

async function scim(token: string, path = "/Users?startIndex=1&count=1"): Promise<Reply> {
  const res = await fetch(`${host.tenantUrl}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  const text = await res.text();
  seen.push(text);
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

async function devAssertion(clientId: string, query: Record<string, string> = {}): Promise<string> {
  const oidc = host.devOidc!.issuer;
  const res = await fetch(
    `${oidc}/workload-token?${new URLSearchParams({ sub: DEV_WORKLOAD_ID, aud: `api://${clientId}`, ...query })}`,
  );
  const { assertion } = (await res.json()) as { assertion: string };
  secrets.push(assertion);
  return assertion;
}

const assertionForm = (clientId: string, assertion: string) => ({
  grant_type: "client_credentials",
  client_id: clientId,
  client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
  client_assertion: assertion,
  baseAddress: host.tenantUrl,
});

async function lastLogEvent(clientId: string) {
  const page = await host.services.auditLog.list(tenantId, {
    resourceId: clientId,
    limit: 1,
    page: 1,
    now: clock,
    retentionDays: 30,
  });
  return page.events[0];
}

describe("client credentials (Microsoft's Validate_Credentials)", () => {
  it("issues a Bearer token for 60 minutes with Cache-Control: no-store, which GET /Users?startIndex=1&count=1 accepts", async () => {
    const c = await newClient("entra-provisioning");
    expect(c).toMatchObject({ tokenEndpoint: `${host.url}/oauth2/token`, scope: "scim", tenantUrl: host.tenantUrl });
    expect(c.clientSecret).toMatch(/^scimf_cs_/);
    const res = await tokenRequest(
      { grant_type: "client_credentials", scope: c.scope },
      { Authorization: basic(c.clientId, c.clientSecret) },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.body).toStrictEqual({
      access_token: expect.stringMatching(/^scimf_at_/),
      token_type: "Bearer",
      expires_in: 3600,
      scope: "scim",
    });
    expect(res.body.expires_in / 60).toBeGreaterThanOrEqual(60);
    expect(res.body.expires_in / 60).toBeLessThanOrEqual(360);
    secrets.push(res.body.access_token);
    const users = await scim(res.body.access_token);
    expect(users.status).toBe(200);
    expect(users.body.schemas).toStrictEqual(["urn:ietf:params:scim:api:messages:2.0:ListResponse"]);
  });

  it("takes the secret in the body (client_secret_post), and in both header and body when they agree", async () => {
    const c = await newClient("post");
    const post = await tokenRequest({
      grant_type: "client_credentials",
      client_id: c.clientId,
      client_secret: c.clientSecret,
    });
    expect(post.status).toBe(200);
    const both = await tokenRequest(
      { grant_type: "client_credentials", client_id: c.clientId, client_secret: c.clientSecret },
      { Authorization: basic(c.clientId, c.clientSecret) },
    );
    expect(both.status).toBe(200);
    secrets.push(post.body.access_token, both.body.access_token);
  });

  it("gives the access token the client's lifetime (60 to 360 minutes), and refuses other lifetimes", async () => {
    const c = await newClient("long", "--lifetime-minutes", "360");
    const res = await tokenRequest(
      { grant_type: "client_credentials" },
      { Authorization: basic(c.clientId, c.clientSecret) },
    );
    expect(res.body.expires_in).toBe(21_600);
    secrets.push(res.body.access_token);
    const bad = await admin(
      "oauth",
      "client",
      "create",
      "--tenant",
      tenantId,
      "--name",
      "short",
      "--lifetime-minutes",
      "30",
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("from 60 to 360");
  });

  it("names the client in the provisioning log of a SCIM write, and logs the token it issued", async () => {
    const c = await newClient("writer");
    const token = await tokenFor(c.clientId, c.clientSecret);
    expect(await lastLogEvent(c.clientId)).toMatchObject({
      operation: "oauth-token",
      status: 200,
      tokenName: "writer",
      tokenId: c.clientId,
    });
    const res = await fetch(`${host.tenantUrl}/Users`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" },
      body: JSON.stringify({
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
        userName: "oauth.writer@contoso.com",
        active: true,
      }),
    });
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { id: string }).id;
    const page = await host.services.auditLog.list(tenantId, {
      resourceId: id,
      limit: 1,
      page: 1,
      now: clock,
      retentionDays: 30,
    });
    expect(page.events[0]).toMatchObject({
      operation: "create",
      tokenName: "writer",
      tokenId: c.clientId,
      status: 201,
    });
  });
});

describe("refusals: each an RFC 6749 error an admin can act on, logged, with nothing stored", () => {
  let c: Awaited<ReturnType<typeof newClient>>;
  beforeAll(async () => {
    c = await newClient("refusals");
  });

  it.each<[string, () => [Record<string, string> | string, Record<string, string>], number, string, RegExp]>([
    [
      "a wrong secret",
      () => [{ grant_type: "client_credentials" }, { Authorization: basic(c.clientId, "scimf_cs_wrong") }],
      401,
      "invalid_client",
      /secret is wrong/,
    ],
    [
      "an unknown client",
      () => [
        { grant_type: "client_credentials", client_id: "0b7d4d7e-0000-4000-8000-000000000000", client_secret: "x" },
        {},
      ],
      401,
      "invalid_client",
      /not known here/,
    ],
    [
      "no grant_type",
      () => [{ client_id: c.clientId, client_secret: c.clientSecret }, {}],
      400,
      "invalid_request",
      /grant_type is missing/,
    ],
    [
      "another grant_type",
      () => [{ grant_type: "password", client_id: c.clientId, client_secret: c.clientSecret }, {}],
      400,
      "unsupported_grant_type",
      /only grant_type=client_credentials/,
    ],
    [
      "a scope this service does not grant",
      () => [
        { grant_type: "client_credentials", scope: "scim Directory.ReadWrite.All" },
        { Authorization: basic(c.clientId, c.clientSecret) },
      ],
      400,
      "invalid_scope",
      /set Scope to scim/,
    ],
    [
      "no client authentication",
      () => [{ grant_type: "client_credentials" }, {}],
      401,
      "invalid_client",
      /No client authentication/,
    ],
    [
      "a client_id without a secret",
      () => [{ grant_type: "client_credentials", client_id: c.clientId }, {}],
      401,
      "invalid_client",
      /No client secret/,
    ],
    [
      "header and body naming different clients",
      () => [
        { grant_type: "client_credentials", client_id: "other" },
        { Authorization: basic(c.clientId, c.clientSecret) },
      ],
      400,
      "invalid_request",
      /differs/,
    ],
    [
      "a secret and an assertion at once",
      () => [{ ...assertionForm(c.clientId, "x.y.z"), client_secret: c.clientSecret }, {}],
      400,
      "invalid_request",
      /not both/,
    ],
    [
      "a parameter sent twice",
      () => [
        "grant_type=client_credentials&grant_type=client_credentials",
        { Authorization: basic(c.clientId, c.clientSecret) },
      ],
      400,
      "invalid_request",
      /more than once/,
    ],
    [
      "a JSON body",
      () => [
        JSON.stringify({ grant_type: "client_credentials" }),
        { "Content-Type": "application/json", Authorization: basic(c.clientId, c.clientSecret) },
      ],
      400,
      "invalid_request",
      /x-www-form-urlencoded/,
    ],
    [
      "a 1 MB form body",
      () => [
        `grant_type=client_credentials&pad=${"a".repeat(1024 * 1024)}`,
        { Authorization: basic(c.clientId, c.clientSecret) },
      ],
      413,
      "invalid_request",
      /larger than 16384 bytes/,
    ],
    [
      "a malformed Basic header",
      () => [{ grant_type: "client_credentials" }, { Authorization: "Basic !!!" }],
      401,
      "invalid_client",
      /not valid HTTP Basic/,
    ],
  ])("refuses %s", async (_name, make, status, error, description) => {
    const [form, headers] = make();
    const res = await tokenRequest(form, headers);
    expect(res.status).toBe(status);
    expect(res.body).toStrictEqual({ error, error_description: expect.stringMatching(description) });
    expect(res.headers.get("cache-control")).toBe("no-store");
    if (status === 401) expect(res.headers.get("www-authenticate")).toMatch(/realm="scim-functions"/);
  });

  it.each(["GET", "PUT", "DELETE"])("answers %s with 405, Allow: POST and an RFC 6749 error", async (method) => {
    const res = await fetch(`${host.url}/oauth2/token`, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(await res.json()).toStrictEqual({
      error: "invalid_request",
      error_description: expect.stringMatching(/takes POST/),
    });
  });

  it("never repeats a client secret pasted into Scope or Client ID, in the answer or the log", async () => {
    const asScope = await tokenRequest(
      { grant_type: "client_credentials", scope: c.clientSecret },
      { Authorization: basic(c.clientId, c.clientSecret) },
    );
    expect(asScope.body).toStrictEqual({
      error: "invalid_scope",
      error_description: expect.stringMatching(/looks like a client secret or token of this service/),
    });
    const asId = await tokenRequest({
      grant_type: "client_credentials",
      client_id: c.clientSecret,
      client_secret: c.clientSecret,
    });
    expect(asId.body.error).toBe("invalid_client");
    expect(JSON.stringify([asScope.body, asId.body])).not.toContain(c.clientSecret);
    expect(JSON.stringify(await lastLogEvent(c.clientId))).not.toContain(c.clientSecret);
  });

  it("records a refusal for a known client in its tenant's log, without the secret", async () => {
    await tokenRequest(
      { grant_type: "client_credentials" },
      { Authorization: basic(c.clientId, "scimf_cs_wrong-guess") },
    );
    const event = await lastLogEvent(c.clientId);
    expect(event).toMatchObject({
      operation: "oauth-token",
      status: 401,
      resourceType: "OAuthClient",
      tokenName: "refusals",
    });
    expect(event!.detail).toMatch(/^invalid_client: The client secret is wrong/);
    expect(JSON.stringify(event)).not.toContain("wrong-guess");
  });

  it("refuses a Secret Token chosen to look like an access token or client secret", async () => {
    for (const prefix of ["scimf_at_", "scimf_cs_"]) {
      await expect(
        devToken(host.services, tenantId, "lookalike", clock, { secret: `${prefix}${"x".repeat(40)}` }),
      ).rejects.toMatchObject({
        status: 400,
        detail: expect.stringMatching(/must not start with "scimf_at_" or "scimf_cs_"/),
      });
    }
  });

  it("tells an admin who pasted a client secret as a Secret Token what to change", async () => {
    const res = await scim(c.clientSecret);
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/OAuth client secret, not a bearer token/);
  });
});

describe("rotation and revocation", () => {
  it("keeps two secrets active at once, and a revoked secret's access tokens stop within 5 seconds while the other's go on", async () => {
    const c = await newClient("rotating");
    const added = await admin("oauth", "secret", "add", "--tenant", tenantId, "--client", c.clientId);
    const second = added.json() as { secretId: string; clientSecret: string };
    secrets.push(second.clientSecret);
    const oldToken = await tokenFor(c.clientId, c.clientSecret);
    const newToken = await tokenFor(c.clientId, second.clientSecret);
    expect((await scim(oldToken)).status).toBe(200);
    expect((await scim(newToken)).status).toBe(200);
    const listed = (await admin("oauth", "client", "list", "--tenant", tenantId)).json() as {
      clientId: string;
      secrets: { id: string; lastUsedAt: string | null }[];
    }[];
    const mine = listed.find((l) => l.clientId === c.clientId)!;
    expect(mine.secrets.map((s) => s.lastUsedAt)).toStrictEqual([clock.toISOString(), clock.toISOString()]);
    const firstId = mine.secrets[0]!.id;
    // Revoked through a separate store client (another instance): this host's cache learns within 5 s.
    const doc = await host.services.oauth.loadClient(tenantId, c.clientId);
    await host.services.oauth.writeClient(
      { ...doc, secrets: doc.secrets.map((s) => (s.id === firstId ? { ...s, revokedAt: clock.toISOString() } : s)) },
      doc,
    );
    tick(5001);
    const refused = await scim(oldToken);
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(
      /client secret or federated credential this access token came from was revoked/,
    );
    expect((await scim(newToken)).status).toBe(200);
    const again = await tokenRequest(
      { grant_type: "client_credentials" },
      { Authorization: basic(c.clientId, c.clientSecret) },
    );
    expect(again.body.error_description).toMatch(/secret was revoked/);
  });

  it("ends every access token of a revoked client at once on the instance that revoked it", async () => {
    const c = await newClient("doomed");
    const token = await tokenFor(c.clientId, c.clientSecret);
    expect((await scim(token)).status).toBe(200);
    expect((await admin("oauth", "client", "revoke", "--tenant", tenantId, "--client", c.clientId)).code).toBe(0);
    const res = await scim(token);
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/OAuth client 'doomed' was revoked/);
  });

  it("binds the access token to this Tenant URL", async () => {
    const c = await newClient("bound");
    const token = await tokenFor(c.clientId, c.clientSecret);
    const res = await fetch(`${host.url.replace("localhost", "127.0.0.1")}/scim/v2/Users?count=1`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/is for the Tenant URL http:\/\/localhost/);
  });
});

describe("workload identity federation (Microsoft's Federated_Identity)", () => {
  let c: Awaited<ReturnType<typeof newClient>>;
  beforeAll(async () => {
    c = await newClient("federated");
    const added = await admin(
      "oauth",
      "federation",
      "add",
      "--tenant",
      tenantId,
      "--client",
      c.clientId,
      "--issuer",
      host.devOidc!.issuer,
      "--subject",
      DEV_WORKLOAD_ID,
    );
    expect(added.err).toBe("");
    expect(added.json().credential).toMatchObject({
      issuer: host.devOidc!.issuer,
      subject: DEV_WORKLOAD_ID,
      audiences: [`api://${c.clientId}`, c.clientId],
    });
  });

  it("exchanges the workload identity's token (client assertion) for an access token that SCIM accepts", async () => {
    const res = await tokenRequest(assertionForm(c.clientId, await devAssertion(c.clientId)));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: "Bearer", expires_in: 3600, scope: "scim" });
    secrets.push(res.body.access_token);
    expect((await scim(res.body.access_token)).status).toBe(200);
    expect(await lastLogEvent(c.clientId)).toMatchObject({
      operation: "oauth-token",
      status: 200,
      detail: expect.stringMatching(/workload identity federation/),
    });
  });

  it("accepts the bare client ID as audience too", async () => {
    const res = await tokenRequest(assertionForm(c.clientId, await devAssertion(c.clientId, { aud: c.clientId })));
    expect(res.status).toBe(200);
    secrets.push(res.body.access_token);
  });

  it("refuses a replayed jti, and lets an assertion without jti (Entra's uti form) be presented again until it expires", async () => {
    const once = await devAssertion(c.clientId);
    expect((await tokenRequest(assertionForm(c.clientId, once))).status).toBe(200);
    const replay = await tokenRequest(assertionForm(c.clientId, once));
    expect(replay.body).toStrictEqual({
      error: "invalid_grant",
      error_description: expect.stringMatching(/already used/),
    });
    const short = await devAssertion(c.clientId, { lifetime: "1" });
    expect((await tokenRequest(assertionForm(c.clientId, short))).status).toBe(200);
    tick(3000);
    // Past exp but inside the 60 s skew the assertion is still accepted, and its jti still spent.
    expect((await tokenRequest(assertionForm(c.clientId, short))).body.error).toBe("invalid_grant");
    const reusable = await devAssertion(c.clientId, { jti: "none" });
    expect((await tokenRequest(assertionForm(c.clientId, reusable))).status).toBe(200);
    expect((await tokenRequest(assertionForm(c.clientId, reusable))).status).toBe(200);
  });

  it.each<[string, () => Promise<Record<string, string>>, RegExp]>([
    [
      "another subject",
      async () =>
        assertionForm(c.clientId, await devAssertion(c.clientId, { sub: "6b6b6b6b-0000-4000-8000-000000000000" })),
      /No federated credential/,
    ],
    [
      "another audience",
      async () => assertionForm(c.clientId, await devAssertion(c.clientId, { aud: "api://someone-else" })),
      /audience \(aud\)/,
    ],
    [
      "an expired assertion",
      async () => assertionForm(c.clientId, await devAssertion(c.clientId, { lifetime: "1" })),
      /expired/,
    ],
    [
      "a tampered signature",
      async () => assertionForm(c.clientId, (await devAssertion(c.clientId)).replace(/.{4}$/, "AAAA")),
      /signature does not verify/,
    ],
    [
      "alg none",
      async () => assertionForm(c.clientId, unsigned(host.devOidc!.issuer, c.clientId)),
      /signing algorithm is not allowed|could not be verified/,
    ],
    ["not a JWT", async () => assertionForm(c.clientId, "not-a-jwt"), /not a well-formed JWT/],
    [
      "a foreign issuer",
      async () => assertionForm(c.clientId, unsigned("https://evil.example.com", c.clientId)),
      /is not trusted/,
    ],
    [
      "a wrong assertion type",
      async () => ({ ...assertionForm(c.clientId, await devAssertion(c.clientId)), client_assertion_type: "urn:x" }),
      /client_assertion_type must be/,
    ],
  ])("refuses %s", async (name, make, description) => {
    if (name === "an expired assertion") {
      const form = await make();
      tick(62_000);
      const res = await tokenRequest(form);
      expect(res.body).toStrictEqual({
        error: expect.stringMatching(/invalid_client/),
        error_description: expect.stringMatching(description),
      });
      return;
    }
    const res = await tokenRequest(await make());
    expect([400, 401]).toContain(res.status);
    expect(res.body.error_description).toMatch(description);
  });

  it("ends the access tokens of a removed federated credential", async () => {
    const d = await newClient("federated-removed");
    const added = await admin(
      "oauth",
      "federation",
      "add",
      "--tenant",
      tenantId,
      "--client",
      d.clientId,
      "--issuer",
      host.devOidc!.issuer,
      "--subject",
      DEV_WORKLOAD_ID,
    );
    const credentialId = added.json().credential.id as string;
    const res = await tokenRequest(assertionForm(d.clientId, await devAssertion(d.clientId)));
    secrets.push(res.body.access_token);
    expect((await scim(res.body.access_token)).status).toBe(200);
    expect(
      (
        await admin(
          "oauth",
          "federation",
          "remove",
          "--tenant",
          tenantId,
          "--client",
          d.clientId,
          "--credential",
          credentialId,
        )
      ).code,
    ).toBe(0);
    expect((await scim(res.body.access_token)).status).toBe(401);
  });

  it("refuses a federated credential for an issuer other than Entra's (or the local provider)", async () => {
    const res = await admin(
      "oauth",
      "federation",
      "add",
      "--tenant",
      tenantId,
      "--client",
      c.clientId,
      "--issuer",
      "https://accounts.google.com",
      "--subject",
      "x",
    );
    expect(res.code).toBe(2);
    expect(res.err).toContain("the issuer must be Microsoft Entra ID's");
  });
});

describe("rate limits", () => {
  it("answers 429 with Retry-After to a client that asks for tokens too often", async () => {
    const c = await newClient("hasty");
    let last: Reply | undefined;
    for (let i = 0; i <= TOKEN_LIMITS.perClient.capacity; i++) {
      last = await tokenRequest(
        { grant_type: "client_credentials" },
        { Authorization: basic(c.clientId, c.clientSecret), "X-Forwarded-For": `198.51.100.${i}` },
      );
      if (last.status === 200) secrets.push(last.body.access_token);
    }
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(last!.body.error).toBe("temporarily_unavailable");
  });

  it("answers 429 to an address whose client authentications keep failing, and still serves a valid client from it", async () => {
    const c = await newClient("shared-address");
    let last: Reply | undefined;
    for (let i = 0; i <= TOKEN_LIMITS.failuresPerIp.capacity; i++)
      last = await tokenRequest(
        { grant_type: "client_credentials" },
        { Authorization: basic(c.clientId, "scimf_cs_bad"), "X-Forwarded-For": "198.51.100.250" },
      );
    expect(last!.status).toBe(429);
    expect(last!.body).toStrictEqual({
      error: "temporarily_unavailable",
      error_description: expect.stringMatching(/failed client authentications from this address/),
    });
    const real = await tokenRequest(
      { grant_type: "client_credentials" },
      { Authorization: basic(c.clientId, c.clientSecret), "X-Forwarded-For": "198.51.100.250" },
    );
    expect(real.status).toBe(200);
    secrets.push(real.body.access_token);
  });

  it("does not let someone who only knows a client ID use up that client's token budget", async () => {
    const c = await newClient("targeted");
    for (let i = 0; i <= TOKEN_LIMITS.perClient.capacity; i++) {
      const res = await tokenRequest(
        { grant_type: "client_credentials" },
        { Authorization: basic(c.clientId, "scimf_cs_guess"), "X-Forwarded-For": `198.51.100.${100 + i}` },
      );
      expect(res.status).toBe(401);
    }
    const real = await tokenRequest(
      { grant_type: "client_credentials" },
      { Authorization: basic(c.clientId, c.clientSecret), "X-Forwarded-For": "192.0.2.10" },
    );
    expect(real.status).toBe(200);
    secrets.push(real.body.access_token);
  });

  it.each([
    ["a Secret Token", "scimf_unknown_secret_token_0123456789abcdefghijklmnop"],
    ["an access token", "scimf_at_unknown_access_token_0123456789abcdefghijklmnop"],
  ])("reads the store once per 5 seconds for %s it does not know, however often it is sent", async (_name, bad) => {
    const send = () =>
      fetch(`${host.tenantUrl}/Users?count=1`, {
        headers: { Authorization: `Bearer ${bad}`, "X-Forwarded-For": "192.0.2.50" },
      });
    expect((await send()).status).toBe(401);
    const before = host.storeRequests();
    for (let i = 0; i < 5; i++) expect((await send()).status).toBe(401);
    expect(host.storeRequests() - before).toBe(0);
    tick(5001);
    expect((await send()).status).toBe(401);
    expect(host.storeRequests() - before).toBeGreaterThan(0);
  });

  it("answers 429 to an address that keeps sending unknown SCIM tokens, and only to that address", async () => {
    const bad = "scimf_nonexistent_token_0123456789abcdef0123456789";
    const send = (ip: string) =>
      fetch(`${host.tenantUrl}/Users?count=1`, { headers: { Authorization: `Bearer ${bad}`, "X-Forwarded-For": ip } });
    const statuses: number[] = [];
    for (let i = 0; i <= FAILED_AUTH_LIMIT.capacity; i++) statuses.push((await send("203.0.113.77")).status);
    expect(statuses.slice(0, FAILED_AUTH_LIMIT.capacity).every((s) => s === 401)).toBe(true);
    const limited = await send("203.0.113.77");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await send("203.0.113.78")).status).toBe(401);
    // Entra's requests for every customer share Microsoft's addresses: a valid token still works from there.
    const valid = await fetch(`${host.tenantUrl}/Users?count=1`, {
      headers: { Authorization: `Bearer ${host.defaultTenant!.token}`, "X-Forwarded-For": "203.0.113.77" },
    });
    expect(valid.status).toBe(200);
  });
});

describe("expiry (the clock only moves forward from here)", () => {
  it("refuses an access token once it has expired", async () => {
    const c = await newClient("expiring");
    const token = await tokenFor(c.clientId, c.clientSecret);
    tick(3600_000 + 1);
    const res = await scim(token);
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/unknown or has expired|expired at/);
  });

  it("refuses an expired secret, and answers invalid_client for a revoked client", async () => {
    const res = await admin(
      "oauth",
      "client",
      "create",
      "--tenant",
      tenantId,
      "--name",
      "short-lived",
      "--secret-years",
      "1",
    );
    const short = res.json() as { clientId: string; clientSecret: string };
    secrets.push(short.clientSecret);
    tick(366 * 24 * 3600_000);
    const expired = await tokenRequest(
      { grant_type: "client_credentials" },
      { Authorization: basic(short.clientId, short.clientSecret) },
    );
    expect(expired.body).toStrictEqual({
      error: "invalid_client",
      error_description: expect.stringMatching(/expired; add a new secret/),
    });
    expect((await admin("oauth", "client", "revoke", "--tenant", tenantId, "--client", short.clientId)).code).toBe(0);
    const revoked = await tokenRequest(
      { grant_type: "client_credentials" },
      { Authorization: basic(short.clientId, short.clientSecret) },
    );
    expect(revoked.body).toStrictEqual({
      error: "invalid_client",
      error_description: expect.stringMatching(/was revoked/),
    });
  });
});

describe("secrets", () => {
  it("never shows a client secret, access token or assertion except where it was issued", () => {
    const everything = seen.join("\n");
    for (const secret of secrets) expect(everything.split(secret).length - 1).toBeLessThanOrEqual(1);
  });
});

/** An unsigned JWT (`alg: none`) with the given issuer. */
function unsigned(iss: string, clientId: string): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(clock.getTime() / 1000);
  return `${b64({ alg: "none", typ: "JWT" })}.${b64({ iss, sub: DEV_WORKLOAD_ID, aud: `api://${clientId}`, tid: "x", iat: now, exp: now + 600 })}.`;
}

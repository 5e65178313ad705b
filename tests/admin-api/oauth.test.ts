import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { BOB, Browser, signIn, startWithAdmin, type Reply } from "../helpers/portal.js";
import { client } from "../helpers/host.js";

/** The Authentication page's API (docs/admin-api.md): OAuth clients, secrets and federated credentials, as an Admin uses them. */

let host: RunningHost;
let admin: Browser;

beforeAll(async () => {
  ({ host, admin } = await startWithAdmin());
});
afterAll(async () => host?.close());

function expectProblem(reply: Reply, status: number, detail: RegExp, field?: string) {
  expect(reply.status).toBe(status);
  expect(reply.headers.get("content-type")).toBe("application/problem+json");
  expect(reply.json.detail).toMatch(detail);
  if (field) expect(reply.json.errors).toEqual([{ field, detail: reply.json.detail }]);
}

async function token(clientId: string, clientSecret: string) {
  const res = await fetch(`${host.url}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }),
  });
  return { status: res.status, body: (await res.json()) as { access_token: string } };
}

describe("/api/admin/oauth", () => {
  it("starts empty, with the values to paste into Entra", async () => {
    const reply = await admin.get("/api/admin/oauth");
    expect(reply.status).toBe(200);
    expect(reply.json).toStrictEqual({
      tenantUrl: `${host.url}/scim/v2`,
      tokenEndpoint: `${host.url}/oauth2/token`,
      scope: "scim",
      clients: [],
    });
  });

  it("creates a client whose secret is shown once, then listed without it", async () => {
    const created = await admin.post("/api/admin/oauth/clients", { name: "entra", accessTokenLifetimeMinutes: 120 });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      client: {
        name: "entra",
        status: "active",
        accessTokenLifetimeMinutes: 120,
        lastUsedAt: null,
        federatedCredentials: [],
      },
      clientSecret: expect.stringMatching(/^scimf_cs_/),
      tokenEndpoint: `${host.url}/oauth2/token`,
      scope: "scim",
      tenantUrl: `${host.url}/scim/v2`,
    });
    const secret = created.json.clientSecret as string;
    const years = (Date.parse(created.json.secretExpiresAt) - Date.now()) / (365.25 * 86_400_000);
    expect(years).toBeGreaterThan(1.99);
    expect(years).toBeLessThan(2.01);
    const listed = await admin.get("/api/admin/oauth");
    expect(listed.json.clients).toHaveLength(1);
    expect(listed.text).not.toContain(secret);
    expect(listed.json.clients[0]).not.toHaveProperty("tenantId");
    expect(listed.json.clients[0].secrets[0]).toStrictEqual({
      id: expect.stringMatching(/^sec_/),
      createdAt: expect.any(String),
      expiresAt: created.json.secretExpiresAt,
      lastUsedAt: null,
      status: "active",
      revokedAt: null,
      expiresSoon: false,
      expiresInDays: expect.any(Number),
    });
    const issued = await token(created.json.client.clientId, secret);
    expect(issued.status).toBe(200);
    expect((await client(host, issued.body.access_token).get("/Users?count=1")).status).toBe(200);
    expect((await admin.get("/api/admin/oauth")).json.clients[0].lastUsedAt).toEqual(expect.any(String));
  });

  it("rotates: adds a second secret, revokes the first, and the revoked one no longer gets tokens", async () => {
    const { clientId, secrets } = (await admin.get("/api/admin/oauth")).json.clients[0] as {
      clientId: string;
      secrets: { id: string }[];
    };
    const added = await admin.post(`/api/admin/oauth/clients/${clientId}/secrets`, { lifetimeYears: 1 });
    expect(added.status).toBe(201);
    expect(added.json.client.secrets.filter((s: { status: string }) => s.status === "active")).toHaveLength(2);
    const revoked = await admin.post(`/api/admin/oauth/clients/${clientId}/secrets/${secrets[0]!.id}/revoke`, {});
    expect(revoked.status).toBe(200);
    expect(revoked.json.client.secrets.map((s: { status: string }) => s.status)).toStrictEqual(["revoked", "active"]);
    expect((await token(clientId, added.json.clientSecret)).status).toBe(200);
  });

  it("adds and removes a federated credential with Entra's issuer", async () => {
    const { clientId } = (await admin.get("/api/admin/oauth")).json.clients[0] as { clientId: string };
    const tid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const added = await admin.post(`/api/admin/oauth/clients/${clientId}/federated`, {
      issuer: `https://sts.windows.net/${tid}/`,
      subject: "3F2A1C0E-1111-4222-8333-444455556666",
    });
    expect(added.status).toBe(201);
    const credential = added.json.client.federatedCredentials[0];
    expect(credential).toStrictEqual({
      id: expect.stringMatching(/^fic_/),
      issuer: `https://login.microsoftonline.com/${tid}/v2.0`,
      entraTenantId: tid,
      subject: "3f2a1c0e-1111-4222-8333-444455556666",
      audiences: [`api://${clientId}`, clientId],
      createdAt: expect.any(String),
      lastUsedAt: null,
    });
    expectProblem(
      await admin.post(`/api/admin/oauth/clients/${clientId}/federated`, {
        issuer: `https://login.microsoftonline.com/${tid}/v2.0`,
        subject: credential.subject,
      }),
      409,
      /already trusts/,
      "subject",
    );
    const removed = await admin.request("DELETE", `/api/admin/oauth/clients/${clientId}/federated/${credential.id}`);
    expect(removed.status).toBe(200);
    expect(removed.json.client.federatedCredentials).toStrictEqual([]);
  });

  it.each<[string, string, unknown, number, RegExp, string?]>([
    ["no name", "/api/admin/oauth/clients", {}, 400, /Name is required/, "name"],
    [
      "a lifetime of 30 minutes",
      "/api/admin/oauth/clients",
      { name: "x", accessTokenLifetimeMinutes: 30 },
      400,
      /from 60 to 360/,
      "accessTokenLifetimeMinutes",
    ],
    [
      "a lifetime that is not a number",
      "/api/admin/oauth/clients",
      { name: "x", accessTokenLifetimeMinutes: "60" },
      400,
      /whole number/,
      "accessTokenLifetimeMinutes",
    ],
    ["a secret for 5 years", "CLIENT/secrets", { lifetimeYears: 5 }, 400, /1 to 3 whole years/, "lifetimeYears"],
    ["an unknown client", "/api/admin/oauth/clients/nope/secrets", {}, 404, /has no OAuth client nope/, "clientId"],
    ["an unknown secret", "CLIENT/secrets/sec_nope/revoke", {}, 404, /has no secret sec_nope/, "secretId"],
    [
      "a foreign issuer",
      "CLIENT/federated",
      { issuer: "https://accounts.google.com", subject: "x" },
      400,
      /Microsoft Entra ID's/,
      "issuer",
    ],
    [
      "a subject that is not an object ID",
      "CLIENT/federated",
      { issuer: "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0", subject: "me" },
      400,
      /object ID, a GUID/,
      "subject",
    ],
    [
      "audiences that are not strings",
      "CLIENT/federated",
      { issuer: "x", subject: "y", audiences: [1] },
      400,
      /list of strings/,
      "audiences",
    ],
  ])("refuses %s with problem details naming the field", async (_name, path, body, status, detail, field) => {
    const { clientId } = (await admin.get("/api/admin/oauth")).json.clients[0] as { clientId: string };
    const before = JSON.stringify(
      (await admin.get("/api/admin/oauth")).json.clients.map(
        (c: { secrets: unknown; federatedCredentials: unknown }) => [c.secrets, c.federatedCredentials],
      ),
    );
    expectProblem(
      await admin.post(path.replace("CLIENT", `/api/admin/oauth/clients/${clientId}`), body),
      status,
      detail,
      field,
    );
    const after = JSON.stringify(
      (await admin.get("/api/admin/oauth")).json.clients.map(
        (c: { secrets: unknown; federatedCredentials: unknown }) => [c.secrets, c.federatedCredentials],
      ),
    );
    expect(after).toBe(before);
  });

  it("revokes a client: its tokens stop, and Connection health no longer counts it", async () => {
    const created = await admin.post("/api/admin/oauth/clients", { name: "short-lived" });
    const issued = await token(created.json.client.clientId, created.json.clientSecret);
    const revoked = await admin.post(`/api/admin/oauth/clients/${created.json.client.clientId}/revoke`, {});
    expect(revoked.json.client).toMatchObject({ status: "revoked", revokedAt: expect.any(String) });
    expect((await client(host, issued.body.access_token).get("/Users?count=1")).status).toBe(401);
    const refused = await admin.post(`/api/admin/oauth/clients/${created.json.client.clientId}/secrets`, {});
    expectProblem(refused, 409, /is revoked; create a new client/, "clientId");
    const after = (await admin.get("/api/admin/oauth")).json.clients.find(
      (c: { clientId: string }) => c.clientId === created.json.client.clientId,
    );
    expect(after.secrets).toHaveLength(1);
    const health = await admin.get("/api/admin/health");
    expect(health.json).toMatchObject({ activeOAuthClients: 1, oauthSecretsExpiring: [] });
  });

  it("is for Admins only", async () => {
    const bob = new Browser(host);
    await client(host, host.defaultTenant!.token).post("/Users", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: BOB.preferredUsername,
      externalId: BOB.oid,
      active: true,
    });
    await signIn(bob, BOB);
    expectProblem(await bob.get("/api/admin/oauth"), 403, /Admin/);
    expectProblem(await bob.post("/api/admin/oauth/clients", { name: "sneaky" }), 403, /Admin/);
  });
});

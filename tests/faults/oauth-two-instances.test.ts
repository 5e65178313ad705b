import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpServer } from "@vercel/cosmosdb-server";
import type { AddressInfo } from "node:net";
import { loadConfig } from "../../shared/config.js";
import { createServices } from "../../shared/services.js";
import { ensureContainers, openCosmos } from "../../shared/store/cosmos.js";
import { ADMIN_CLI, type Services } from "../../shared/operations/context.js";
import {
  createOAuthClient,
  issueAccessToken,
  revokeOAuthSecret,
  addOAuthSecret,
} from "../../shared/operations/oauth.js";
import { authenticate } from "../../shared/operations/tokens.js";

/**
 * Two Function App instances on one Cosmos DB account: an access token issued by one is accepted
 * by the other, a revocation on one reaches the other within 5 seconds (its token cache), and an
 * assertion's jti spent on one cannot be spent on the other.
 */

let server: ReturnType<typeof createHttpServer>;
let a: Services;
let b: Services;
let tenantId: string;
let clock = new Date("2026-12-04T12:00:00Z");
const TENANT_URL = "https://scim.example.com/scim/v2";

beforeAll(async () => {
  server = createHttpServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const config = loadConfig({
    COSMOS_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    COSMOS_KEY: "a2V5",
  });
  await ensureContainers(openCosmos(config.cosmos).client, config.cosmos.database);
  a = createServices(config, () => clock);
  b = createServices(config, () => clock);
  tenantId = (await a.tenants.create("Two instances", clock)).id;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const ctx = (services: Services) => ({ tenantId, actor: ADMIN_CLI, now: clock, services, baseUrl: TENANT_URL });

describe("OAuth on two instances sharing one store", () => {
  it("accepts on B an access token A issued, and refuses it on B within 5 seconds of A revoking its secret", async () => {
    const { client, clientSecret } = await createOAuthClient(ctx(a), { name: "entra" });
    const second = await addOAuthSecret(ctx(a), client.clientId);
    const issued = await issueAccessToken(
      a,
      { grantType: "client_credentials", basic: { clientId: client.clientId, clientSecret }, tenantUrl: TENANT_URL },
      clock,
    );
    const other = await issueAccessToken(
      b,
      {
        grantType: "client_credentials",
        clientId: client.clientId,
        clientSecret: second.clientSecret,
        tenantUrl: TENANT_URL,
      },
      clock,
    );
    expect(await authenticate(b, issued.access_token, clock, TENANT_URL)).toStrictEqual({
      tenantId,
      tokenId: client.clientId,
      tokenName: "entra",
    });
    await revokeOAuthSecret(ctx(a), client.clientId, client.secrets[0]!.id);
    await expect(authenticate(a, issued.access_token, clock, TENANT_URL)).rejects.toMatchObject({ status: 401 });
    clock = new Date(clock.getTime() + 5000);
    await expect(authenticate(b, issued.access_token, clock, TENANT_URL)).rejects.toMatchObject({ status: 401 });
    await expect(authenticate(b, other.access_token, clock, TENANT_URL)).resolves.toMatchObject({ tenantId });
  });

  it("spends an assertion's jti once across both instances", async () => {
    const exp = new Date(clock.getTime() + 600_000);
    expect(await a.oauth.rememberAssertion("https://login.microsoftonline.com/t/v2.0", "jti-1", exp, clock)).toBe(true);
    expect(await b.oauth.rememberAssertion("https://login.microsoftonline.com/t/v2.0", "jti-1", exp, clock)).toBe(
      false,
    );
    expect(await b.oauth.rememberAssertion("https://login.microsoftonline.com/t/v2.0", "jti-2", exp, clock)).toBe(true);
  });

  it("lets a jti be used again once its assertion has expired (where the store has no TTL)", async () => {
    const exp = new Date(clock.getTime() + 1000);
    expect(await a.oauth.rememberAssertion("iss", "jti-3", exp, clock)).toBe(true);
    expect(
      await b.oauth.rememberAssertion("iss", "jti-3", new Date(exp.getTime() + 600_000), new Date(exp.getTime() + 1)),
    ).toBe(true);
  });
});

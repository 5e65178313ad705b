import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { managedIdentityAssertion } from "../../shared/auth/oidc.js";

// An App Service-style managed identity endpoint (IDENTITY_ENDPOINT / IDENTITY_HEADER), as the
// Functions host offers it, so ManagedIdentityCredential runs for real.
let server: Server;
const seen: { url: URL; header: string | undefined }[] = [];
let answer = 200;
const saved = { endpoint: process.env["IDENTITY_ENDPOINT"], header: process.env["IDENTITY_HEADER"] };

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: new URL(req.url!, "http://x"), header: req.headers["x-identity-header"] as string | undefined });
    if (answer !== 200)
      return void res.writeHead(answer, { "content-type": "application/json" }).end(JSON.stringify({ error: "nope" }));
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        access_token: "mi-assertion-jwt",
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: "api://AzureADTokenExchange",
        token_type: "Bearer",
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  process.env["IDENTITY_ENDPOINT"] = `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`;
  process.env["IDENTITY_HEADER"] = "local-identity-header";
});
afterAll(async () => {
  if (saved.endpoint === undefined) delete process.env["IDENTITY_ENDPOINT"];
  else process.env["IDENTITY_ENDPOINT"] = saved.endpoint;
  if (saved.header === undefined) delete process.env["IDENTITY_HEADER"];
  else process.env["IDENTITY_HEADER"] = saved.header;
  await new Promise<void>((r) => server.close(() => r()));
});

describe("managedIdentityAssertion", () => {
  it("asks the user-assigned managed identity for a token for api://AzureADTokenExchange", async () => {
    const assertion = managedIdentityAssertion("11111111-2222-4333-8444-555555555555");
    await expect(assertion()).resolves.toBe("mi-assertion-jwt");
    expect(seen).toHaveLength(1);
    expect(seen[0]!.header).toBe("local-identity-header");
    expect(seen[0]!.url.searchParams.get("resource")).toBe("api://AzureADTokenExchange");
    expect(seen[0]!.url.searchParams.get("client_id")).toBe("11111111-2222-4333-8444-555555555555");
  });

  it("fails with client_assertion_unavailable when the identity gives no token", async () => {
    answer = 400;
    await expect(managedIdentityAssertion("99999999-2222-4333-8444-555555555555")()).rejects.toMatchObject({
      code: "client_assertion_unavailable",
      status: 502,
    });
  });
});

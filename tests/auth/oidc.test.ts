import { describe, expect, it } from "vitest";
import { expectedIssuer, issuerRuleFromDiscovery } from "../../shared/auth/id-token.js";
import { discover, ENTRA_ORGANIZATIONS_AUTHORITY } from "../../shared/auth/oidc.js";

/** The fields of Entra's discovery document for the `organizations` authority that sign-in reads. */
const ENTRA_ORGANIZATIONS = {
  issuer: "https://login.microsoftonline.com/{tenantid}/v2.0",
  authorization_endpoint: "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize",
  token_endpoint: "https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
  jwks_uri: "https://login.microsoftonline.com/organizations/discovery/v2.0/keys",
};

const serving = (status: number, body: unknown, seen: string[] = []): typeof fetch =>
  (async (url: string | URL | Request) => {
    seen.push(String(url));
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  }) as typeof fetch;

describe("discover", () => {
  it("reads the authority's well-known document", async () => {
    const seen: string[] = [];
    await expect(
      discover(`${ENTRA_ORGANIZATIONS_AUTHORITY}/`, serving(200, ENTRA_ORGANIZATIONS, seen)),
    ).resolves.toEqual({
      issuer: ENTRA_ORGANIZATIONS.issuer,
      authorizationEndpoint: ENTRA_ORGANIZATIONS.authorization_endpoint,
      tokenEndpoint: ENTRA_ORGANIZATIONS.token_endpoint,
      jwksUri: ENTRA_ORGANIZATIONS.jwks_uri,
    });
    expect(seen).toEqual(["https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration"]);
  });

  it.each<[string, number, unknown]>([
    ["an HTTP error", 500, {}],
    ["a document without jwks_uri", 200, { ...ENTRA_ORGANIZATIONS, jwks_uri: undefined }],
    ["a non-URL token endpoint", 200, { ...ENTRA_ORGANIZATIONS, token_endpoint: "javascript:x" }],
  ])("fails with discovery_unavailable on %s", async (_case, status, body) => {
    await expect(discover(ENTRA_ORGANIZATIONS_AUTHORITY, serving(status, body))).rejects.toMatchObject({
      code: "discovery_unavailable",
      status: 502,
    });
  });
});

describe("issuer rule", () => {
  it("turns Entra's {tenantid} into the per-token rule and substitutes the token's tid exactly", () => {
    const rule = issuerRuleFromDiscovery(ENTRA_ORGANIZATIONS.issuer);
    expect(rule).toBe("https://login.microsoftonline.com/{tid}/v2.0");
    expect(expectedIssuer(rule, "72f988bf-86f1-41af-91ab-2d7cd011db47")).toBe(
      "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
    );
  });

  it("leaves a fixed issuer (the dev provider) as it is", () => {
    expect(
      expectedIssuer(issuerRuleFromDiscovery("http://127.0.0.1:7072"), "72f988bf-86f1-41af-91ab-2d7cd011db47"),
    ).toBe("http://127.0.0.1:7072");
  });
});

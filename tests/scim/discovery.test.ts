import { describe, expect, it } from "vitest";
import { serviceProviderConfig } from "../../shared/scim/discovery.js";
import { URN } from "../../shared/scim/urns.js";

describe("serviceProviderConfig (RFC 7643 §5)", () => {
  it("advertises exactly what the service does: no bulk, filter with maxResults", () => {
    const config = serviceProviderConfig("https://h/scim/v2", 100, "https://h/oauth2/token");
    expect(config).toMatchObject({
      schemas: [URN.serviceProviderConfig],
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: true, maxResults: 100 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
    });
    expect(Object.keys(config).sort()).toStrictEqual(
      ["schemas", "documentationUri", "patch", "bulk", "filter", "changePassword", "sort", "etag", "authenticationSchemes", "meta"].sort(),
    );
  });

  it("lists OAuth 2.0 client credentials (primary, with the token endpoint) and the legacy Secret Token", () => {
    const config = serviceProviderConfig("https://h/scim/v2", 100, "https://h/oauth2/token");
    expect(config.authenticationSchemes.map((s) => [s.type, s.primary])).toStrictEqual([
      ["oauth2", true],
      ["oauthbearertoken", false],
    ]);
    expect(config.authenticationSchemes[0]!.description).toContain("https://h/oauth2/token");
  });
});

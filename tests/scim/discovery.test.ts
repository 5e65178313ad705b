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
      [
        "schemas",
        "documentationUri",
        "patch",
        "bulk",
        "filter",
        "changePassword",
        "sort",
        "etag",
        "pagination",
        "authenticationSchemes",
        "meta",
      ].sort(),
    );
  });

  it("advertises index and cursor paging (RFC 9865 §4), index by default, with maxResults as page size and a 24-hour cursorTimeout", () => {
    const config = serviceProviderConfig("https://h/scim/v2", 100, "https://h/oauth2/token");
    expect(config.pagination).toStrictEqual({
      cursor: true,
      index: true,
      defaultPaginationMethod: "index",
      defaultPageSize: 100,
      maxPageSize: 100,
      cursorTimeout: 86400,
    });
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

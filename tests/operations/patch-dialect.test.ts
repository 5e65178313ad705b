import { describe, expect, it } from "vitest";
import { patchDialectOf } from "../../shared/operations/resources.js";

/** The PATCH dialect recorded on log events (the health page counts them). */

const body = (...Operations: unknown[]) => ({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations });

describe("patchDialectOf", () => {
  it.each([
    ["Entra's capitalised ops", body({ op: "Replace", path: "displayName", value: "A" }), "default"],
    ["string booleans", body({ op: "replace", path: "active", value: "False" }), "default"],
    ["lower-case ops and real booleans", body({ op: "replace", path: "active", value: false }), "rfc"],
    ["a path-less value with dotted keys", body({ op: "Replace", value: { "name.givenName": "A" } }), "rfc"],
    [
      "a path-less value keyed by an extension URN",
      body({ op: "Add", value: { "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "X" } }),
      "default",
    ],
    ["no operations", { schemas: [] }, "default"],
  ])("%s: %s", (_, request, dialect) => {
    expect(patchDialectOf(request)).toBe(dialect);
  });

  it("is rfc whenever the Tenant URL carries aadOptscim062020", () => {
    expect(patchDialectOf(body({ op: "Replace", path: "active", value: "False" }), true)).toBe("rfc");
  });
});

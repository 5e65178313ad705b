import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DATE_TIME, resourceSchema, validateResource } from "../../shared/scim/validate.js";
import { GENERATED_PATH, validatorsSource } from "../../local/validators-codegen.mjs";

describe("generated validators", () => {
  it("are the standalone code of the current resourceSchema (run `npm run build` when this fails)", () => {
    expect(readFileSync(GENERATED_PATH, "utf8")).toBe(validatorsSource(resourceSchema, DATE_TIME));
  });

  it.each([
    ["User", { schemas: [], userName: "" }, "User attribute 'userName' must not be empty."],
    ["User", { userName: "a", active: "yes" }, "User attribute 'active' must be a boolean."],
    ["Group", { displayName: "g", members: {} }, "Group attribute 'members' must be an array."],
  ] as const)("reject a bad %s with the translated ajv error", (type, resource, detail) => {
    expect(() => validateResource(resource, type)).toThrow(expect.objectContaining({ status: 400, scimType: "invalidValue", detail }));
  });
});

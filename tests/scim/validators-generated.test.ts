import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DATE_TIME, resourceSchema, validateResource } from "../../shared/scim/validate.js";
import { RESOURCE_TYPE_NAMES } from "../../shared/scim/schemas.js";
import { resourceTypes, schemaDocuments } from "../../shared/scim/discovery.js";
import { DOCS_PATH, GENERATED_PATH, generatedFiles } from "../../local/build/validators-codegen.mjs";

describe("generated validators", () => {
  it.each([GENERATED_PATH, DOCS_PATH])(
    "%s is generated from the current schemas (run `npm run build` when this fails)",
    (path) => {
      const file = generatedFiles({
        resourceSchema,
        DATE_TIME,
        RESOURCE_TYPE_NAMES,
        schemaDocuments,
        resourceTypes,
      }).find((f) => f.path === path)!;
      expect(readFileSync(path, "utf8")).toBe(file.text);
    },
  );

  it.each([
    ["User", { schemas: [], userName: "" }, "User attribute 'userName' must not be empty."],
    ["User", { userName: "a", active: "yes" }, "User attribute 'active' must be a boolean."],
    ["Group", { displayName: "g", members: {} }, "Group attribute 'members' must be an array."],
  ] as const)("reject a bad %s with the translated ajv error", (type, resource, detail) => {
    expect(() => validateResource(resource, type)).toThrow(
      expect.objectContaining({ status: 400, scimType: "invalidValue", detail }),
    );
  });
});

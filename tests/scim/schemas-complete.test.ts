import { describe, expect, it } from "vitest";
import { resourceTypes, schemaDocuments } from "../../shared/scim/discovery.js";
import { RESOURCE_TYPE_NAMES, SCHEMAS, schemasOf, type AttributeDef } from "../../shared/scim/schemas.js";
import { resourceSchema, validateResource } from "../../shared/scim/validate.js";
import { parseResource } from "../../shared/scim/resource.js";
import { URN } from "../../shared/scim/urns.js";

const documents = schemaDocuments("https://h/scim/v2");
const doc = (id: string): { attributes: Record<string, any>[] } => documents.find((d) => d.id === id)!;
const attrOf = (attrs: Record<string, any>[], name: string) => attrs.find((a) => a.name === name)!;

/** Every attribute and sub-attribute of a list, with its dotted name. */
function walk(attrs: AttributeDef[], prefix = ""): [string, AttributeDef][] {
  return attrs.flatMap((a) => [
    [`${prefix}${a.name}`, a] as [string, AttributeDef],
    ...walk(a.subAttributes ?? [], `${prefix}${a.name}.`),
  ]);
}
const everyAttribute = SCHEMAS.flatMap((s) => walk(s.attributes, `${s.name}:`));

describe("/Schemas lists the common attributes (RFC 7643 §3.1)", () => {
  it.each([URN.user, URN.group])("lists id, externalId and meta first in %s, with §3.1's characteristics", (urn) => {
    const [id, externalId, meta] = doc(urn).attributes;
    expect(id).toEqual({
      name: "id",
      type: "string",
      multiValued: false,
      description: expect.any(String),
      required: false,
      caseExact: true,
      mutability: "readOnly",
      returned: "always",
      uniqueness: "server",
    });
    expect(externalId).toEqual({
      name: "externalId",
      type: "string",
      multiValued: false,
      description: expect.any(String),
      required: false,
      caseExact: true,
      mutability: "readWrite",
      returned: "default",
      uniqueness: "none",
    });
    expect(meta).toMatchObject({ name: "meta", type: "complex", mutability: "readOnly" });
    expect(meta?.subAttributes.map((s: { name: string }) => s.name)).toEqual([
      "resourceType",
      "created",
      "lastModified",
      "location",
      "version",
    ]);
  });
});

describe("canonicalValues of every type sub-attribute (RFC 7643 §4.1.2, §4.2, §8.7.1)", () => {
  it.each([
    [URN.user, "emails", ["work", "home", "other"]],
    [URN.user, "phoneNumbers", ["work", "home", "mobile", "fax", "pager", "other"]],
    [URN.user, "ims", ["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]],
    [URN.user, "photos", ["photo", "thumbnail"]],
    [URN.user, "addresses", ["work", "home", "other"]],
    [URN.user, "groups", ["direct"]],
    [URN.user, "entitlements", []],
    [URN.user, "roles", []],
    [URN.user, "x509Certificates", []],
    [URN.group, "members", ["User"]],
  ])("%s %s lists type's canonical values %j", (urn, name, values) => {
    expect(attrOf(attrOf(doc(urn).attributes, name).subAttributes, "type").canonicalValues).toEqual(values);
  });

  it("leaves no type sub-attribute without canonicalValues", () => {
    const types = everyAttribute.filter(([path]) => path.endsWith(".type"));
    expect(types.length).toBeGreaterThan(9);
    expect(types.filter(([, a]) => a.canonicalValues === undefined).map(([path]) => path)).toEqual([]);
  });
});

describe("characteristics per RFC 7643 §2.3 and §7", () => {
  it("makes every reference and binary attribute caseExact (§2.3.6, §2.3.7)", () => {
    const wrong = everyAttribute
      .filter(([, a]) => (a.type === "reference" || a.type === "binary") && !a.caseExact)
      .map(([path]) => path);
    expect(wrong).toEqual([]);
  });

  it("makes the ids that name this service's resources caseExact, as id is (§3.1)", () => {
    const ids = ["User:id", "User:groups.value", "Group:id", "Group:members.value"];
    expect(everyAttribute.filter(([path]) => ids.includes(path)).map(([path, a]) => [path, a.caseExact])).toEqual(
      ids.map((p) => [p, true]),
    );
  });

  it("gives only userName, group displayName and id server uniqueness, and only id returned always", () => {
    expect(
      everyAttribute.filter(([, a]) => a.uniqueness !== "none").map(([path, a]) => `${path} ${a.uniqueness}`),
    ).toEqual(["User:id server", "User:userName server", "Group:id server", "Group:displayName server"]);
    expect(everyAttribute.filter(([, a]) => a.returned === "always").map(([path]) => path)).toEqual([
      "User:id",
      "Group:id",
    ]);
  });

  it("marks a User's groups readOnly and returned on request, as the service serves them", () => {
    expect(attrOf(doc(URN.user).attributes, "groups")).toMatchObject({
      mutability: "readOnly",
      returned: "request",
      multiValued: true,
    });
  });

  it("serves every characteristic of §7 on every attribute and sub-attribute, and no null", () => {
    const keys = [
      "name",
      "type",
      "multiValued",
      "description",
      "required",
      "caseExact",
      "mutability",
      "returned",
      "uniqueness",
    ];
    const check = (attrs: Record<string, unknown>[]) => {
      for (const a of attrs) {
        expect(Object.keys(a)).toEqual(expect.arrayContaining(keys));
        expect(Object.values(a)).not.toContain(null);
        if (a.subAttributes) check(a.subAttributes as Record<string, unknown>[]);
      }
    };
    for (const d of documents) check(d.attributes);
  });
});

describe("one definition: /Schemas, /ResourceTypes and the validators", () => {
  it.each(RESOURCE_TYPE_NAMES)("validates exactly the writable %s attributes /Schemas advertises", (type) => {
    const [core, ...extensions] = schemasOf(type);
    const rt = resourceTypes("https://h/scim/v2").find((r) => r.id === type)!;
    expect([rt.schema, ...(rt.schemaExtensions ?? []).map((e) => e.schema)]).toEqual([
      core.id,
      ...extensions.map((e) => e.id),
    ]);
    const properties = Object.keys((resourceSchema(type) as { properties: object }).properties);
    const advertised = doc(core.id)
      .attributes.filter((a) => a.mutability !== "readOnly")
      .map((a) => a.name);
    expect(properties).toEqual([...advertised, "schemas", ...extensions.map((e) => e.id)]);
  });

  it("rejects a non-string externalId through the validator the schema generates (400 invalidValue)", () => {
    expect(() => validateResource({ userName: "a", externalId: 42 }, "User")).toThrow(
      expect.objectContaining({
        status: 400,
        scimType: "invalidValue",
        detail: "User attribute 'externalId' must be a string.",
      }),
    );
    expect(() => parseResource({ schemas: [URN.group], displayName: "g", externalId: { id: 1 } }, "Group")).toThrow(
      expect.objectContaining({
        status: 400,
        scimType: "invalidValue",
        detail: "Group attribute 'externalId' must be a string.",
      }),
    );
  });

  it("ignores id and meta sent by a client, as their readOnly mutability says (RFC 7644 §3.3)", () => {
    const { resource } = parseResource(
      { schemas: [URN.user], id: "client-id", meta: { resourceType: "User" }, userName: "a", externalId: "e" },
      "User",
    );
    expect(resource).toEqual({ schemas: [URN.user], userName: "a", externalId: "e" });
  });
});

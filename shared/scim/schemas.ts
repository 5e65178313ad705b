import { URN } from "./urns.js";

/** An attribute definition, shaped as RFC 7643 §7 describes it (and as /Schemas serves it). */
export interface AttributeDef {
  name: string;
  type: "string" | "boolean" | "decimal" | "integer" | "dateTime" | "reference" | "complex" | "binary";
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: "readOnly" | "readWrite" | "immutable" | "writeOnly";
  returned: "always" | "never" | "default" | "request";
  uniqueness: "none" | "server" | "global";
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDef[];
}

export interface SchemaDef {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDef[];
}

export type ResourceTypeName = "User" | "Group";

export interface ResourceTypeDef {
  id: ResourceTypeName;
  name: ResourceTypeName;
  endpoint: "/Users" | "/Groups";
  description: string;
  schema: string;
  schemaExtensions: { schema: string; required: boolean }[];
}

type Opts = Partial<Omit<AttributeDef, "name" | "type" | "description">>;

/**
 * An attribute with RFC 7643 §7's defaults (§2.2): optional, singular, readWrite, returned by
 * default, not unique, case-insensitive, except references and binary values, which are case exact
 * (§2.3.6, §2.3.7).
 */
function attr(name: string, type: AttributeDef["type"], description: string, opts: Opts = {}): AttributeDef {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: type === "reference" || type === "binary",
    mutability: "readWrite",
    returned: "default",
    uniqueness: "none",
    ...opts,
  };
}
const str = (name: string, description: string, opts: Opts = {}) => attr(name, "string", description, opts);
const complex = (name: string, description: string, subAttributes: AttributeDef[], opts: Opts = {}) =>
  attr(name, "complex", description, { ...opts, subAttributes });

/**
 * value/display/type/primary, the shape shared by emails, phoneNumbers, ims, photos, ... (RFC 7643
 * §2.4, §4.1.2). `types` are the `type` sub-attribute's canonicalValues, from which clients such as
 * Entra derive the paths they map (`emails[type eq "work"].value`); `[]` where the RFC defines none.
 */
function multi(name: string, description: string, types: string[], valueType: AttributeDef["type"] = "string") {
  return complex(
    name,
    description,
    [
      attr(
        "value",
        valueType,
        `The value of the ${name} entry.`,
        valueType === "reference" ? { referenceTypes: ["external"] } : {},
      ),
      str("display", "A human-readable name, primarily used for display purposes."),
      str("type", `A label indicating the ${name} entry's function.`, { canonicalValues: types }),
      attr("primary", "boolean", "Indicates the 'primary' or preferred value."),
    ],
    { multiValued: true },
  );
}

const idAttr = str("id", "Unique identifier for the resource, assigned by the service provider.", {
  caseExact: true,
  mutability: "readOnly",
  returned: "always",
  uniqueness: "server",
});
const externalIdAttr = str("externalId", "Identifier of the resource as defined by the provisioning client.", {
  caseExact: true,
});
const metaAttr = complex(
  "meta",
  "Resource metadata.",
  [
    str("resourceType", "The name of the resource type of the resource.", { caseExact: true, mutability: "readOnly" }),
    attr("created", "dateTime", "When the resource was added to the service provider.", { mutability: "readOnly" }),
    attr("lastModified", "dateTime", "When the resource was last updated.", { mutability: "readOnly" }),
    attr("location", "reference", "The URI of the resource being returned.", {
      caseExact: true,
      mutability: "readOnly",
      referenceTypes: ["uri"],
    }),
    str("version", "The version (ETag) of the resource being returned.", { caseExact: true, mutability: "readOnly" }),
  ],
  { mutability: "readOnly" },
);

/**
 * Attributes every resource has (RFC 7643 §3.1), listed first in each core schema. §3.1 leaves them
 * out of schema definitions but allows listing them; /Schemas lists them because clients look for
 * them there (Microsoft's gallery validation fails an app whose schema has no `externalId`).
 */
export const COMMON_ATTRIBUTES: AttributeDef[] = [idAttr, externalIdAttr, metaAttr];

/** RFC 7643 §4.1 and §8.7.1. */
export const USER_SCHEMA: SchemaDef = {
  id: URN.user,
  name: "User",
  description: "User Account",
  attributes: [
    ...COMMON_ATTRIBUTES,
    str("userName", "Unique identifier for the User, used to sign in; unique per tenant, case-insensitive.", {
      required: true,
      uniqueness: "server",
    }),
    complex("name", "The components of the user's real name.", [
      str("formatted", "The full name, formatted for display."),
      str("familyName", "The family name of the User."),
      str("givenName", "The given name of the User."),
      str("middleName", "The middle name(s) of the User."),
      str("honorificPrefix", "The honorific prefix(es) of the User."),
      str("honorificSuffix", "The honorific suffix(es) of the User."),
    ]),
    str("displayName", "The name of the User, suitable for display to end-users."),
    str("nickName", "The casual way to address the user."),
    attr(
      "profileUrl",
      "reference",
      "A fully qualified URL pointing to a page representing the User's online profile.",
      {
        referenceTypes: ["external"],
      },
    ),
    str("title", 'The user\'s title, such as "Vice President".'),
    str("userType", "Used to identify the relationship between the organization and the user."),
    str("preferredLanguage", "The User's preferred written or spoken language."),
    str("locale", "The User's default location for localizing items."),
    str("timezone", "The User's time zone in IANA Time Zone database format."),
    attr("active", "boolean", "The User's administrative status."),
    multi("emails", "Email addresses for the user.", ["work", "home", "other"]),
    multi("phoneNumbers", "Phone numbers for the User.", ["work", "home", "mobile", "fax", "pager", "other"]),
    multi("ims", "Instant messaging addresses for the User.", [
      "aim",
      "gtalk",
      "icq",
      "xmpp",
      "msn",
      "skype",
      "qq",
      "yahoo",
    ]),
    multi("photos", "URLs of photos of the User.", ["photo", "thumbnail"], "reference"),
    complex(
      "addresses",
      "A physical mailing address for this User.",
      [
        str("formatted", "The full mailing address, formatted for display."),
        str("streetAddress", "The full street address component."),
        str("locality", "The city or locality component."),
        str("region", "The state or region component."),
        str("postalCode", "The zip code or postal code component."),
        str("country", "The country name component."),
        str("type", "A label indicating the address's function.", { canonicalValues: ["work", "home", "other"] }),
        attr("primary", "boolean", "Indicates the 'primary' or preferred address."),
      ],
      { multiValued: true },
    ),
    complex(
      "groups",
      "Groups the user belongs to, direct membership; managed through /Groups. Returned only when `attributes` names it.",
      [
        str("value", "The id of the Group.", { caseExact: true, mutability: "readOnly" }),
        attr("$ref", "reference", "The URI of the Group.", { mutability: "readOnly", referenceTypes: ["Group"] }),
        str("display", "The displayName of the Group.", { mutability: "readOnly" }),
        str("type", "How the membership was derived: 'direct' (groups are not nested).", {
          mutability: "readOnly",
          canonicalValues: ["direct"],
        }),
      ],
      { multiValued: true, mutability: "readOnly", returned: "request" },
    ),
    multi("entitlements", "Entitlements of the User.", []),
    multi("roles", "Roles of the User.", []),
    multi("x509Certificates", "X.509 certificates issued to the User (base64-encoded DER).", [], "binary"),
  ],
};

/** RFC 7643 §4.3. */
const ENTERPRISE_USER_SCHEMA: SchemaDef = {
  id: URN.enterpriseUser,
  name: "EnterpriseUser",
  description: "Enterprise User",
  attributes: [
    str("employeeNumber", "Numeric or alphanumeric identifier assigned to a person by the organization."),
    str("costCenter", "Identifies the name of a cost center."),
    str("organization", "Identifies the name of an organization."),
    str("division", "Identifies the name of a division."),
    str("department", "Identifies the name of a department."),
    complex("manager", "The User's manager.", [
      str("value", "The id of the SCIM resource representing the User's manager."),
      attr("$ref", "reference", "The URI of the SCIM resource representing the User's manager.", {
        referenceTypes: ["User"],
      }),
      str("displayName", "The displayName of the User's manager.", { mutability: "readOnly" }),
    ]),
  ],
};

/** The product's own extension: what Entra maps that no standard schema carries. */
const PRODUCT_USER_SCHEMA: SchemaDef = {
  id: URN.productUser,
  name: "ProductUser",
  description: "Employment data used by the resource-planning product",
  attributes: [
    attr(
      "employmentStartDate",
      "dateTime",
      "The date the person's employment starts (xsd:dateTime, or a date such as 2026-03-01).",
    ),
  ],
};

/** RFC 7643 §4.2. */
export const GROUP_SCHEMA: SchemaDef = {
  id: URN.group,
  name: "Group",
  description: "Group",
  attributes: [
    ...COMMON_ATTRIBUTES,
    str("displayName", "A human-readable name for the Group; unique per tenant, case-insensitive.", {
      required: true,
      uniqueness: "server",
    }),
    complex(
      "members",
      "A list of members of the Group (Users only).",
      [
        str("value", "The id of the member.", { mutability: "immutable", caseExact: true }),
        attr("$ref", "reference", "The URI of the member.", { mutability: "immutable", referenceTypes: ["User"] }),
        str("display", "The display name of the member.", { mutability: "readOnly" }),
        str("type", "The type of the member: 'User'.", { mutability: "immutable", canonicalValues: ["User"] }),
      ],
      { multiValued: true },
    ),
  ],
};

export const SCHEMAS: SchemaDef[] = [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, PRODUCT_USER_SCHEMA, GROUP_SCHEMA];

export const RESOURCE_TYPES: Record<ResourceTypeName, ResourceTypeDef> = {
  User: {
    id: "User",
    name: "User",
    endpoint: "/Users",
    description: "User Account",
    schema: URN.user,
    schemaExtensions: [
      { schema: URN.enterpriseUser, required: false },
      { schema: URN.productUser, required: false },
    ],
  },
  Group: {
    id: "Group",
    name: "Group",
    endpoint: "/Groups",
    description: "Group",
    schema: URN.group,
    schemaExtensions: [],
  },
};

/** The resource types, in the order /ResourceTypes lists them. */
export const RESOURCE_TYPE_NAMES = Object.keys(RESOURCE_TYPES) as ResourceTypeName[];

/** A resolved attribute path: where it lives in the wire resource, and its definition. */
export interface ResolvedAttribute {
  /** "" for core (and common) attributes, else the extension URN that holds the attribute. */
  schema: string;
  attribute: AttributeDef;
  subAttribute?: AttributeDef;
  /** Canonical spelling: e.g. ["name", "givenName"] or [URN.enterpriseUser, "manager", "value"]. */
  path: string[];
  /** The definition that decides comparison semantics (the sub-attribute if there is one). */
  leaf: AttributeDef;
}

function findAttr(list: AttributeDef[] | undefined, name: string): AttributeDef | undefined {
  const lower = name.toLowerCase();
  return list?.find((a) => a.name.toLowerCase() === lower);
}

function schemaById(id: string): SchemaDef | undefined {
  const lower = id.toLowerCase();
  return SCHEMAS.find((s) => s.id.toLowerCase() === lower);
}

/** Schemas that make up a resource type: core first, then its extensions. */
export function schemasOf(type: ResourceTypeName): [SchemaDef, ...SchemaDef[]] {
  const rt = RESOURCE_TYPES[type];
  return [schemaById(rt.schema)!, ...rt.schemaExtensions.map((e) => schemaById(e.schema)!)];
}

/** Extension URNs of a resource type (their attributes live under resource[urn]). */
export function extensionUrns(type: ResourceTypeName): string[] {
  return RESOURCE_TYPES[type].schemaExtensions.map((e) => e.schema);
}

/**
 * Splits "urn:...:User:manager.value" into the URN and "manager.value". Returns undefined when the
 * text does not start with a URN this resource type knows.
 */
export function splitUrnPrefix(type: ResourceTypeName, text: string): { urn: string; rest: string } | undefined {
  const lower = text.toLowerCase();
  for (const s of schemasOf(type)) {
    const id = s.id.toLowerCase();
    if (lower === id) return { urn: s.id, rest: "" };
    if (lower.startsWith(id + ":")) return { urn: s.id, rest: text.slice(id.length + 1) };
  }
  return undefined;
}

/**
 * The extension schemas of a resource type that define a top-level attribute `name`
 * (case-insensitively); used to resolve unqualified extension attribute names.
 */
export function extensionsDefining(type: ResourceTypeName, name: string): string[] {
  return schemasOf(type)
    .slice(1)
    .filter((s) => findAttr(s.attributes, name))
    .map((s) => s.id);
}

/**
 * Resolves an attribute path (RFC 7644 §3.10 "attrPath": optional schema URN, attribute, optional
 * sub-attribute) against a resource type, case-insensitively (RFC 7643 §2.1). An unqualified name
 * that no core attribute has resolves to the extension attribute when exactly one extension schema
 * of the type defines it (`employeeNumber` is the Enterprise User's). Returns undefined for an
 * attribute the resource type does not define, or an unqualified name several extensions define.
 */
export function resolveAttribute(type: ResourceTypeName, attrPath: string): ResolvedAttribute | undefined {
  const core = schemasOf(type)[0];
  let schema = core;
  let rest = attrPath;
  const split = splitUrnPrefix(type, attrPath);
  if (split) {
    schema = schemaById(split.urn)!;
    rest = split.rest;
    if (!rest) return undefined;
  }
  const [name, sub, ...more] = rest.split(".");
  if (more.length > 0 || !name) return undefined;
  if (!split && !findAttr(core.attributes, name)) {
    const [only, ...others] = extensionsDefining(type, name);
    if (only === undefined || others.length > 0) return undefined;
    schema = schemaById(only)!;
  }
  const attribute = findAttr(schema.attributes, name);
  if (!attribute) return undefined;
  const prefix = schema === core ? [] : [schema.id];
  if (sub === undefined) {
    return { schema: schema === core ? "" : schema.id, attribute, path: [...prefix, attribute.name], leaf: attribute };
  }
  const subAttribute = findAttr(attribute.subAttributes, sub);
  if (!subAttribute) return undefined;
  return {
    schema: schema === core ? "" : schema.id,
    attribute,
    subAttribute,
    path: [...prefix, attribute.name, subAttribute.name],
    leaf: subAttribute,
  };
}

/** Resolves a sub-attribute name inside a complex attribute (used by value filters "emails[type eq ...]"). */
export function resolveSubAttribute(parent: AttributeDef, name: string): AttributeDef | undefined {
  return findAttr(parent.subAttributes, name);
}

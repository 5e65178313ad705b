import type { ErrorObject, ValidateFunction } from "ajv";
import * as generated from "./validators.generated.cjs";
import type { AttributeDef, ResourceTypeName } from "./schemas.js";
import { schemasOf } from "./schemas.js";
import { badRequest } from "./errors.js";
import { nameProblem } from "./names.js";

/**
 * JSON Schema validation of canonical wire resources (RFC 7643 §2.3 data types), with ajv.
 * The validators are ajv standalone code generated at build time from `resourceSchema`
 * (local/build/validators-codegen.mjs writes validators.generated.cjs, a test keeps it current), so no
 * schema is compiled at cold start; their errors are translated into 400 invalidValue here.
 */

type JsonSchema = Record<string, unknown>;

/**
 * Bounds on one resource, checked wherever a resource is validated (create, replace, PATCH result).
 */
export const RESOURCE_LIMITS = {
  /**
   * Values of one multi-valued attribute (emails, phoneNumbers, addresses, roles, ...). Entra maps
   * one to three of each; 100 leaves room for any directory while keeping a resource document
   * small (well under Cosmos DB's 2 MB item limit) and every PATCH operation on it cheap.
   * Group members are stored apart and bounded per request instead (PATCH_LIMITS.maxMembers).
   */
  maxValues: 100,
} as const;

/** The shape of an xsd:dateTime (or a plain date); `isDateTime` checks the calendar values too. */
export const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-](\d{2}):(\d{2}))?)?$/;

const daysIn = (year: number, month: number) =>
  month === 2
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : [4, 6, 9, 11].includes(month)
      ? 30
      : 31;

/**
 * xsd:dateTime (RFC 7643 §2.3.5; XML Schema 1.0 §3.2.7) with real calendar values: month 01-12,
 * a day that exists in that month (February 29 in leap years only), hours 00-23 (or 24:00:00, the
 * end of the day), minutes and seconds 00-59, an offset of at most ±14:00; fractions of a second
 * and a missing offset are allowed. Also accepts a plain date such as 2026-03-01 (which Entra sends
 * for date attributes) and a time without seconds, as this service always has.
 */
export function isDateTime(text: string): boolean {
  const m = DATE_TIME.exec(text);
  if (!m) return false;
  const fields = [m[1], m[2], m[3], m[4], m[5], m[6], m[9], m[10]].map((v) => (v === undefined ? 0 : Number(v)));
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offH = 0, offM = 0] = fields;
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return false;
  if (minute > 59 || second > 59 || offM > 59 || offH > 14 || (offH === 14 && offM > 0)) return false;
  if (hour === 24) return minute === 0 && second === 0 && !/[1-9]/.test(m[7] ?? "");
  return hour <= 23;
}

function schemaOfAttribute(attr: AttributeDef): JsonSchema {
  let single: JsonSchema;
  switch (attr.type) {
    case "string":
    case "reference":
    case "binary":
      single = { type: "string" };
      break;
    case "dateTime":
      single = { type: "string", format: "scim-date-time" };
      break;
    case "boolean":
      single = { type: "boolean" };
      break;
    case "integer":
      single = { type: "integer" };
      break;
    case "decimal":
      single = { type: "number" };
      break;
    case "complex":
      single = objectSchema(attr.subAttributes ?? []);
      break;
  }
  return attr.multiValued ? { type: "array", items: single } : single;
}

function objectSchema(attributes: AttributeDef[], required: string[] = []): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const a of attributes) properties[a.name] = schemaOfAttribute(a);
  return { type: "object", properties, additionalProperties: false, required };
}

/**
 * The JSON Schema of a resource type, derived from its schemas in schemas.ts (the one definition that
 * /Schemas also serves): every attribute a client may write (readOnly ones such as `id`, `meta` and
 * `groups` are dropped before validation), required ones non-empty, extensions under their URN, and
 * the resource's `schemas` list (RFC 7643 §3). The source of the generated validators
 * (local/build/validators-codegen.mjs).
 */
export function resourceSchema(type: ResourceTypeName): JsonSchema {
  const [core, ...extensions] = schemasOf(type);
  const writable = core.attributes.filter((a) => a.mutability !== "readOnly");
  const required = writable.filter((a) => a.required).map((a) => a.name);
  const schema = objectSchema(writable, required);
  const properties = schema.properties as Record<string, JsonSchema>;
  for (const name of required) properties[name] = { ...properties[name], minLength: 1 };
  properties.schemas = { type: "array", items: { type: "string" } };
  for (const ext of extensions) properties[ext.id] = objectSchema(ext.attributes);
  return schema;
}

const validators: Record<ResourceTypeName, ValidateFunction> = generated;

/** The generated validator checks the shape of dateTime values (DATE_TIME); this checks their calendar values. */
function dateTimeProblem(resource: Record<string, unknown>, type: ResourceTypeName): string | undefined {
  const walk = (attrs: AttributeDef[], holder: unknown, label: (name: string) => string): string | undefined => {
    if (typeof holder !== "object" || holder === null) return undefined;
    for (const attr of attrs) {
      const raw = (holder as Record<string, unknown>)[attr.name];
      const values = attr.multiValued && Array.isArray(raw) ? raw : [raw];
      for (const value of values) {
        if (attr.type === "dateTime" && typeof value === "string" && !isDateTime(value)) {
          return `${type} attribute '${label(attr.name)}' must be an xsd:dateTime such as 2026-03-01T00:00:00Z (or a date such as 2026-03-01).`;
        }
        if (attr.type === "complex") {
          const found = walk(attr.subAttributes ?? [], value, (sub) => `${label(attr.name)}.${sub}`);
          if (found) return found;
        }
      }
    }
    return undefined;
  };
  const [core, ...extensions] = schemasOf(type);
  return (
    walk(core.attributes, resource, (n) => n) ??
    extensions.map((ext) => walk(ext.attributes, resource[ext.id], (n) => `${ext.id}:${n}`)).find(Boolean)
  );
}

/** "/emails/0/value" -> "emails[0].value"; "/urn:...:User/manager/value" -> "urn:...:User:manager.value". */
function attributeName(instancePath: string): string {
  const parts = instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  let out = "";
  let previous = "";
  for (const p of parts) {
    if (/^\d+$/.test(p)) out += `[${p}]`;
    else if (!out) out = p;
    else out += `${previous.startsWith("urn:") ? ":" : "."}${p}`;
    previous = p;
  }
  return out;
}

function describe(error: ErrorObject, type: ResourceTypeName): string {
  const where = attributeName(error.instancePath);
  switch (error.keyword) {
    case "required":
      return `${type} attribute '${(error.params as { missingProperty: string }).missingProperty}' is required.`;
    case "type":
      return `${type} attribute '${where}' must be ${(error.params as { type: string }).type === "array" ? "an array" : `a ${(error.params as { type: string }).type}`}.`;
    case "minLength":
      return `${type} attribute '${where}' must not be empty.`;
    case "format":
      return `${type} attribute '${where}' must be an xsd:dateTime such as 2026-03-01T00:00:00Z (or a date such as 2026-03-01).`;
    case "additionalProperties":
      return `${type} attribute '${where ? where + "." : ""}${(error.params as { additionalProperty: string }).additionalProperty}' is not defined by the schema.`;
    default:
      return `${type} attribute '${where}' ${error.message ?? "is invalid"}.`;
  }
}

/**
 * Validates a canonical wire resource (no id/meta) against its schemas (RFC 7643 §2.3 types,
 * §2.4 primary), RESOURCE_LIMITS and the userName / group displayName rules of names.ts;
 * throws ScimError 400 invalidValue naming the attribute.
 */
export function validateResource(resource: Record<string, unknown>, type: ResourceTypeName): void {
  const validate = validators[type];
  if (!validate(resource)) {
    const first = validate.errors?.[0];
    throw badRequest("invalidValue", first ? describe(first, type) : `${type} resource does not match its schema.`);
  }
  const problem = dateTimeProblem(resource, type) ?? multiValuedProblem(resource, type) ?? nameOf(resource, type);
  if (problem) throw badRequest("invalidValue", problem);
}

/** RFC 7643 §4.1.1 userName and §4.2 Group displayName: see nameProblem. */
function nameOf(resource: Record<string, unknown>, type: ResourceTypeName): string | undefined {
  const name = type === "User" ? "userName" : "displayName";
  const value = resource[name];
  const problem = typeof value === "string" ? nameProblem(value) : undefined;
  return problem && `${type} attribute '${name}' ${problem}.`;
}

/**
 * At most RESOURCE_LIMITS.maxValues values per multi-valued attribute (Group members excepted: the
 * store keeps them apart), and RFC 7643 §2.4: "primary" true appears at most once per attribute.
 */
function multiValuedProblem(resource: Record<string, unknown>, type: ResourceTypeName): string | undefined {
  const [core, ...extensions] = schemasOf(type);
  const located = [
    ...core.attributes.map((attr) => ({ attr, label: attr.name, value: resource[attr.name] })),
    ...extensions.flatMap((ext) => {
      const holder = resource[ext.id] as Record<string, unknown> | undefined;
      return ext.attributes.map((attr) => ({ attr, label: `${ext.id}:${attr.name}`, value: holder?.[attr.name] }));
    }),
  ];
  for (const { attr, label, value } of located) {
    if (!attr.multiValued || !Array.isArray(value) || (type === "Group" && attr.name === "members")) continue;
    if (value.length > RESOURCE_LIMITS.maxValues) {
      return `${type} attribute '${label}' has ${value.length} values; the limit is ${RESOURCE_LIMITS.maxValues} values per multi-valued attribute.`;
    }
  }
  for (const attr of core.attributes) {
    const value = resource[attr.name];
    if (!attr.multiValued || !Array.isArray(value)) continue;
    if (value.filter((v) => (v as { primary?: unknown })?.primary === true).length > 1) {
      return `${type} attribute '${attr.name}' has more than one value with primary set to true; at most one may be primary.`;
    }
  }
  return undefined;
}

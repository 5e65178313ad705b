import type { ErrorObject, ValidateFunction } from "ajv";
import * as generated from "./validators.generated.cjs";
import type { AttributeDef, ResourceTypeName } from "./schemas.js";
import { schemasOf } from "./schemas.js";
import { badRequest } from "./errors.js";

/**
 * JSON Schema validation of canonical wire resources (RFC 7643 §2.3 data types), with ajv.
 * The validators are ajv standalone code generated at build time from `resourceSchema`
 * (local/validators-codegen.mjs writes validators.generated.cjs); their errors are translated
 * into 400 invalidValue here.
 */

type JsonSchema = Record<string, unknown>;

/** xsd:dateTime (RFC 7643 §2.3.5), also accepting a plain date, which Entra sends for dates. */
export const DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

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

/** The JSON Schema of a resource type's canonical wire form (no id/meta), the validators' source. */
export function resourceSchema(type: ResourceTypeName): JsonSchema {
  const [core, ...extensions] = schemasOf(type);
  const required = core.attributes.filter((a) => a.required).map((a) => a.name);
  const schema = objectSchema(
    core.attributes.filter((a) => a.mutability !== "readOnly"),
    required,
  );
  const properties = schema.properties as Record<string, JsonSchema>;
  for (const name of required) properties[name] = { ...properties[name], minLength: 1 };
  properties.externalId = { type: "string" };
  properties.schemas = { type: "array", items: { type: "string" } };
  for (const ext of extensions) properties[ext.id] = objectSchema(ext.attributes);
  return schema;
}

const validators = generated as unknown as Record<ResourceTypeName, ValidateFunction>;

function validatorFor(type: ResourceTypeName): ValidateFunction {
  return validators[type];
}

/** "/emails/0/value" -> "emails[0].value"; extension URNs stay whole. */
function attributeName(instancePath: string): string {
  const parts = instancePath.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  let out = "";
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? (p.startsWith("urn:") ? p : `.${p}`) : p;
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

/** Validates a canonical wire resource (no id/meta) against its schemas; throws 400 invalidValue. */
export function validateResource(resource: Record<string, unknown>, type: ResourceTypeName): void {
  const validate = validatorFor(type);
  if (!validate(resource)) {
    throw badRequest("invalidValue", describe(validate.errors![0], type));
  }
  const primaries = multiValuedPrimaries(resource, type);
  if (primaries) throw badRequest("invalidValue", primaries);
}

/** RFC 7643 §2.4: "primary" true appears at most once per multi-valued attribute. */
function multiValuedPrimaries(resource: Record<string, unknown>, type: ResourceTypeName): string | undefined {
  const [core] = schemasOf(type);
  for (const attr of core.attributes) {
    const value = resource[attr.name];
    if (!attr.multiValued || !Array.isArray(value)) continue;
    if (value.filter((v) => (v as { primary?: unknown })?.primary === true).length > 1) {
      return `${type} attribute '${attr.name}' has more than one value with primary set to true; at most one may be primary.`;
    }
  }
  return undefined;
}

// Types of the generated validators (validators.generated.cjs, written by local/build/validators-codegen.mjs):
// one per resource type of schemas.ts.
import type { ValidateFunction } from "ajv";
import type { ResourceTypeName } from "./schemas.js";

declare const validators: Record<ResourceTypeName, ValidateFunction>;
export = validators;

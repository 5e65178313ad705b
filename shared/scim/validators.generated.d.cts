// Types of the generated validators (validators.generated.cjs, written by local/validators-codegen.mjs).
import type { ValidateFunction } from "ajv";

export declare const User: ValidateFunction;
export declare const Group: ValidateFunction;

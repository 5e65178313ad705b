export declare const GENERATED_PATH: string;
export declare const DOCS_PATH: string;
export declare function validatorsSource(
  resourceSchema: (type: "User" | "Group") => Record<string, unknown>,
  dateTime: RegExp,
  types: readonly string[],
): string;
export declare function schemaReference(
  schemaDocuments: readonly Record<string, unknown>[],
  resourceTypes: readonly Record<string, unknown>[],
): string;
export declare function generatedFiles(source: {
  resourceSchema: (type: "User" | "Group") => Record<string, unknown>;
  DATE_TIME: RegExp;
  RESOURCE_TYPE_NAMES: readonly string[];
  schemaDocuments: (baseUrl: string) => readonly Record<string, unknown>[];
  resourceTypes: (baseUrl: string) => readonly Record<string, unknown>[];
}): { path: string; text: string }[];

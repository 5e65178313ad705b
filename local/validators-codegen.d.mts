export declare const RESOURCE_TYPES: string[];
export declare const GENERATED_PATH: string;
export declare function validatorsSource(resourceSchema: (type: "User" | "Group") => Record<string, unknown>, dateTime: RegExp): string;

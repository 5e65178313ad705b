/**
 * The compiled infrastructure under test: infra/build/main.json (written by `bicep build` in
 * infra/check.sh) evaluated with given parameters, and the store's container definitions.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  Deployment,
  readParameterValues,
  readTemplate,
  type ArmTemplate,
  type EvaluatedResource,
  type Value,
} from "./arm.js";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const buildDir = join(repoRoot, "infra", "build");
const templatePath = join(buildDir, "main.json");

function requireBuilt(path: string): string {
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run \`npm run infra:check\`, which compiles infra/ before these tests`);
  }
  return path;
}

export function compiledTemplate(): ArmTemplate {
  return readTemplate(requireBuilt(templatePath));
}

export function compiledTemplateText(): string {
  return readFileSync(requireBuilt(templatePath), "utf8");
}

export function compiledParameters(name: string): Record<string, Value> {
  return readParameterValues(requireBuilt(join(buildDir, `${name}.parameters.json`)));
}

/** The minimal parameters a deployment needs (the only required one). */
const minimalParameters = { environmentName: "test" };

export type Evaluated = {
  deployment: Deployment;
  resources: EvaluatedResource[];
  outputs: Record<string, Value>;
};

export function evaluate(parameters: Record<string, Value> = minimalParameters): Evaluated {
  const deployment = new Deployment(compiledTemplate(), parameters);
  return { deployment, resources: deployment.resources(), outputs: deployment.outputs() };
}

/** The one resource of a type (fails when there are none or several). */
export function single(resources: EvaluatedResource[], type: string): EvaluatedResource {
  const matches = resources.filter((r) => !r.existing && r.type.toLowerCase() === type.toLowerCase());
  if (matches.length !== 1) throw new Error(`expected one ${type}, found ${matches.length}`);
  return matches[0]!;
}

export function ofType(resources: EvaluatedResource[], type: string): EvaluatedResource[] {
  return resources.filter((r) => !r.existing && r.type.toLowerCase() === type.toLowerCase());
}

type ContainerDefinition = { id: string; [property: string]: unknown };
export type StoreDefinition = { database: string; containers: ContainerDefinition[] };

/** shared/store/containers.json: the one definition the code and the Bicep both read. */
export function storeDefinition(): StoreDefinition {
  return JSON.parse(readFileSync(join(repoRoot, "shared", "store", "containers.json"), "utf8")) as StoreDefinition;
}

/** Drops `$comment`-style keys, which document the file and are not Cosmos properties. */
export function withoutComments<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith("$"))) as Partial<T>;
}

/** Drops null-valued keys: ARM sends an unset optional property (`x.?y`) as null. */
export function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));
}

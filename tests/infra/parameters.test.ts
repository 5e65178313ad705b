import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compiledParameters, compiledTemplate, evaluate, repoRoot, single } from "./template.js";

const parameterFiles = readdirSync(join(repoRoot, "infra", "parameters"))
  .filter((f) => f.endsWith(".bicepparam"))
  .map((f) => f.replace(/\.bicepparam$/, ""));

describe("example parameter files", () => {
  it("include a dev and a prod environment", () => {
    expect(parameterFiles).toEqual(expect.arrayContaining(["dev", "prod"]));
  });

  it.each(parameterFiles)("%s sets only parameters main.bicep declares, and names its environment", (name) => {
    const values = compiledParameters(name);
    const declared = Object.keys(compiledTemplate().parameters ?? {});
    expect(Object.keys(values).filter((k) => !declared.includes(k))).toEqual([]);
    expect(values["environmentName"]).toBe(name);
  });

  it.each(parameterFiles)("%s evaluates to a deployment that keeps keys off", (name) => {
    const { resources } = evaluate(compiledParameters(name));
    expect(single(resources, "Microsoft.DocumentDB/databaseAccounts").properties["disableLocalAuth"]).toBe(true);
    expect(single(resources, "Microsoft.Storage/storageAccounts").properties["allowSharedKeyAccess"]).toBe(false);
  });

  it("dev uses serverless Cosmos DB", () => {
    const { resources } = evaluate(compiledParameters("dev"));
    expect(single(resources, "Microsoft.DocumentDB/databaseAccounts").properties["capabilities"]).toEqual([
      { name: "EnableServerless" },
    ]);
  });

  it("prod uses zone-redundant autoscale Cosmos DB and zone-redundant storage", () => {
    const values = compiledParameters("prod");
    const { resources } = evaluate(values);
    const account = single(resources, "Microsoft.DocumentDB/databaseAccounts");
    expect(account.properties["capabilities"]).toEqual([]);
    expect(account.properties["locations"]).toMatchObject([{ isZoneRedundant: true }]);
    expect(single(resources, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases").properties["options"]).toEqual({
      autoscaleSettings: { maxThroughput: values["cosmosAutoscaleMaxThroughput"] },
    });
    expect(single(resources, "Microsoft.Storage/storageAccounts").fields["sku"]).toEqual({ name: "Standard_ZRS" });
  });

  it("grant the deployer the Cosmos DB data role only when DEPLOYER_PRINCIPAL_ID is set", () => {
    const sqlAssignments = (values: Record<string, unknown>) =>
      evaluate(values).resources.filter((r) => r.type === "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments");
    expect(compiledParameters("dev")["deployerPrincipalId"]).toBe("");
    expect(sqlAssignments(compiledParameters("dev"))).toHaveLength(1);
    const withDeployer = compiledParameters("dev.with-deployer");
    expect(withDeployer["deployerPrincipalId"]).toBe("11111111-1111-4111-8111-111111111111");
    expect(sqlAssignments(withDeployer).map((a) => a.properties["principalId"])).toContain(
      "11111111-1111-4111-8111-111111111111",
    );
  });
});
